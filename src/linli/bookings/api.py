"""Bookings API: upcoming sessions (public), registering and cancelling (residents), my registrations with
their check-in codes, check-in and rosters (staff of the area), publishing activities and changing
sessions (staff)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from linli.bookings import activities, codes, registrations, selectors
from linli.bookings import checkin as checkins
from linli.bookings.inputs import ActivityIn, SessionChangeIn
from linli.bookings.models import Registration, Session
from linli.bookings.venue_api import router as venue_router
from linli.core.auth import OPTIONAL_AUTH
from linli.core.errors import ApplicationError
from linli.core.inputs import Body
from linli.facilities.selectors import facility_get

router = Router(tags=["activities and bookings"])


class SessionOut(Schema):
    id: int
    activity_id: int
    title: str
    description: str
    domain: str
    facility: str
    facility_name: str
    area_code: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    opens_at: dt.datetime
    closes_at: dt.datetime
    capacity: int
    seats_left: int
    waitlist_capacity: int
    waitlisted: int
    min_age: int | None
    max_age: int | None
    max_group_size: int


class RegistrationOut(Schema):
    id: int
    session: SessionOut
    persons: int
    status: str
    waiting_position: int | None
    code: str | None = Field(None, description="check-in code (confirmed registrations, shown to the resident)")
    short_code: str | None = None
    created_at: dt.datetime
    checked_in_at: dt.datetime | None


class RosterOut(Schema):
    id: int
    resident: str
    persons: int
    status: str
    created_at: dt.datetime
    checked_in_at: dt.datetime | None


class RegisterIn(Body):
    persons: int = Field(1, ge=1)


class CheckinIn(Body):
    code: str
    facility: str | None = Field(None, description="facility code (kiosk)")
    session: int | None = None


class SessionFilters(Schema):
    area: str | None = Field(None, description="area-code prefix; default: near the resident's home")
    domain: str | None = None
    facility: str | None = None


class NotificationOut(Schema):
    id: int
    text: str
    created_at: dt.datetime
    read: bool


def session_out(session: Session) -> dict[str, Any]:
    activity = session.activity
    return {
        "id": session.pk,
        "activity_id": activity.pk,
        "title": activity.title,
        "description": activity.description,
        "domain": activity.domain,
        "facility": activity.facility.code,
        "facility_name": activity.facility.name,
        "area_code": session.area_code,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "opens_at": session.opens_at,
        "closes_at": session.closes_at,
        "capacity": session.capacity,
        "seats_left": session.seats_left,
        "waitlist_capacity": session.waitlist_capacity,
        "waitlisted": session.waitlisted,
        "min_age": session.min_age,
        "max_age": session.max_age,
        "max_group_size": session.max_group_size,
    }


def registration_out(registration: Registration, *, with_code: bool) -> dict[str, Any]:
    shown = with_code and bool(registration.code_nonce)
    return {
        "id": registration.pk,
        "session": session_out(registration.session),
        "persons": registration.persons,
        "status": registration.status,
        "waiting_position": selectors.waiting_position(registration),
        "code": codes.full_code(registration.code_nonce) if shown else None,
        "short_code": codes.short_code(registration.code_nonce) if shown else None,
        "created_at": registration.created_at,
        "checked_in_at": registration.checked_in_at,
    }


@router.get("/sessions/", response=list[SessionOut], auth=OPTIONAL_AUTH, summary="Upcoming sessions")
@paginate
def session_list(request: HttpRequest, filters: Query[SessionFilters]) -> list[dict[str, Any]]:
    area = filters.area if filters.area is not None else selectors.near_prefix(request.user)
    qs = selectors.sessions_upcoming(area=area, domain=filters.domain, facility=filters.facility)
    return _Rows(qs, session_out)  # type: ignore[return-value]


class _Rows:
    """Lets the paginator slice the queryset, then turns only that page into rows."""

    def __init__(self, qs: Any, row: Any) -> None:
        self.qs, self.row = qs, row

    def __len__(self) -> int:
        return int(self.qs.count())

    def count(self) -> int:
        return int(self.qs.count())

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [self.row(x) for x in self.qs[item]]


@router.get("/sessions/{session_id}", response=SessionOut, auth=OPTIONAL_AUTH, summary="One session")
def session_detail(request: HttpRequest, session_id: int) -> dict[str, Any]:
    return session_out(selectors.session_get_public(session_id=session_id))


@router.post(
    "/sessions/{session_id}/registrations",
    response={201: RegistrationOut},
    summary="Register (confirmed, or on the waiting list when full)",
)
def registration_create(request: HttpRequest, session_id: int, payload: RegisterIn | None = None) -> Status:
    registration = registrations.registration_create(
        actor=request.user, session_id=session_id, persons=payload.persons if payload else 1
    )
    return Status(201, registration_out(registration, with_code=True))


@router.patch("/sessions/{session_id}", response=SessionOut, summary="Change capacities or registration window")
def session_update(request: HttpRequest, session_id: int, payload: SessionChangeIn) -> dict[str, Any]:
    session = selectors.session_get_managed(viewer=request.user, session_id=session_id)
    activities.session_update(actor=request.user, session=session, data=payload)
    return session_out(selectors.session_get_managed(viewer=request.user, session_id=session_id))


@router.get("/sessions/{session_id}/roster", response=list[RosterOut], summary="Registrations of a session (staff)")
def session_roster(request: HttpRequest, session_id: int) -> list[dict[str, Any]]:
    session = selectors.session_get_managed(viewer=request.user, session_id=session_id)
    return [
        {
            "id": r.pk,
            "resident": str(r.resident),
            "persons": r.persons,
            "status": r.status,
            "created_at": r.created_at,
            "checked_in_at": r.checked_in_at,
        }
        for r in selectors.roster(viewer=request.user, session=session, request=request)
    ]


@router.post("/activities/", response={201: list[SessionOut]}, summary="Publish an activity (one session or a series)")
def activity_create(request: HttpRequest, payload: ActivityIn) -> Status:
    facility_code = payload.facility.strip()
    if not facility_code:
        raise ApplicationError("invalid", _("Give the facility code."), {"field": "facility"})
    facility = facility_get(viewer=request.user, code=facility_code)
    activity = activities.activity_create(actor=request.user, facility=facility, data=payload)
    return Status(201, [session_out(s) for s in activity.sessions.select_related("activity__facility")])


@router.get("/registrations/mine", response=list[RegistrationOut], summary="My registrations, with check-in codes")
def my_registrations(request: HttpRequest) -> list[dict[str, Any]]:
    return [registration_out(r, with_code=True) for r in selectors.registrations_of(viewer=request.user)]


@router.get("/registrations/{registration_id}", response=RegistrationOut, summary="One registration")
def registration_detail(request: HttpRequest, registration_id: int) -> dict[str, Any]:
    registration = selectors.registration_get(viewer=request.user, registration_id=registration_id)
    return registration_out(registration, with_code=registration.resident_id == request.user.pk)


@router.post("/registrations/{registration_id}/cancel", response=RegistrationOut, summary="Cancel a registration")
def registration_cancel(request: HttpRequest, registration_id: int) -> dict[str, Any]:
    registration = registrations.registration_cancel(actor=request.user, registration_id=registration_id)
    return registration_out(registration, with_code=False)


@router.post("/checkin", response=RosterOut, summary="Check a resident in with their code (staff)")
def checkin(request: HttpRequest, payload: CheckinIn) -> dict[str, Any]:
    facility = facility_get(viewer=request.user, code=payload.facility) if payload.facility else None
    session = (
        selectors.session_get_managed(viewer=request.user, session_id=payload.session) if payload.session else None
    )
    r = checkins.checkin_record(actor=request.user, code=payload.code, facility=facility, session=session)
    return {
        "id": r.pk,
        "resident": str(r.resident),
        "persons": r.persons,
        "status": r.status,
        "created_at": r.created_at,
        "checked_in_at": r.checked_in_at,
    }


@router.get("/notifications", response=list[NotificationOut], summary="My notifications")
def notifications(request: HttpRequest) -> Any:
    return selectors.notifications_of(viewer=request.user)[:50]


# Venue booking (rooms, courts, fields): its own router, under /api/bookings/venues/.
router.add_router("/venues/", venue_router)
