"""Pages of the organisations app. Leaders (phone-friendly): my organisation, roster, shifts, confirm hours.
Residents: organisations of my community, join, my shifts and hours. Staff: the register of their scope with
filters, the review queue, star ratings, incubation and service by staff sent down (下沉)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from linli.core.errors import ApplicationError
from linli.core.permissions import has_perm, scope_prefix
from linli.core.tabular import XLSX
from linli.organizations import rubric, selectors, services
from linli.organizations.enums import (
    Grade,
    GuideRole,
    MemberRole,
    MemberState,
    OrgKind,
    OrgState,
    OrgTrack,
    SentDownService,
)
from linli.organizations.exports import register_workbook
from linli.organizations.inputs import HoursIn, OrganizationIn, RatingIn, SentDownIn, ShiftIn
from linli.organizations.models import Attendance

PAGE_SIZE = 30
ORG_FIELDS = ("name", "kind", "track", "grade", "community", "purpose", "leader", "guide_role", "guide_name",
              "guide_phone", "members_declared", "documents")  # fmt: skip
SHIFT_FIELDS = ("title", "facility", "place", "starts_at", "ends_at", "places", "service", "community")


def field_labels() -> dict[str, str]:
    """The fields the services name, as the forms label them."""
    return {
        "name": _("Name"), "kind": _("Kind of organisation"), "track": _("Track"), "grade": _("Grade"),
        "community": _("Community or village"), "purpose": _("Purpose"), "leader": _("Leader (user name)"),
        "guide_role": _("Led by"), "guide_name": _("Guide's name"), "guide_phone": _("Guide's phone"),
        "members_declared": _("Members"), "documents": _("Documents"), "state": _("State"),
        "reasons": _("Reasons"), "reason": _("Reason"), "person": _("Person"), "role": _("Role"),
        "title": _("Title"), "facility": _("Facility code"), "place": _("Place"), "starts_at": _("Starts at"),
        "ends_at": _("Ends at"), "places": _("Places"), "service": _("Service"), "hours": _("Hours"),
        "residents_served": _("Residents served"), "checked_in_at": _("Check-in"),
        "checked_out_at": _("Check-out"), "shift": _("Shift"), "adjustment": _("Adjustment"),
        "replace": _("Replace"), "year": _("Year"), "rating": _("Star rating"), "organization": _("Organisation"),
        "record": _("Record"), "area_code": _("Community or village"),
    }  # fmt: skip


def _errors(exc: ApplicationError) -> dict[str, str]:
    """A refusal's problems keyed by the form's labels; anything but a refused input (403, 404) is raised
    again for the error page."""
    if exc.status not in (400, 409):
        raise exc
    items = exc.extra.get("errors") or [{"field": exc.extra.get("field") or "", "message": exc.message}]
    labels = field_labels()
    return {labels.get(str(i.get("field") or ""), ""): str(i["message"]) for i in items}


def _flash(request: HttpRequest, exc: ApplicationError) -> None:
    for field, message in _errors(exc).items():
        messages.error(request, f"{field}: {message}" if field else message)


def _form(request: HttpRequest, fields: tuple[str, ...]) -> dict[str, str]:
    return {f: request.POST.get(f, "") for f in fields}


def _is_staff(request: HttpRequest) -> bool:
    return has_perm(request.user, services.REVIEW)


# Home of the app: by role ------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Staff: the register of their scope with filters. Others: my organisations, those of my community,
    my shifts and hours."""
    user = request.user
    if scope_prefix(user) is not None:  # staff, auditors and evaluators: the register of their scope
        filters = {k: request.GET.get(k) or None for k in ("area", "kind", "state", "q")}
        qs = selectors.organizations_filtered(viewer=user, **filters)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "organizations/register.html", {
            "query": urlencode({k: v for k, v in filters.items() if v}), "reviews": _is_staff(request),
            "page": page, "filters": filters, "kinds": OrgKind.choices, "states": OrgState.choices,
            "queue": selectors.review_queue(viewer=user).count(), "renewals": selectors.renewals_due(viewer=user)[:20],
        })  # fmt: skip
    home_code = getattr(user, "home_area_code", "") or ""
    mine = {m.organization_id: m for m in selectors.memberships_of(viewer=user)}
    nearby = selectors.organizations_filtered(viewer=user, area=home_code or "-", state=OrgState.APPROVED)
    led = list(selectors.organizations_led(viewer=user))
    return render(request, "organizations/mine.html", {
        "led": led,
        "memberships": [m for m in mine.values() if m.state in (MemberState.ACTIVE, MemberState.REQUESTED)],
        "nearby": [(org, mine.get(org.pk)) for org in nearby[:100]],
        "upcoming": selectors.my_attendances(viewer=user, upcoming=True)[:50],
        "past": [(a, selectors.current_record(a)) for a in selectors.my_attendances(viewer=user, upcoming=False)[:50]],
        "total_hours": selectors.my_hours(viewer=user),
        "to_confirm": selectors.to_confirm(viewer=user).count() if led else 0,
    })  # fmt: skip


