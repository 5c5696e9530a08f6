"""Reads of venue booking: the bookable venues of a facility with their slots of a day, a resident's own
bookings, and for staff the venues and the approval queue of their scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.bookings.models import VENUE_ACTIVE, Venue, VenueBooking, VenueBookingStatus
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, can, require
from linli.facilities.enums import ConstructionStatus
from linli.facilities.hours import OpeningHours
from linli.facilities.models import Facility

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


@dataclass(frozen=True)
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    free: bool


def venues_of_facility(*, facility: Facility) -> QuerySet[Venue]:
    """The bookable venues of a (public) facility."""
    return Venue.objects.filter(facility=facility, active=True).select_related("facility").order_by("name", "id")


def venue_get_public(*, venue_id: int) -> Venue:
    venue = (
        Venue.objects.filter(pk=venue_id, active=True, facility__status=ConstructionStatus.BUILT)
        .select_related("facility")
        .first()
    )
    if venue is None:
        raise ApplicationError("not_found", _("No such venue."), {"field": "venue"}, status=404)
    return venue


def venue_slots(*, venue: Venue, day: dt.date, now: dt.datetime | None = None) -> list[Slot]:
    """Every slot of `venue` inside the facility's opening spans on `day`; free when it has not begun and
    no pending or approved booking covers it."""
    moment = now or timezone.now()
    tz = timezone.get_current_timezone()
    spans = OpeningHours.for_facilities([venue.facility_id], day, day).spans(venue.facility_id, day)
    if not spans:
        return []
    first = timezone.make_aware(dt.datetime.combine(day, dt.time.min), tz)
    taken = list(
        VenueBooking.objects.filter(
            venue=venue, status__in=VENUE_ACTIVE, starts_at__lt=first + dt.timedelta(days=1), ends_at__gt=first
        ).values_list("starts_at", "ends_at")
    )
    step = dt.timedelta(minutes=venue.slot_minutes)
    slots = []
    for opens, closes in spans:
        start = timezone.make_aware(dt.datetime.combine(day, opens), tz)
        close = timezone.make_aware(dt.datetime.combine(day, closes), tz)
        minutes = opens.hour * 60 + opens.minute
        if minutes % venue.slot_minutes:  # first boundary at or after opening
            start += dt.timedelta(minutes=venue.slot_minutes - minutes % venue.slot_minutes)
        while start + step <= close:
            end = start + step
            busy = any(a < end and b > start for a, b in taken)
            slots.append(Slot(start, end, not busy and start > moment))
            start = end
    return slots


def venue_bookings_of(*, viewer: AnyUser) -> QuerySet[VenueBooking]:
    """The viewer's own venue bookings, the next first."""
    if not viewer.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)
    return (
        VenueBooking.objects.filter(booker_id=viewer.pk)
        .select_related("venue", "venue__facility")
        .order_by("starts_at", "id")
    )


def venue_booking_get(*, viewer: AnyUser, booking_id: int) -> VenueBooking:
    """A booking the viewer may see: their own, or one in their scope (staff); 404 otherwise."""
    if not viewer.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)
    qs = VenueBooking.objects.select_related("venue", "venue__facility", "booker")
    booking = qs.filter(Q(booker_id=viewer.pk), pk=booking_id).first()
    if booking is None and can(viewer, Perm.AREA_VIEW):
        booking = qs.visible_to(viewer).filter(pk=booking_id).first()
    if booking is None:
        raise ApplicationError("not_found", _("No such booking."), {"id": booking_id}, status=404)
    return booking


def venues_managed(*, viewer: AnyUser, facility: Facility | None = None) -> QuerySet[Venue]:
    """Every venue (bookable or not) of the staff member's scope, optionally of one facility."""
    require(viewer, Perm.AREA_VIEW)
    qs = Venue.objects.visible_to(viewer).select_related("facility")
    if facility is not None:
        qs = qs.filter(facility=facility)
    return qs.order_by("facility__code", "name", "id")


def venue_get_managed(*, viewer: AnyUser, venue_id: int) -> Venue:
    """A venue of the staff member's scope; 404 outside it."""
    venue = venues_managed(viewer=viewer).filter(pk=venue_id).first()
    if venue is None:
        raise ApplicationError("not_found", _("No such venue."), {"field": "venue"}, status=404)
    return venue


def venue_bookings_pending(*, viewer: AnyUser) -> QuerySet[VenueBooking]:
    """The approval queue: pending bookings not yet begun in the staff member's scope, soonest first."""
    require(viewer, Perm.FACILITY_CHANGE)
    return (
        VenueBooking.objects.visible_to(viewer)
        .filter(status=VenueBookingStatus.PENDING, starts_at__gt=timezone.now())
        .select_related("venue", "venue__facility", "booker")
        .order_by("starts_at", "id")
    )
