"""Venue booking API: the venues of a facility with their slots of a day (public), booking once or weekly
(residents and groups), my bookings, cancelling one booking or its whole series, the approval queue
(staff of the area), and adding or changing venues (staff of the area). Mounted under the bookings router
at `venues/`."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from linli.bookings import venue_selectors, venue_services
from linli.bookings.inputs import VenueCreateIn, VenueIn
from linli.bookings.models import Venue, VenueBooking
from linli.core.auth import OPTIONAL_AUTH
from linli.core.errors import ApplicationError
from linli.core.inputs import Body
from linli.facilities.selectors import facility_get, facility_get_public

router = Router(tags=["venue bookings"])


class SlotOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    free: bool


class VenueRulesOut(Schema):
    """A venue and its booking rules (the fields residents and staff both see)."""

    id: int
    facility: str
    name: str
    kind: str
    capacity: int | None
    slot_minutes: int
    min_duration_minutes: int
    max_duration_minutes: int
    max_days_ahead: int
    max_active_bookings_per_person: int | None
    needs_approval: bool


class VenueOut(VenueRulesOut):
    facility_name: str
    day: dt.date
    slots: list[SlotOut]


class VenueManagedOut(VenueRulesOut):
    area_code: str
    active: bool


class BookingOut(Schema):
    id: int
    venue_id: int
    venue: str
    facility: str
    group_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    series_id: uuid.UUID | None
    booker: str | None = Field(None, description="shown to staff")
    created_at: dt.datetime


class BookIn(Body):
    starts_at: dt.datetime
    ends_at: dt.datetime
    group_name: str = ""
    repeat_weeks: int = Field(0, ge=0, description="the same slot on this many following weeks (one series)")


class DecideIn(Body):
    approve: bool
    whole_series: bool = False


class DayQuery(Schema):
    facility: str = Field(description="facility code")
    date: dt.date | None = Field(None, description="default today")


def venue_out(venue: Venue, day: dt.date) -> dict[str, Any]:
    return {
        "id": venue.pk,
        "facility": venue.facility.code,
        "facility_name": venue.facility.name,
        "name": venue.name,
        "kind": venue.kind,
        "capacity": venue.capacity,
        "slot_minutes": venue.slot_minutes,
        "min_duration_minutes": venue.min_duration_minutes,
        "max_duration_minutes": venue.max_duration_minutes,
        "max_days_ahead": venue.max_days_ahead,
        "max_active_bookings_per_person": venue.max_active_bookings_per_person,
        "needs_approval": venue.needs_approval,
        "day": day,
        "slots": [s.__dict__ for s in venue_selectors.venue_slots(venue=venue, day=day)],
    }


def venue_managed_out(venue: Venue) -> dict[str, Any]:
    return {"id": venue.pk, "facility": venue.facility.code, "area_code": venue.area_code} | {
        field: getattr(venue, field) for field in venue_services.VENUE_FIELDS
    }


def booking_out(booking: VenueBooking, *, staff: bool = False) -> dict[str, Any]:
    return {
        "id": booking.pk,
        "venue_id": booking.venue_id,
        "venue": booking.venue.name,
        "facility": booking.venue.facility.code,
        "group_name": booking.group_name,
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "status": booking.status,
        "series_id": booking.series_id,
        "booker": str(booking.booker) if staff else None,
        "created_at": booking.created_at,
    }


@router.get("/", response=list[VenueOut], auth=OPTIONAL_AUTH, summary="Venues of a facility with a day's slots")
def venue_list(request: HttpRequest, query: Query[DayQuery]) -> list[dict[str, Any]]:
    facility = facility_get_public(code=query.facility)
    day = query.date or timezone.localdate()
    return [venue_out(v, day) for v in venue_selectors.venues_of_facility(facility=facility)]


@router.post("/", response={201: VenueManagedOut}, summary="Add a venue to a facility (staff of its area)")
def venue_create(request: HttpRequest, payload: VenueCreateIn) -> Status:
    """Fields not given take their defaults. A bad field is named in the refusal."""
    code = payload.facility.strip()
    if not code:
        raise ApplicationError("invalid", _("Give the facility code."), {"field": "facility"})
    facility = facility_get(viewer=request.user, code=code)
    venue = venue_services.venue_create(actor=request.user, facility=facility, data=payload)
    return Status(201, venue_managed_out(venue))


@router.patch("/{venue_id}", response=VenueManagedOut, summary="Change a venue (staff of its area)")
def venue_update(request: HttpRequest, venue_id: int, payload: VenueIn) -> dict[str, Any]:
    """Only the fields given change; `"active": false` takes the venue out of booking."""
    venue = venue_selectors.venue_get_managed(viewer=request.user, venue_id=venue_id)
    return venue_managed_out(venue_services.venue_update(actor=request.user, venue=venue, data=payload))


@router.get("/{venue_id}", response=VenueOut, auth=OPTIONAL_AUTH, summary="One venue with a day's slots")
def venue_detail(request: HttpRequest, venue_id: int, date: dt.date | None = None) -> dict[str, Any]:
    return venue_out(venue_selectors.venue_get_public(venue_id=venue_id), date or timezone.localdate())


@router.post(
    "/{venue_id}/bookings", response={201: list[BookingOut]}, summary="Book a venue (once, or weekly as a series)"
)
def booking_create(request: HttpRequest, venue_id: int, payload: BookIn) -> Status:
    venue = venue_selectors.venue_get_public(venue_id=venue_id)
    created = venue_services.venue_booking_create(
        actor=request.user,
        venue=venue,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        group_name=payload.group_name,
        repeat_weeks=payload.repeat_weeks,
    )
    return Status(201, [booking_out(b) for b in created])


@router.get("/bookings/mine", response=list[BookingOut], summary="My venue bookings")
def my_bookings(request: HttpRequest) -> list[dict[str, Any]]:
    return [booking_out(b) for b in venue_selectors.venue_bookings_of(viewer=request.user)]


@router.get("/bookings/pending", response=list[BookingOut], summary="Bookings awaiting approval (staff)")
def pending(request: HttpRequest) -> list[dict[str, Any]]:
    return [booking_out(b, staff=True) for b in venue_selectors.venue_bookings_pending(viewer=request.user)[:200]]


@router.post("/bookings/{booking_id}/cancel", response=list[BookingOut], summary="Cancel a booking or its whole series")
def booking_cancel(request: HttpRequest, booking_id: int, whole_series: bool = False) -> list[dict[str, Any]]:
    """`?whole_series=true` cancels every booking of the series not yet begun."""
    booking = venue_selectors.venue_booking_get(viewer=request.user, booking_id=booking_id)
    done = venue_services.venue_booking_cancel(actor=request.user, booking=booking, whole_series=whole_series)
    return [booking_out(b) for b in done]


@router.post(
    "/bookings/{booking_id}/decide", response=list[BookingOut], summary="Approve or reject a pending booking (staff)"
)
def booking_decide(request: HttpRequest, booking_id: int, payload: DecideIn) -> list[dict[str, Any]]:
    booking = venue_selectors.venue_booking_get(viewer=request.user, booking_id=booking_id)
    done = venue_services.venue_booking_decide(
        actor=request.user, booking=booking, approve=payload.approve, whole_series=payload.whole_series
    )
    return [booking_out(b, staff=True) for b in done]