@login_required
def register_export(request: HttpRequest) -> HttpResponse:
    """The register (with the page's filters) as an Excel file, for those who read the register."""
    if scope_prefix(request.user) is None:
        raise ApplicationError("forbidden", _("You may not do this here."), status=403)
    filters = {k: request.GET.get(k) or None for k in ("area", "kind", "state", "q")}
    response = HttpResponse(register_workbook(viewer=request.user, **filters), content_type=XLSX)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="linli-organizations-{stamp}.xlsx"'
    return response


@login_required
def org_new(request: HttpRequest) -> HttpResponse:
    data: dict[str, str] = {"community": getattr(request.user, "home_area_code", "") or ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = _form(request, ORG_FIELDS)
        try:
            org = services.organization_file(actor=request.user, data=OrganizationIn.parse(data))
        except ApplicationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("The organisation was saved as a draft. Submit it for review when ready."))
            return redirect("organizations:detail", org.pk)
    return render(request, "organizations/org_form.html", _org_form_context(request, data, errors),
                  status=400 if errors else 200)  # fmt: skip


def _org_form_context(request: HttpRequest, data: dict[str, str], errors: dict[str, str], **extra: Any) -> dict:
    return {"data": data, "errors": errors, "kinds": OrgKind.choices, "tracks": OrgTrack.choices,
            "grades": Grade.choices, "guide_roles": GuideRole.choices, "staff": _is_staff(request),
            **extra}  # fmt: skip


