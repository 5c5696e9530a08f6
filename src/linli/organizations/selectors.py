"""Reads of the organisations app, scoped to the viewer, and the figures other apps read (indicators):
organisations filed per area and kind, ratings, volunteer hours and 下沉人次 per area and period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, has_perm, scope_prefix, scope_q
from linli.organizations.enums import MemberRole, MemberState, OrgState, ShiftKind
from linli.organizations.models import (
    Attendance,
    HoursRecord,
    Incubation,
    Membership,
    Organization,
    Rating,
    Shift,
)

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

PUBLIC_STATES = (OrgState.APPROVED,)


def _own_q(viewer: AnyUser) -> Q:
    """Organisations the viewer leads or belongs to (or asked to join)."""
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    return Q(leader_id=viewer.pk) | Q(memberships__person_id=viewer.pk)


def organizations_visible(*, viewer: AnyUser) -> QuerySet[Organization]:
    """Staff: every organisation of their scope. Others: filed organisations (the public register) and
    those they lead or are on the roster of."""
    if scope_prefix(viewer) is not None:
        return Organization.objects.visible_to(viewer)
    ids = Organization.objects.filter(Q(state__in=PUBLIC_STATES) | _own_q(viewer)).values("pk")
    return Organization.objects.filter(pk__in=ids)


def organization_get(*, viewer: AnyUser, org_id: int) -> Organization:
    org = organizations_visible(viewer=viewer).select_related("leader").filter(pk=org_id).first()
    if org is None:
        raise ApplicationError("not_found", _("No such organisation here."), status=404)
    return org


def organizations_filtered(
    *,
    viewer: AnyUser,
    area: str | None = None,
    kind: str | None = None,
    state: str | None = None,
    q: str | None = None,
) -> QuerySet[Organization]:
    """The register with filters: `area` a code prefix, `kind`, `state`, `q` in the name or purpose."""
    qs = organizations_visible(viewer=viewer).select_related("leader")
    if area:
        qs = qs.filter(area_code__startswith=area)
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(purpose__icontains=q))
    return qs.order_by("area_code", "name")


def organizations_led(*, viewer: AnyUser) -> QuerySet[Organization]:
    """The organisations the viewer leads (or is a deputy of)."""
    if not viewer.is_authenticated:
        return Organization.objects.none()
    deputy = Membership.objects.filter(
        organization=OuterRef("pk"), person_id=viewer.pk, state=MemberState.ACTIVE, role=MemberRole.DEPUTY
    )
    return Organization.objects.filter(Q(leader_id=viewer.pk) | Q(Exists(deputy))).order_by("name")


def review_queue(*, viewer: AnyUser) -> QuerySet[Organization]:
    """Filings waiting for the viewer's review, oldest first (nothing for those who do not review)."""
    if not has_perm(viewer, Perm.ORGANIZATION_REVIEW):
        return Organization.objects.none()
    return (
        Organization.objects.visible_to(viewer)
        .filter(state=OrgState.SUBMITTED)
        .select_related("leader")
        .order_by("submitted_at", "pk")
    )


def renewals_due(*, viewer: AnyUser, within_days: int = 30) -> QuerySet[Organization]:
    if not has_perm(viewer, Perm.ORGANIZATION_REVIEW):
        return Organization.objects.none()
    limit = timezone.localdate() + dt.timedelta(days=within_days)
    return Organization.objects.visible_to(viewer).filter(state=OrgState.APPROVED, renewal_due__lte=limit)


def transitions_of(org: Organization) -> QuerySet[Any]:
    return org.transitions.select_related("actor").order_by("at", "pk")


def roster(*, org: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=org)
        .exclude(state=MemberState.LEFT)
        .select_related("person")
        .order_by("state", "role", "person__username")
    )


def join_requests_for_leader(*, viewer: AnyUser) -> QuerySet[Membership]:
    return Membership.objects.filter(
        organization__in=organizations_led(viewer=viewer), state=MemberState.REQUESTED
    ).select_related("organization", "person")


def memberships_of(*, viewer: AnyUser) -> QuerySet[Membership]:
    if not viewer.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(person_id=viewer.pk).select_related("organization")


