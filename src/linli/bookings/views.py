"""Pages of activities: upcoming sessions near the resident with register and cancel buttons, "my
registrations" with check-in codes, and for staff publishing activities, rosters, check-in and a kiosk."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.bookings import activities, codes, qr, registrations, selectors
from linli.bookings import checkin as checkins
from linli.bookings.enums import RegistrationStatus
from linli.bookings.inputs import ActivityIn, SessionMoveIn, SessionTimesIn
from linli.bookings.models import Registration
from linli.catalog.enums import Domain
from linli.catalog.selectors import service_items
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, can, has_perm, require
from linli.core.redirects import safe_next
from linli.facilities.selectors import facilities_visible, facility_get

PAGE_SIZE = 30
FORM_FIELDS = (
    "facility", "title", "description", "domain", "item", "repeat", "date", "start_date", "end_date", "weekdays",
    "excluded_dates", "start_time", "end_time", "capacity", "waitlist_capacity", "min_age", "max_age",
    "max_group_size", "opens_days_before", "closes_hours_before",
)  # fmt: skip


def activity_list(request: HttpRequest) -> HttpResponse:
    """Upcoming sessions, near the resident's home by default (`?area=` another prefix, `all=1` all)."""
    near = selectors.near_prefix(request.user)
    area = "" if request.GET.get("all") else request.GET.get("area", near)
    domain = request.GET.get("domain") or ""
    sessions = selectors.sessions_upcoming(area=area or None, domain=domain or None)
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    mine: dict[int, Registration] = {}
    if request.user.is_authenticated:
        mine = {
            r.session_id: r
            for r in selectors.registrations_of(viewer=request.user)
            .filter(session__in=[s.pk for s in page.object_list])
            .exclude(status=RegistrationStatus.CANCELLED)
        }
    rows = [(session, mine.get(session.pk)) for session in page.object_list]
    return render(
        request,
        "bookings/activity_list.html",
        {
            "page": page,
            "rows": rows,
            "area": area,
            "near": near,
            "domain": domain,
            "domains": Domain.choices,
            "may_manage": has_perm(request.user, Perm.FACILITY_CHANGE),
        },
    )


@login_required
@require_POST
def register(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.session_get_public(session_id=session_id)
    try:
        persons = int(request.POST.get("persons") or 1)
    except ValueError:
        persons = 0
    try:
        registration = registrations.registration_create(actor=request.user, session_id=session.pk, persons=persons)
    except ApplicationError as exc:
        if exc.status in (401, 403, 404):
            raise
        messages.error(request, exc.message)
    else:
        if registration.status == RegistrationStatus.CONFIRMED:
            messages.success(request, _("You are registered. Show your check-in code at the door."))
        else:
            messages.info(request, _("The session is full: you are on the waiting list and will be told."))
        return redirect("booking-mine")
    return safe_next(request, "booking-activities")


@login_required
@require_POST
def cancel(request: HttpRequest, registration_id: int) -> HttpResponse:
    try:
        registrations.registration_cancel(actor=request.user, registration_id=registration_id)
    except ApplicationError as exc:
        if exc.status in (401, 403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The registration was cancelled."))
    return safe_next(request, "booking-mine")


@login_required
def my_registrations(request: HttpRequest) -> HttpResponse:
    rows = []
    for registration in selectors.registrations_of(viewer=request.user):
        shown = registration.status == RegistrationStatus.CONFIRMED and bool(registration.code_nonce)
        rows.append(
            {
                "registration": registration,
                "code": codes.full_code(registration.code_nonce) if shown else "",
                "short_code": codes.short_code(registration.code_nonce) if shown else "",
                "qr": qr.checkin_qr(registration.code_nonce) if shown else "",
                "position": selectors.waiting_position(registration),
            }
        )
    notifications = list(selectors.notifications_of(viewer=request.user)[:20])
    if request.method == "POST":
        registrations.notifications_read(user=request.user)  # type: ignore[arg-type]
        return redirect("booking-mine")
    return render(request, "bookings/my_registrations.html", {"rows": rows, "notifications": notifications})


# Staff -----------------------------------------------------------------------------------------------


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.AREA_VIEW)
    when = "past" if request.GET.get("when") == "past" else "upcoming"  # staff start with today
    sessions = selectors.sessions_managed(viewer=request.user, when=when)
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "bookings/manage.html",
        {"page": page, "when": when, "may_manage": has_perm(request.user, Perm.FACILITY_CHANGE)},
    )


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.FACILITY_CHANGE)
    facilities = facilities_visible(viewer=request.user).order_by("code")
    data: dict[str, Any] = {"repeat": "none", "capacity": "20", "max_group_size": "1", "opens_days_before": "14"}
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    if request.method == "POST":
        data = {name: request.POST.get(name, "") for name in FORM_FIELDS}
        data["weekdays"] = request.POST.getlist("weekdays")
        try:
            facility = facility_get(viewer=request.user, code=data["facility"])
            activity = activities.activity_create(actor=request.user, facility=facility, data=ActivityIn.parse(data))
        except ApplicationError as exc:
            if exc.status != 400 and exc.status != 404:
                raise
            for item in exc.extra.get("errors") or [
                {"field": exc.extra.get("field") or "facility", "message": exc.message}
            ]:
                errors.setdefault(str(item.get("field")), []).append(str(item["message"]))
            general.append(str(exc.message))
        else:
            messages.success(
                request,
                _("Published with %(n)d session(s).") % {"n": activity.sessions.count()},
            )
            return redirect("booking-manage")
    return render(
        request,
        "bookings/activity_form.html",
        {
            "facilities": facilities,
            "items": service_items(),
            "domains": Domain.choices,
            "weekdays": list(WEEKDAYS.items()),
            "data": data,
            "errors": errors,
            "general": general,
        },
        status=400 if errors else 200,
    )