@login_required
def org_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft or a returned filing: the changes are shown first, then saved on confirmation."""
    org = selectors.organization_get(viewer=request.user, org_id=pk)
    data = {f: str(getattr(org, f, "") or "") for f in ORG_FIELDS}
    data.update(community=org.area_code, leader=org.leader.username, members_declared=str(org.members_declared))
    errors: dict[str, str] = {}
    changes: list[dict[str, str]] = []
    if request.method == "POST":
        data = _form(request, ORG_FIELDS)
        try:
            parsed = OrganizationIn.parse(data)
            if request.POST.get("confirm"):
                services.organization_update(actor=request.user, org_id=pk, data=parsed)
                messages.success(request, _("The filing was changed."))
                return redirect("organizations:detail", pk)
            changes = services.organization_changes(org, parsed)
            labels = field_labels()
            changes = [{**c, "label": labels.get(c["field"], c["field"])} for c in changes]
        except ApplicationError as exc:
            errors = _errors(exc)
    return render(request, "organizations/org_form.html",
                  _org_form_context(request, data, errors, org=org, changes=changes, preview=bool(changes)),
                  status=400 if errors else 200)  # fmt: skip


@login_required
def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    org = selectors.organization_get(viewer=user, org_id=pk)
    leads = services.is_leader(user, org)
    reviews = services.is_reviewer(user, org)
    membership = next((m for m in selectors.memberships_of(viewer=user).filter(organization=org)), None)
    roster = list(selectors.roster(org=org)) if (leads or reviews) else []
    incubation = getattr(org, "incubation", None) if hasattr(org, "incubation") else None
    return render(request, "organizations/detail.html", {
        "org": org, "contact": services.guide_contact(viewer=user, org=org, request=request),
        "leads": leads, "reviews": reviews, "membership": membership, "roster": roster,
        "requests": [m for m in roster if m.state == MemberState.REQUESTED],
        "members": [m for m in roster if m.state == MemberState.ACTIVE],
        "transitions": selectors.transitions_of(org), "upcoming": selectors.shifts_of(org=org, upcoming=True)[:30],
        "past": selectors.shifts_of(org=org, upcoming=False)[:30], "incubation": incubation,
        "ratings": org.ratings.order_by("-year"), "editable": org.state in services.EDITABLE,
        "approved": org.state == OrgState.APPROVED, "states": OrgState, "roles": MemberRole.choices,
        "may_join": org.state == OrgState.APPROVED and getattr(user, "role", "") in services.PEOPLE_ROLES
        and (membership is None or membership.state in (MemberState.LEFT, MemberState.REFUSED)),
        "shift_data": {}, "mine": {a.shift_id for a in Attendance.objects.filter(person_id=user.pk, cancelled=False)},
    })  # fmt: skip


ORG_ACTIONS = {
    "submit": (
        lambda u, pk, note: services.organization_submit(actor=u, org_id=pk),
        gettext_noop("Submitted for review."),
    ),
    "approve": (
        lambda u, pk, note: services.organization_approve(actor=u, org_id=pk, note=note),
        gettext_noop("Approved."),
    ),
    "return": (
        lambda u, pk, note: services.organization_return(actor=u, org_id=pk, reasons=note),
        gettext_noop("Returned."),
    ),
    "renew": (lambda u, pk, note: services.organization_renew(actor=u, org_id=pk), gettext_noop("Renewed for a year.")),
    "suspend": (
        lambda u, pk, note: services.organization_suspend(actor=u, org_id=pk, reasons=note),
        gettext_noop("Suspended."),
    ),
    "reinstate": (lambda u, pk, note: services.organization_reinstate(actor=u, org_id=pk), gettext_noop("Reinstated.")),
    "dissolve": (
        lambda u, pk, note: services.organization_dissolve(actor=u, org_id=pk, reasons=note),
        gettext_noop("Dissolved."),
    ),
    "join": (
        lambda u, pk, note: services.membership_request(actor=u, org_id=pk),
        gettext_noop("Your request was sent."),
    ),
    "incubate": (
        lambda u, pk, note: services.incubation_apply(actor=u, org_id=pk, plan=note),
        gettext_noop("Applied."),
    ),
}


@login_required
@require_POST
def org_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ORG_ACTIONS:
        raise ApplicationError("not_found", _("No such page."), status=404)
    run, message = ORG_ACTIONS[action]
    try:
        run(request.user, pk, request.POST.get("note", ""))
    except ApplicationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _(message))
    if request.POST.get("next") == "queue":
        return redirect("organizations:review")
    return redirect("organizations:detail", pk)


@login_required
@require_POST
def member_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    try:
        if action == "accept":
            m = services.membership_decide(actor=user, membership_id=pk, accept=True)
        elif action == "refuse":
            m = services.membership_decide(actor=user, membership_id=pk, accept=False)
        elif action == "role":
            m = services.membership_set_role(actor=user, membership_id=pk, role=request.POST.get("role", ""))
        elif action == "leave":
            m = services.membership_leave(actor=user, membership_id=pk)
        else:
            raise ApplicationError("not_found", _("No such page."), status=404)
    except ApplicationError as exc:
        _flash(request, exc)
        return redirect("organizations:home")
    messages.success(request, _("Saved."))
    return redirect("organizations:detail", m.organization_id)


# Shifts --------------------------------------------------------------------------------------------------


@login_required
def shift_new(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.organization_get(viewer=request.user, org_id=pk)
    data: dict[str, str] = {"places": "10"}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = _form(request, SHIFT_FIELDS)
        try:
            shift = services.shift_publish(actor=request.user, org_id=pk, data=ShiftIn.parse(data))
        except ApplicationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("The shift was published."))
            return redirect("organizations:shift", shift.pk)
    return render(request, "organizations/shift_form.html", {"org": org, "data": data, "errors": errors},
                  status=400 if errors else 200)  # fmt: skip


@login_required
def shift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    shift = services._shift_visible(user, pk)
    try:
        services._shift_manager(user, shift)
        manages = True
    except ApplicationError:
        manages = False
    rows = []
    if manages:
        for a in selectors.shift_attendances(shift=shift):
            rows.append(
                {"attendance": a, "record": selectors.current_record(a), "attended": services.hours_attended(a)}
            )
    mine = Attendance.objects.filter(shift=shift, person_id=user.pk, cancelled=False).first()
    taken = Attendance.objects.filter(shift=shift, cancelled=False).count()
    return render(request, "organizations/shift.html", {
        "shift": shift, "manages": manages, "rows": rows, "mine": mine, "taken": taken,
        "started": shift.starts_at <= timezone.now(), "ended": shift.ends_at <= timezone.now(),
        "may_sign_up": getattr(user, "role", "") in services.PEOPLE_ROLES and mine is None
        and not shift.cancelled and shift.ends_at > timezone.now() and shift.kind == "volunteer",
    })  # fmt: skip


def _decimal(value: str) -> Decimal | None:
    if not value.strip():
        return None
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        raise ApplicationError("invalid", _("Hours must be a number."), {"field": "hours"}) from None


def _int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


@login_required
@require_POST
def shift_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Sign up, withdraw, cancel, add a person sent down; check in or out, confirm or correct hours."""
    user = request.user
    post = request.POST
    try:
        if action == "signup":
            services.shift_signup(actor=user, shift_id=pk, person=post.get("person") or None)
        elif action == "cancel":
            services.shift_cancel(actor=user, shift_id=pk)
        else:
            attendance_id = int(post.get("attendance") or 0)
            if action == "withdraw":
                services.attendance_cancel(actor=user, attendance_id=attendance_id)
            elif action == "check-in":
                services.attendance_check_in(actor=user, attendance_id=attendance_id)
            elif action == "check-out":
                services.attendance_check_out(actor=user, attendance_id=attendance_id)
            elif action == "confirm":
                data = HoursIn(
                    hours=_decimal(post.get("hours", "")), residents_served=_int(post.get("served", "")), reason=""
                )
                services.hours_confirm(actor=user, attendance_id=attendance_id, data=data)
            elif action == "correct":
                data = HoursIn(
                    hours=_decimal(post.get("hours", "")), residents_served=None, reason=post.get("reason", "")
                )
                services.hours_correct(actor=user, record_id=int(post.get("record") or 0), data=data)
            else:
                raise ApplicationError("not_found", _("No such page."), status=404)
    except ApplicationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Saved."))
    if action == "withdraw" and post.get("back") == "home":
        return redirect("organizations:home")
    return redirect("organizations:shift", pk)