def shifts_visible(*, viewer: AnyUser) -> QuerySet[Shift]:
    """Staff: the shifts of their scope. Others: shifts of filed organisations, of those they lead, and any
    shift they signed up for."""
    if scope_prefix(viewer) is not None:
        return Shift.objects.filter(scope_q(viewer))
    if not viewer.is_authenticated:
        return Shift.objects.filter(organization__state=OrgState.APPROVED, kind=ShiftKind.VOLUNTEER)
    led = organizations_led(viewer=viewer).values("pk")
    return Shift.objects.filter(
        Q(organization__state=OrgState.APPROVED, kind=ShiftKind.VOLUNTEER)
        | Q(organization__in=led)
        | Q(pk__in=Attendance.objects.filter(person_id=viewer.pk).values("shift_id"))
    )


def shifts_of(*, org: Organization, upcoming: bool | None = None) -> QuerySet[Shift]:
    qs = Shift.objects.filter(organization=org).annotate(
        taken=Count("attendances", filter=Q(attendances__cancelled=False))
    )
    now = timezone.now()
    if upcoming is True:
        qs = qs.filter(ends_at__gt=now, cancelled=False).order_by("starts_at")
    elif upcoming is False:
        qs = qs.filter(ends_at__lte=now).order_by("-starts_at")
    return qs


def shift_attendances(*, shift: Shift) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(shift=shift, cancelled=False)
        .select_related("person", "shift")
        .prefetch_related("hours_records")
        .order_by("person__username")
    )


def current_record(attendance: Attendance) -> HoursRecord | None:
    """The record in force: the last of the chain of corrections."""
    records = sorted(attendance.hours_records.all(), key=lambda r: r.pk)
    replaced = {r.replaces_id for r in records if r.replaces_id}
    in_force = [r for r in records if r.pk not in replaced]
    return in_force[-1] if in_force else None


def _in_force() -> Q:
    """Hours records not replaced by a correction."""
    return Q(replaced_by__isnull=True)


def to_confirm(*, viewer: AnyUser) -> QuerySet[Attendance]:
    """Attendances of past shifts the viewer manages whose hours are not confirmed yet."""
    led = organizations_led(viewer=viewer).values("pk")
    managed = Q(shift__organization__in=led)
    if has_perm(viewer, Perm.ORGANIZATION_REVIEW):
        managed |= scope_q(viewer, "shift__area_code")
    return (
        Attendance.objects.filter(
            managed, cancelled=False, shift__starts_at__lte=timezone.now(), shift__cancelled=False
        )
        .filter(hours_records__isnull=True)
        .select_related("shift", "person", "shift__organization")
        .order_by("shift__starts_at")
    )


def my_attendances(*, viewer: AnyUser, upcoming: bool) -> QuerySet[Attendance]:
    if not viewer.is_authenticated:
        return Attendance.objects.none()
    now = timezone.now()
    qs = Attendance.objects.filter(person_id=viewer.pk, cancelled=False).select_related(
        "shift", "shift__organization", "shift__facility"
    )
    if upcoming:
        return qs.filter(shift__ends_at__gt=now, shift__cancelled=False).order_by("shift__starts_at")
    return qs.filter(shift__ends_at__lte=now).prefetch_related("hours_records").order_by("-shift__starts_at")


def my_hours(*, viewer: AnyUser) -> Decimal:
    if not viewer.is_authenticated:
        return Decimal(0)
    total = HoursRecord.objects.filter(_in_force(), person_id=viewer.pk).aggregate(h=Sum("hours"))["h"]
    return total or Decimal(0)


def sent_down_visible(*, viewer: AnyUser) -> QuerySet[Shift]:
    return Shift.objects.filter(scope_q(viewer), kind=ShiftKind.SENT_DOWN).annotate(
        taken=Count("attendances", filter=Q(attendances__cancelled=False))
    )


def ratings_visible(*, viewer: AnyUser) -> QuerySet[Rating]:
    return Rating.objects.visible_to(viewer).select_related("organization")


def incubations_visible(*, viewer: AnyUser) -> QuerySet[Incubation]:
    return Incubation.objects.visible_to(viewer).select_related("organization")


# The rubric's figures --------------------------------------------------------------------------------------


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    return start, timezone.make_aware(dt.datetime(year + 1, 1, 1))