def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    """The public view of a session; staff of its area also see the roster with check-in status."""
    session = selectors.session_get_public(session_id=session_id)
    rows = None
    if can(request.user, Perm.PEOPLE_VIEW, session.area_code):
        rows = list(selectors.roster(viewer=request.user, session=session, request=request))
    return render(
        request,
        "bookings/session_detail.html",
        {"session": session, "rows": rows, "no_shows": selectors.no_shows(viewer=request.user, session=session)
         if rows is not None else [], "may_change": can(request.user, Perm.FACILITY_CHANGE, session.area_code),
         "now": timezone.now()},
    )  # fmt: skip


def _refusal_text(exc: ApplicationError) -> str:
    """The refusal with each field's problem, for a message above the page."""
    items = [f"{item['field']}: {item['message']}" for item in exc.extra.get("errors") or []]
    return " ".join([str(exc.message), *items])


@login_required
@require_POST
def session_move(request: HttpRequest, session_id: int) -> HttpResponse:
    """Move a session to another date or time (staff of its area), inside the facility's opening hours."""
    session = selectors.session_get_managed(viewer=request.user, session_id=session_id)
    data = {name: request.POST.get(name, "") for name in ("date", "start_time", "end_time")}
    try:
        activities.session_move(actor=request.user, session=session, data=SessionMoveIn.parse(data))
    except ApplicationError as exc:
        if exc.status != 400:
            raise
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(request, _("The session was moved; the registered residents were told."))
    return redirect("booking-session", session_id=session.pk)


@login_required
@require_POST
def session_add(request: HttpRequest, session_id: int) -> HttpResponse:
    """Add a session to the activity of this one (staff of its area), inside the facility's opening hours."""
    session = selectors.session_get_managed(viewer=request.user, session_id=session_id)
    data = {name: request.POST.get(name, "") for name in ("date", "start_time", "end_time")}
    try:
        added = activities.session_add(actor=request.user, activity=session.activity, data=SessionTimesIn.parse(data))
    except ApplicationError as exc:
        if exc.status != 400:
            raise
        messages.error(request, _refusal_text(exc))
        return redirect("booking-session", session_id=session.pk)
    messages.success(request, _("The session was added."))
    return redirect("booking-session", session_id=added.pk)


def _checkin_post(request: HttpRequest, facility: Any = None) -> tuple[Registration | None, str]:
    try:
        registration = checkins.checkin_record(actor=request.user, code=request.POST.get("code", ""), facility=facility)
    except ApplicationError as exc:
        if exc.status in (401, 403):
            raise
        return None, str(exc.message)
    return registration, ""


@login_required
def checkin(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.FACILITY_CHANGE)
    registration, error = _checkin_post(request) if request.method == "POST" else (None, "")
    return render(
        request,
        "bookings/checkin.html",
        {"registration": registration, "error": error},
        status=400 if error else 200,
    )


@login_required
def kiosk(request: HttpRequest, facility_code: str) -> HttpResponse:
    """A full-screen page at the centre's door: staff open it once on the device; residents type or scan
    their code. No navigation: nothing else can be reached from it."""
    facility = facility_get(viewer=request.user, code=facility_code)
    require(request.user, Perm.FACILITY_CHANGE, facility.area_code)
    registration, error = _checkin_post(request, facility) if request.method == "POST" else (None, "")
    return render(
        request,
        "bookings/kiosk.html",
        {"facility": facility, "registration": registration, "error": error},
        status=400 if error else 200,
    )