@login_required
def to_confirm(request: HttpRequest) -> HttpResponse:
    """Attendances of past shifts whose hours wait for confirmation (leaders, staff)."""
    rows = [
        {"attendance": a, "attended": services.hours_attended(a)}
        for a in selectors.to_confirm(viewer=request.user)[:100]
    ]
    return render(request, "organizations/to_confirm.html", {"rows": rows})


# Staff: review, ratings, incubation, sent-down -----------------------------------------------------------


def _staff_only(request: HttpRequest) -> None:
    if not _is_staff(request):
        raise ApplicationError("forbidden", _("You may not do this here."), status=403)


@login_required
def review(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    queue = selectors.review_queue(viewer=request.user)
    return render(request, "organizations/review.html", {"queue": queue})


@login_required
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    """Rate an organisation for a year: the rubric's figures now, the adjustment and its reason; a year
    already rated shows what would change and is replaced only on confirmation."""
    _staff_only(request)
    org = selectors.organization_get(viewer=request.user, org_id=pk)
    year = _int(request.GET.get("year", "") or request.POST.get("year", "")) or timezone.localdate().year
    errors: dict[str, str] = {}
    changes: list[dict[str, str]] = []
    data = {"adjustment": request.POST.get("adjustment", "0"), "reason": request.POST.get("reason", "")}
    if request.method == "POST":
        try:
            parsed = RatingIn.parse({**data, "replace": bool(request.POST.get("replace"))})
            services.rating_save(actor=request.user, org_id=pk, year=year, data=parsed)
        except ApplicationError as exc:
            changes = exc.extra.get("changes") or []
            labels = {"stars": _("Stars"), "score": _("Score"), "adjustment": _("Adjustment"), "reason": _("Reason")}
            changes = [{**c, "label": labels.get(c["field"], c["field"])} for c in changes]
            errors = _errors(exc)
        else:
            messages.success(request, _("The rating was saved."))
            return redirect("organizations:ratings")
    try:
        adjustment = int(data["adjustment"] or 0)
    except ValueError:
        adjustment = 0
    preview = services.rating_preview(actor=request.user, org_id=pk, year=year, adjustment=adjustment)
    labels = {"shifts_held": _("Shifts held"), "participants": _("Participants"),
              "confirmed_hours": _("Confirmed hours"),
              "members": _("Members")}  # fmt: skip
    criteria = [
        {"label": labels[c.key], "value": preview["figures"].get(c.key, 0), "full": c.full, "weight": c.weight,
         "points": rubric.criterion_points(c, preview["figures"].get(c.key, 0))}
        for c in rubric.RUBRIC
    ]  # fmt: skip
    existing = org.ratings.filter(year=year).first()
    return render(request, "organizations/rate.html", {
        "org": org, "year": year, "preview": preview, "criteria": criteria, "existing": existing, "data": data,
        "errors": errors, "changes": changes, "limit": rubric.ADJUSTMENT_LIMIT,
    }, status=400 if errors and not changes else 200)  # fmt: skip


@login_required
def ratings(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    year = _int(request.GET.get("year", "")) or timezone.localdate().year
    rated = selectors.ratings_visible(viewer=request.user).filter(year=year).order_by("-stars", "organization__name")
    unrated = (
        selectors.organizations_visible(viewer=request.user)
        .filter(state=OrgState.APPROVED)
        .exclude(ratings__year=year)
        .order_by("name")[:100]
    )
    return render(request, "organizations/ratings.html", {"rated": rated[:300], "unrated": unrated, "year": year})


@login_required
def incubations(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    if request.method == "POST":
        try:
            services.incubation_advance(actor=request.user, incubation_id=int(request.POST.get("incubation") or 0),
                                        grade=request.POST.get("grade", ""))  # fmt: skip
        except ApplicationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("Saved."))
        return redirect("organizations:incubations")
    return render(request, "organizations/incubations.html", {
        "rows": selectors.incubations_visible(viewer=request.user).order_by("state", "-applied_at")[:300],
        "grades": Grade.choices, "startup": rubric.STARTUP_FUND,
        "awards": sorted(rubric.AWARD_BY_STARS.items(), reverse=True),
    })  # fmt: skip


@login_required
def sent_down(request: HttpRequest) -> HttpResponse:
    """Service by staff sent down (下沉): schedule it, and the figures of the last 90 days by community."""
    _staff_only(request)
    data: dict[str, str] = {"places": "2"}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = _form(request, SHIFT_FIELDS)
        try:
            shift = services.sent_down_schedule(actor=request.user, data=SentDownIn.parse(data))
        except ApplicationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("The service was scheduled."))
            return redirect("organizations:shift", shift.pk)
    today = timezone.localdate()
    start = today - dt.timedelta(days=90)
    return render(request, "organizations/sent_down.html", {
        "data": data, "errors": errors, "services": SentDownService.choices,
        "shifts": selectors.sent_down_visible(viewer=request.user)
        .filter(ends_at__gt=timezone.now() - dt.timedelta(days=30)).order_by("starts_at")[:100],
        "stats": selectors.sent_down_per_area(viewer=request.user, start=start, end=today + dt.timedelta(days=1)),
        "start": start, "today": today,
    }, status=400 if errors else 200)  # fmt: skip
