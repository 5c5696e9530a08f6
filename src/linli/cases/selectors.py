"""Reads of requests and consultations, always through the scope filter: staff see the requests of their
scope (the request's area code starts with their prefix), residents only their own; a staff member's queue
holds the open requests handled at their level, sorted by working time left (overdue first)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases.enums import RequestState
from linli.cases.models import OPEN_STATES, Consultation, RequestEvent, RequestType, ServiceRequest
from linli.cases.services import HANDLE, staff_level
from linli.cases.workdays import WorkCalendar, working_time_between
from linli.core.enums import Role
from linli.core.errors import ApplicationError
from linli.core.models import User
from linli.core.permissions import has_perm, require
from linli.core.selectors import people_in_scope

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


def request_types(*, active_only: bool = True) -> QuerySet[RequestType]:
    qs = RequestType.objects.all()
    return qs.filter(active=True) if active_only else qs


def request_type_get(*, code: str) -> RequestType:
    found = RequestType.objects.filter(code=code).first()
    if found is None:
        raise ApplicationError(
            "not_found", _("No such request type."), {"field": "request_type", "code": code}, status=404
        )
    return found


def requests_visible(*, viewer: AnyUser) -> QuerySet[ServiceRequest]:
    """Staff: every request of their scope; anyone else: the requests made for them."""
    qs = ServiceRequest.objects.select_related("request_type", "resident", "filed_by", "handler")
    if not viewer.is_authenticated:
        return qs.none()
    if has_perm(viewer, HANDLE):
        return qs.visible_to(viewer)
    return qs.filter(resident=viewer)


@dataclass(frozen=True)
class PublicRequest:
    """What Open311 publishes to anyone of a request of a publicly listed type (`RequestType.public_listing`:
    a matter of a public place): its type, state, department, its dates to the day and its place rounded to
    0.01 degree (about 1 km). Never the description, the address, a person, the hour, nor any request of a
    personal kind (低保, disability, relief, birth ...). PIPL: the minimum necessary."""

    id: int
    is_open: bool
    state_label: str
    type_code: str
    type_name: str
    department: str
    submitted_at: dt.datetime
    updated_at: dt.datetime
    deadline_at: dt.datetime | None
    lat: float | None
    lon: float | None


PUBLIC_PLACE_DECIMALS = 2  # about 1 km


def _day(moment: dt.datetime) -> dt.datetime:
    """`moment` to the day (local midnight): the hour of a filing can tell who filed it."""
    return timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def _public_request(request: ServiceRequest) -> PublicRequest:
    return PublicRequest(
        id=request.pk,
        is_open=request.is_open,
        state_label=str(request.get_state_display()),
        type_code=request.request_type.code,
        type_name=request.request_type.name,
        department=request.department,
        submitted_at=_day(request.submitted_at),
        updated_at=_day(request.updated_at),
        # The deadline is the filing moment plus working days: to the day too, or it gives the hour away.
        deadline_at=_day(request.deadline_at) if request.is_open else None,
        lat=round(request.lat, PUBLIC_PLACE_DECIMALS) if request.lat is not None else None,
        lon=round(request.lon, PUBLIC_PLACE_DECIMALS) if request.lon is not None else None,
    )


def _public_requests() -> QuerySet[ServiceRequest]:
    """Requests of publicly listed types only. Only the public columns are loaded, so nothing personal
    can reach a public page by mistake."""
    listed = ServiceRequest.objects.filter(request_type__public_listing=True)
    return listed.select_related("request_type").only(
        "request_type",
        "state",
        "department",
        "submitted_at",
        "updated_at",
        "deadline_at",
        "lat",
        "lon",
        "request_type__code",
        "request_type__name",
    )


def requests_public(
    *, service_code: str | None = None, status: str | None = None, limit: int = 1000
) -> list[PublicRequest]:
    """Open311's public list: requests of publicly listed types in every area, newest first, as
    `PublicRequest` (the GeoReport standard lets anyone read what was reported about a public place and how
    it stands; requests of a personal kind are never listed, not even by id). `status` is Open311's
    "open" or "closed" (anything else matches nothing)."""
    qs = _public_requests().order_by("-submitted_at", "-id")
    if service_code:
        qs = qs.filter(request_type__code=service_code)
    if status == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif status == "closed":
        qs = qs.exclude(state__in=OPEN_STATES)
    elif status:
        qs = qs.none()
    return [_public_request(r) for r in qs[:limit]]


def request_get_public(*, pk: int) -> PublicRequest:
    found = _public_requests().filter(pk=pk).first()
    if found is None:
        raise ApplicationError("not_found", _("No such request."), {"id": pk}, status=404)
    return _public_request(found)


def request_get(*, viewer: AnyUser, pk: int) -> ServiceRequest:
    found = requests_visible(viewer=viewer).filter(pk=pk).first()
    if found is None:
        raise ApplicationError("not_found", _("No such request."), {"id": pk}, status=404)
    return found


def request_events(*, request: ServiceRequest) -> QuerySet[RequestEvent]:
    return request.events.select_related("actor")


@dataclass(frozen=True)
class Clock:
    """Where a request stands against its deadline at a moment: the working time left (negative when
    overdue), frozen while the request waits for the resident."""

    left: dt.timedelta
    paused: bool
    running: bool
    provisional: bool = False  # the deadline lies in a year counted on the statutory holidays only

    @property
    def overdue(self) -> bool:
        return self.running and self.left < dt.timedelta(0)

    @property
    def text(self) -> str:
        if not self.running and not self.paused:
            return ""
        amount = abs(self.left)
        if amount >= dt.timedelta(days=1):
            span = _("%(n).1f working days") % {"n": amount / dt.timedelta(days=1)}
        else:
            span = _("%(n).1f working hours") % {"n": amount / dt.timedelta(hours=1)}
        if self.left < dt.timedelta(0):
            return _("overdue by %(span)s") % {"span": span}
        if self.paused:
            return _("%(span)s left (paused: waiting for the resident)") % {"span": span}
        return _("%(span)s left") % {"span": span}


def request_clock(request: ServiceRequest, now: dt.datetime, calendar: WorkCalendar | None = None) -> Clock:
    paused = request.state == RequestState.WAITING and request.paused_at is not None
    running = request.state in OPEN_STATES and not paused
    if not (paused or running):
        return Clock(dt.timedelta(0), False, False)
    calendar = calendar or WorkCalendar()
    since = request.paused_at if paused and request.paused_at is not None else now
    left = working_time_between(since, request.deadline_at, calendar)
    return Clock(left, paused, running, calendar.is_provisional(request.deadline_at))


@dataclass(frozen=True)
class QueueRow:
    request: ServiceRequest
    clock: Clock


def request_queue(*, viewer: AnyUser, now: dt.datetime | None = None, all_levels: bool = False) -> list[QueueRow]:
    """The open requests a staff member works on: of their scope and handled at their level (or every
    level with `all_levels`), overdue first, then by working time left; requests waiting for the resident
    (clock paused) last."""
    require(viewer, HANDLE)
    now = now or timezone.now()
    qs = requests_visible(viewer=viewer).filter(state__in=OPEN_STATES)
    level = staff_level(viewer)
    if not all_levels and level is not None and not viewer.is_superuser:
        qs = qs.filter(level=level)
    calendar = WorkCalendar()
    rows = [QueueRow(r, request_clock(r, now, calendar)) for r in qs]
    rows.sort(key=lambda row: (row.clock.paused, row.clock.left, row.request.pk))
    return rows


def residents_for_filing(*, viewer: AnyUser) -> QuerySet[User]:
    """The residents a staff member may file a request for (代办): people living in their scope."""
    require(viewer, HANDLE)
    return people_in_scope(viewer=viewer).filter(role=Role.RESIDENT)


def handlers_for(*, request: ServiceRequest) -> list[User]:
    """Staff who may take over `request`: in its scope and at its level or above."""
    from linli.cases.services import may_handle

    staff = User.objects.filter(role__in=[Role.COMMUNITY_STAFF, Role.TOWN_STAFF, Role.DISTRICT_ADMIN], is_active=True)
    return [u for u in staff.order_by("username") if may_handle(u, request)]


def consultations_visible(*, viewer: AnyUser) -> QuerySet[Consultation]:
    qs = Consultation.objects.select_related("asker", "answered_by", "request_type")
    if not viewer.is_authenticated:
        return qs.none()
    if has_perm(viewer, HANDLE):
        return qs.visible_to(viewer)
    return qs.filter(asker=viewer)


def consultation_get(*, viewer: AnyUser, pk: int) -> Consultation:
    found = consultations_visible(viewer=viewer).filter(pk=pk).first()
    if found is None:
        raise ApplicationError("not_found", _("No such question."), {"id": pk}, status=404)
    return found


def faq_public() -> QuerySet[Consultation]:
    """The published answers: anyone may read them."""
    return Consultation.objects.filter(is_faq=True).select_related("request_type").order_by("-answered_at", "-id")


# Workbench (工作台) -----------------------------------------------------------------------------------


def requests_open_of(*, viewer: AnyUser) -> QuerySet[ServiceRequest]:
    """The open requests filed for the viewer (as a resident), the nearest deadline first."""
    if not viewer.is_authenticated:
        return ServiceRequest.objects.none()
    return (
        ServiceRequest.objects.filter(resident_id=viewer.pk, state__in=OPEN_STATES)
        .select_related("request_type")
        .order_by("deadline_at", "id")
    )


def _running() -> Q:
    """Open requests whose clock runs (not paused while waiting for the resident)."""
    return Q(state__in=OPEN_STATES) & ~Q(state=RequestState.WAITING, paused_at__isnull=False)


@dataclass(frozen=True)
class DueCounts:
    """Open requests of a staff member's scope against their deadlines at a moment."""

    open: int
    overdue: int
    due_soon: int  # running and due within the `soon` window, not yet overdue
    escalated: int  # open and escalated at least once (overdue at a lower level)
    waiting: int  # paused: waiting for the resident


def request_due_counts(*, viewer: AnyUser, now: dt.datetime, soon: dt.timedelta) -> DueCounts:
    require(viewer, HANDLE)
    qs = requests_visible(viewer=viewer).filter(state__in=OPEN_STATES)
    running = _running()
    counts = qs.aggregate(
        open=Count("id"),
        overdue=Count("id", filter=running & Q(deadline_at__lt=now)),
        due_soon=Count("id", filter=running & Q(deadline_at__gte=now, deadline_at__lt=now + soon)),
        escalated=Count("id", filter=Q(escalations__gt=0)),
        waiting=Count("id", filter=~running),
    )
    return DueCounts(**counts)


def requests_most_urgent(*, viewer: AnyUser, now: dt.datetime, limit: int) -> list[QueueRow]:
    """The `limit` running open requests of the scope with the nearest (or longest passed) deadline, with
    their clocks."""
    require(viewer, HANDLE)
    qs = requests_visible(viewer=viewer).filter(_running()).order_by("deadline_at", "id")[:limit]
    calendar = WorkCalendar()
    return [QueueRow(r, request_clock(r, now, calendar)) for r in qs]