def rating_figures(*, org: Organization, year: int) -> dict[str, float]:
    """What the star rating reads for `year`: shifts held (not cancelled, started in the year), distinct
    participants with confirmed hours, confirmed hours (in force), active members now."""
    start, end = _year_bounds(year)
    shifts = Shift.objects.filter(organization=org, cancelled=False, starts_at__gte=start, starts_at__lt=end)
    records = HoursRecord.objects.filter(_in_force(), organization=org, shift__starts_at__gte=start,
                                         shift__starts_at__lt=end)  # fmt: skip
    agg = records.aggregate(hours=Sum("hours"), people=Count("person", distinct=True))
    members = Membership.objects.filter(organization=org, state=MemberState.ACTIVE).count()
    return {
        "shifts_held": shifts.count(),
        "participants": agg["people"] or 0,
        "confirmed_hours": float(agg["hours"] or 0),
        "members": members,
    }


# For the indicators app ----------------------------------------------------------------------------------


def _prefix_of(code: str, level: int) -> str:
    return code[:level]


def organizations_per_area(*, viewer: AnyUser, area: str = "", level: int = 12) -> list[dict[str, Any]]:
    """Filed organisations (approved, i.e. in force) per area and kind: rows of {area_code (the code cut to
    `level` digits: 6 district, 9 town, 12 community), kind, count, rated (with a rating)}."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    qs = Organization.objects.visible_to(viewer).filter(area_code__startswith=area, state=OrgState.APPROVED)
    for code, kind, rated in qs.annotate(n_ratings=Count("ratings")).values_list("area_code", "kind", "n_ratings"):
        key = (_prefix_of(code, level), kind)
        row = rows.setdefault(key, {"area_code": key[0], "kind": kind, "count": 0, "rated": 0})
        row["count"] += 1
        row["rated"] += 1 if rated else 0
    return sorted(rows.values(), key=lambda r: (r["area_code"], r["kind"]))


def ratings_per_area(*, viewer: AnyUser, year: int, area: str = "", level: int = 12) -> list[dict[str, Any]]:
    """Star ratings of `year` per area: {area_code, rated, stars_mean, five_star}."""
    rows: dict[str, dict[str, Any]] = {}
    for code, stars in (
        ratings_visible(viewer=viewer).filter(year=year, area_code__startswith=area).values_list("area_code", "stars")
    ):
        row = rows.setdefault(_prefix_of(code, level), {"area_code": _prefix_of(code, level), "rated": 0, "stars": 0,
                                                        "five_star": 0})  # fmt: skip
        row["rated"] += 1
        row["stars"] += stars
        row["five_star"] += 1 if stars == 5 else 0
    out = []
    for row in rows.values():
        out.append({"area_code": row["area_code"], "rated": row["rated"], "five_star": row["five_star"],
                    "stars_mean": round(row["stars"] / row["rated"], 2)})  # fmt: skip
    return sorted(out, key=lambda r: r["area_code"])


def hours_per_area(
    *, viewer: AnyUser, start: dt.date, end: dt.date, area: str = "", level: int = 12, kind: str | None = None
) -> list[dict[str, Any]]:
    """Confirmed hours (in force) of shifts starting in [start, end) per area and kind: {area_code, kind,
    hours (Decimal), person_times (人次: records), people (distinct persons), residents_served}. For staff sent
    down (kind "sent_down") person_times is 下沉人次."""
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time()))
    hi = timezone.make_aware(dt.datetime.combine(end, dt.time()))
    qs = HoursRecord.objects.filter(
        _in_force(), scope_q(viewer), area_code__startswith=area, shift__starts_at__gte=lo, shift__starts_at__lt=hi
    )
    if kind:
        qs = qs.filter(kind=kind)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    people: dict[tuple[str, str], set[int]] = {}
    for code, k, hours, person, served in qs.values_list("area_code", "kind", "hours", "person_id", "residents_served"):
        key = (_prefix_of(code, level), k)
        row = rows.setdefault(key, {"area_code": key[0], "kind": k, "hours": Decimal(0), "person_times": 0,
                                    "residents_served": 0})  # fmt: skip
        row["hours"] += hours
        row["person_times"] += 1
        row["residents_served"] += served
        people.setdefault(key, set()).add(person)
    for key, row in rows.items():
        row["people"] = len(people[key])
    return sorted(rows.values(), key=lambda r: (r["area_code"], r["kind"]))


def sent_down_per_area(
    *, viewer: AnyUser, start: dt.date, end: dt.date, area: str = "", level: int = 12
) -> list[dict[str, Any]]:
    """下沉人次, hours and residents served per area: `hours_per_area` for staff sent down."""
    return hours_per_area(viewer=viewer, start=start, end=end, area=area, level=level, kind=ShiftKind.SENT_DOWN)
