"""Venue booking: rooms, courts and fields of a facility booked by the slot, once or weekly as a series.

Rules, all checked here before anything is written: a booking starts and ends on the venue's slot
boundaries, lasts from its shortest to its longest duration, starts in the future and at most
`max_days_ahead` days ahead, lies inside one opening span of the facility on that day (never past closing,
never across midnight), keeps the booker within the venue's limit of upcoming bookings, and overlaps no
pending or approved booking of the venue. A weekly series is all-or-nothing.

No overlap, twice over: the services take a row lock on the venue (`SELECT … FOR UPDATE` on PostgreSQL;
on SQLite the project's `BEGIN IMMEDIATE` transactions serialise writers) and then check; on PostgreSQL
the exclusion constraint `venue_booking_no_overlap` refuses an overlapping row even if a code path skipped
the check, and its `IntegrityError` becomes the same refusal as the check's.

The services: `venue_create`, `venue_update` (staff), `venue_booking_create`, `venue_booking_cancel`,
`venue_booking_decide`; the reads are in `linli.bookings.venue_selectors`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.bookings.inputs import VenueIn
from linli.bookings.models import VENUE_ACTIVE, Notification, Venue, VenueBooking, VenueBookingStatus, VenueKind
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError, RowErrors
from linli.core.parsing import choice
from linli.core.permissions import Perm, require
from linli.core.services import audit_record
from linli.facilities.enums import ConstructionStatus
from linli.facilities.hours import OpeningHours, hours_text
from linli.facilities.models import Facility

if TYPE_CHECKING:
    from linli.core.models import User
    from linli.core.permissions import AnyUser

MAX_REPEAT_WEEKS = 52
NO_OVERLAP_CONSTRAINT = "venue_booking_no_overlap"


def _fmt(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _span_text(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    return f"{_fmt(starts_at)}–{timezone.localtime(ends_at):%H:%M}"


def _check_opening(venue: Venue, starts_at: dt.datetime, ends_at: dt.datetime, hours: OpeningHours) -> None:
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    day = start.date()
    spans = hours.spans(venue.facility_id, day)
    if not spans:
        raise ApplicationError(
            "closed",
            _("%(facility)s is closed on %(day)s.") % {"facility": venue.facility.name, "day": day.isoformat()},
            {"field": "starts_at"},
        )
    around = next((s for s in spans if s[0] <= start.time() < s[1]), None)
    if around is None:
        raise ApplicationError(
            "closed",
            _("%(facility)s is not open at %(time)s on %(day)s; it is open %(hours)s.")
            % {
                "facility": venue.facility.name,
                "time": f"{start:%H:%M}",
                "day": day.isoformat(),
                "hours": hours_text(spans),
            },
            {"field": "starts_at"},
        )
    if end.date() != day:
        raise ApplicationError(
            "across_midnight",
            _("A booking cannot run across midnight: %(facility)s closes at %(time)s on %(day)s.")
            % {"facility": venue.facility.name, "time": f"{around[1]:%H:%M}", "day": day.isoformat()},
            {"field": "ends_at"},
        )
    if end.time() > around[1]:
        raise ApplicationError(
            "past_closing",
            _("The booking would run past closing: %(facility)s closes at %(time)s on %(day)s.")
            % {"facility": venue.facility.name, "time": f"{around[1]:%H:%M}", "day": day.isoformat()},
            {"field": "ends_at"},
        )


# Checks ----------------------------------------------------------------------------------------------


def _aware(moment: dt.datetime, field: str) -> dt.datetime:
    if not isinstance(moment, dt.datetime):
        raise ApplicationError(
            "invalid", _("Give a date and time (YYYY-MM-DDTHH:MM)."), {"field": field, "value": str(moment)[:40]}
        )
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _on_boundary(moment: dt.datetime, slot_minutes: int) -> bool:
    local = timezone.localtime(moment)
    minutes = local.hour * 60 + local.minute
    return local.second == 0 and local.microsecond == 0 and minutes % slot_minutes == 0


def _check_shape(venue: Venue, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    """Slots and duration (the same for every week of a series)."""
    if ends_at <= starts_at:
        raise ApplicationError("invalid", _("The booking must end after it starts."), {"field": "ends_at"})
    for field, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not _on_boundary(moment, venue.slot_minutes):
            raise ApplicationError(
                "not_on_slot",
                _("Bookings of %(venue)s start and end on %(n)d-minute slots (for example 09:00, 09:%(n)02d).")
                % {"venue": venue.name, "n": venue.slot_minutes}
                if venue.slot_minutes < 60
                else _("Bookings of %(venue)s start and end on %(n)d-minute slots.")
                % {"venue": venue.name, "n": venue.slot_minutes},
                {"field": field, "value": f"{timezone.localtime(moment):%H:%M}"},
            )
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    if minutes < venue.min_duration_minutes:
        raise ApplicationError(
            "too_short",
            _("A booking of %(venue)s lasts at least %(n)d minutes.")
            % {"venue": venue.name, "n": venue.min_duration_minutes},
            {"field": "ends_at", "minutes": minutes},
        )
    if minutes > venue.max_duration_minutes:
        raise ApplicationError(
            "too_long",
            _("A booking of %(venue)s lasts at most %(n)d minutes.")
            % {"venue": venue.name, "n": venue.max_duration_minutes},
            {"field": "ends_at", "minutes": minutes},
        )


def _check_when(venue: Venue, starts_at: dt.datetime, now: dt.datetime) -> None:
    if starts_at <= now:
        raise ApplicationError(
            "in_past", _("%(at)s has already begun.") % {"at": _fmt(starts_at)}, {"field": "starts_at"}
        )
    last_day = timezone.localdate(now) + dt.timedelta(days=venue.max_days_ahead)
    if timezone.localdate(starts_at) > last_day:
        raise ApplicationError(
            "too_far_ahead",
            _("%(venue)s can be booked at most %(n)d days ahead (until %(day)s); %(at)s is later.")
            % {"venue": venue.name, "n": venue.max_days_ahead, "day": last_day.isoformat(), "at": _fmt(starts_at)},
            {"field": "starts_at"},
        )


def _overlap_refusal(conflict: VenueBooking | None = None) -> ApplicationError:
    if conflict is None:
        return ApplicationError(
            "overlap", _("The venue is already booked at that time."), {"field": "starts_at"}, status=409
        )
    return ApplicationError(
        "overlap",
        _("The venue is already booked from %(span)s.") % {"span": _span_text(conflict.starts_at, conflict.ends_at)},
        {"field": "starts_at", "conflict": conflict.pk},
        status=409,
    )


def _conflict(venue: Venue, starts_at: dt.datetime, ends_at: dt.datetime) -> VenueBooking | None:
    return (
        VenueBooking.objects.filter(venue=venue, status__in=VENUE_ACTIVE, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .order_by("starts_at")
        .first()
    )


def _weekly(starts_at: dt.datetime, ends_at: dt.datetime, weeks: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """The same local wall-clock slot on `weeks` + 1 consecutive weeks."""
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    tz = start.tzinfo
    out = []
    for n in range(weeks + 1):
        shift = dt.timedelta(weeks=n)
        out.append(
            (
                timezone.make_aware(start.replace(tzinfo=None) + shift, tz),
                timezone.make_aware(end.replace(tzinfo=None) + shift, tz),
            )
        )
    return out


# Services --------------------------------------------------------------------------------------------


def _lock_venue(venue_id: int) -> Venue:
    venue = Venue.objects.select_for_update().filter(pk=venue_id).first()
    if venue is None:
        raise ApplicationError("not_found", _("No such venue."), {"field": "venue"}, status=404)
    return venue


@transaction.atomic
def venue_booking_create(
    *,
    actor: AnyUser,
    venue: Venue,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    group_name: str = "",
    repeat_weeks: int = 0,
) -> list[VenueBooking]:
    """Book `venue` from `starts_at` to `ends_at` for `actor` (on behalf of `group_name`), and when
    `repeat_weeks` > 0 the same slot on that many following weeks as one series: every booking is
    written, or none. Pending when the venue needs staff approval, approved otherwise."""
    if not actor.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)
    if not 0 <= repeat_weeks <= MAX_REPEAT_WEEKS:
        raise ApplicationError(
            "invalid",
            _("A series repeats on 0 to %(n)d further weeks.") % {"n": MAX_REPEAT_WEEKS},
            {"field": "repeat_weeks", "value": repeat_weeks},
        )
    group = (group_name or "").strip()
    if len(group) > 100:
        raise ApplicationError("invalid", _("The group name is at most 100 characters."), {"field": "group_name"})
    starts_at, ends_at = _aware(starts_at, "starts_at"), _aware(ends_at, "ends_at")
    try:
        with transaction.atomic():
            return _create(actor, venue.pk, starts_at, ends_at, group, repeat_weeks)
    except IntegrityError as exc:  # the database's guarantee, should a concurrent writer slip past the check
        if NO_OVERLAP_CONSTRAINT in str(exc):
            raise _overlap_refusal() from exc
        raise ApplicationError("invalid", _("The booking was refused."), {"field": "starts_at"}) from exc


def _create(
    actor: User, venue_id: int, starts_at: dt.datetime, ends_at: dt.datetime, group: str, repeat_weeks: int
) -> list[VenueBooking]:
    venue = _lock_venue(venue_id)
    if not venue.active or venue.facility.status != ConstructionStatus.BUILT:
        raise ApplicationError("not_bookable", _("This venue cannot be booked."), {"field": "venue"}, status=409)
    now = timezone.now()
    _check_shape(venue, starts_at, ends_at)
    occurrences = _weekly(starts_at, ends_at, repeat_weeks)
    days = [timezone.localdate(start) for start, _end in occurrences]
    hours = OpeningHours.for_facilities([venue.facility_id], min(days), max(days))
    for start, end in occurrences:
        _check_when(venue, start, now)
        _check_opening(venue, start, end, hours)
    limit = venue.max_active_bookings_per_person
    if limit is not None:
        held = VenueBooking.objects.filter(
            venue=venue, booker_id=actor.pk, status__in=VENUE_ACTIVE, ends_at__gt=now
        ).count()
        if held + len(occurrences) > limit:
            raise ApplicationError(
                "limit_reached",
                _("You may hold at most %(n)d upcoming bookings of %(venue)s; you hold %(held)d.")
                % {"n": limit, "venue": venue.name, "held": held},
                {"field": "repeat_weeks" if repeat_weeks else "venue", "limit": limit, "held": held},
                status=409,
            )
    for start, end in occurrences:
        conflict = _conflict(venue, start, end)
        if conflict is not None:
            raise _overlap_refusal(conflict)
    status = VenueBookingStatus.PENDING if venue.needs_approval else VenueBookingStatus.APPROVED
    series = uuid.uuid4() if repeat_weeks else None
    bookings = [
        VenueBooking(
            venue=venue,
            area_code=venue.area_code,
            booker=actor,
            group_name=group,
            starts_at=start,
            ends_at=end,
            status=status,
            series_id=series,
        )
        for start, end in occurrences
    ]
    for booking in bookings:  # one by one: each row gets its id on every database
        booking.save()
    return bookings


def _series_rows(booking: VenueBooking, whole_series: bool) -> QuerySet[VenueBooking]:
    if whole_series and booking.series_id is not None:
        return VenueBooking.objects.filter(series_id=booking.series_id, venue_id=booking.venue_id)
    return VenueBooking.objects.filter(pk=booking.pk)


@transaction.atomic
def venue_booking_cancel(*, actor: AnyUser, booking: VenueBooking, whole_series: bool = False) -> list[VenueBooking]:
    """Cancel a booking (the booker, or staff of the venue's area) before it starts; with `whole_series`
    every booking of its series not yet started and still held. Returns the cancelled bookings."""
    is_owner = actor.is_authenticated and booking.booker_id == actor.pk
    if not is_owner:
        require(actor, Perm.FACILITY_CHANGE, booking.area_code)
    _lock_venue(booking.venue_id)
    now = timezone.now()
    current = VenueBooking.objects.get(pk=booking.pk)
    if not whole_series or current.series_id is None:
        if current.status not in VENUE_ACTIVE:
            raise ApplicationError(
                "not_cancellable",
                _("This booking cannot be cancelled: it is %(status)s.") % {"status": current.get_status_display()},
                {"field": "status"},
                status=409,
            )
        if current.starts_at <= now:
            raise ApplicationError("started", _("The booking has already begun."), {"field": "booking"}, status=409)
    rows = list(_series_rows(current, whole_series).filter(status__in=VENUE_ACTIVE, starts_at__gt=now))
    if not rows:
        raise ApplicationError(
            "not_cancellable", _("No booking of this series is left to cancel."), {"field": "series"}, status=409
        )
    VenueBooking.objects.filter(pk__in=[r.pk for r in rows]).update(
        status=VenueBookingStatus.CANCELLED, cancelled_at=now, updated_at=now
    )
    if not is_owner:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            on=current,
            detail={"cancelled": len(rows), "series": str(current.series_id or "")},
        )
        Notification.objects.create(
            user_id=current.booker_id,
            text=_("Your booking of %(venue)s on %(span)s was cancelled by the centre.")
            % {"venue": current.venue.name, "span": _span_text(current.starts_at, current.ends_at)},
        )
    return list(VenueBooking.objects.filter(pk__in=[r.pk for r in rows]).order_by("starts_at"))


@transaction.atomic
def venue_booking_decide(
    *, actor: AnyUser, booking: VenueBooking, approve: bool, whole_series: bool = False
) -> list[VenueBooking]:
    """Approve or reject a pending booking (staff of the venue's area); with `whole_series` every pending
    booking of its series. The booker is told."""
    require(actor, Perm.FACILITY_CHANGE, booking.area_code)
    _lock_venue(booking.venue_id)
    current = VenueBooking.objects.select_related("venue").get(pk=booking.pk)
    if current.status != VenueBookingStatus.PENDING:
        raise ApplicationError(
            "not_pending",
            _("This booking is not awaiting approval: it is %(status)s.") % {"status": current.get_status_display()},
            {"field": "status"},
            status=409,
        )
    now = timezone.now()
    rows = list(_series_rows(current, whole_series).filter(status=VenueBookingStatus.PENDING))
    status = VenueBookingStatus.APPROVED if approve else VenueBookingStatus.REJECTED
    VenueBooking.objects.filter(pk__in=[r.pk for r in rows]).update(
        status=status, decided_by=actor, decided_at=now, updated_at=now
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        on=current,
        detail={"status": str(status), "bookings": len(rows)},
    )
    text = (
        _("Your booking of %(venue)s on %(span)s was approved.")
        if approve
        else _("Your booking of %(venue)s on %(span)s was not approved.")
    )
    suffix = _(" (%(n)d bookings of the series)") % {"n": len(rows)} if len(rows) > 1 else ""
    Notification.objects.create(
        user_id=current.booker_id,
        text=(text % {"venue": current.venue.name, "span": _span_text(current.starts_at, current.ends_at)}) + suffix,
    )
    return list(VenueBooking.objects.filter(pk__in=[r.pk for r in rows]).order_by("starts_at"))


# Venues themselves (staff) ---------------------------------------------------------------------------

VENUE_FIELDS = (
    "name", "kind", "capacity", "slot_minutes", "min_duration_minutes", "max_duration_minutes",
    "max_days_ahead", "max_active_bookings_per_person", "needs_approval", "active",
)  # fmt: skip
VENUE_DEFAULTS: dict[str, Any] = {
    "kind": VenueKind.ROOM, "slot_minutes": 30, "min_duration_minutes": 30, "max_duration_minutes": 240,
    "max_days_ahead": 14, "needs_approval": False, "active": True,
}  # fmt: skip
MAX_DAYS_AHEAD = 366
MINUTES_PER_DAY = 1440


def venue_check(
    *, data: VenueIn, errors: RowErrors, facility: Facility, instance: Venue | None = None
) -> dict[str, Any]:
    """Model values for a venue from `data` (a form's or an API body's), adding every problem to `errors`,
    each naming its field. For an update, a field not given in `data` keeps the venue's value; for a new
    venue it takes its default."""
    present = data.model_fields_set & set(VENUE_FIELDS) if instance is not None else set(VENUE_FIELDS)
    values: dict[str, Any] = {}

    def current(field: str) -> Any:
        if field in values:
            return values[field]
        return getattr(instance, field) if instance is not None else VENUE_DEFAULTS.get(field)

    def failed(field: str) -> bool:
        return any(e["field"] == field for e in errors.errors)

    if "name" in present:
        name = (data.name or "").strip()
        if not name:
            errors.add(0, "name", _("required"))
        elif len(name) > 100:
            errors.add(0, "name", _("at most %(n)d characters") % {"n": 100}, name)
        else:
            same = Venue.objects.filter(facility=facility, name=name)
            if instance is not None:
                same = same.exclude(pk=instance.pk)
            if same.exists():
                errors.add(0, "name", _("this facility already has a venue of this name"), name)
            values["name"] = name
    if "kind" in present:
        if (data.kind or "").strip():
            kind = choice(data.kind, VenueKind, 0, "kind", errors)
            if kind is not None:
                values["kind"] = kind
        elif instance is None:
            values["kind"] = VenueKind.ROOM
        else:
            errors.add(0, "kind", _("required"))
    if "capacity" in present:
        capacity = data.capacity
        if capacity is not None and capacity < 1:
            errors.add(0, "capacity", _("must be at least 1 (or empty: not limited)"), capacity)
        else:
            values["capacity"] = capacity
    if "max_active_bookings_per_person" in present:
        field = "max_active_bookings_per_person"
        limit = data.max_active_bookings_per_person
        if limit is not None and limit < 1:
            errors.add(0, field, _("must be at least 1 (or empty: no limit)"), limit)
        else:
            values[field] = limit
    for field, low, high in (
        ("slot_minutes", 5, MINUTES_PER_DAY),
        ("min_duration_minutes", 5, MINUTES_PER_DAY),
        ("max_duration_minutes", 5, MINUTES_PER_DAY),
        ("max_days_ahead", 1, MAX_DAYS_AHEAD),
    ):
        if field not in present:
            continue
        number = getattr(data, field)
        if number is None:
            if instance is None and field in VENUE_DEFAULTS:
                number = VENUE_DEFAULTS[field]
            else:
                errors.add(0, field, _("required"))
                continue
        if not low <= number <= high:
            errors.add(0, field, _("must be %(low)d to %(high)d") % {"low": low, "high": high}, number)
        else:
            values[field] = number
    for field in ("needs_approval", "active"):
        if field in present:
            flag = getattr(data, field)
            if flag is not None:
                values[field] = flag
            else:
                values[field] = bool(VENUE_DEFAULTS[field]) if instance is None else getattr(instance, field)
    # Together: durations are whole slots, the shortest no longer than the longest.
    slot = current("slot_minutes")
    if "slot_minutes" in values and MINUTES_PER_DAY % slot:
        errors.add(0, "slot_minutes", _("must divide a day evenly (for example 15, 30, 60)"), slot)
    elif slot and not failed("slot_minutes"):
        shortest, longest = current("min_duration_minutes"), current("max_duration_minutes")
        for field, minutes in (("min_duration_minutes", shortest), ("max_duration_minutes", longest)):
            if minutes and not failed(field) and minutes % slot:
                errors.add(0, field, _("must be a whole number of %(n)d-minute slots") % {"n": slot}, minutes)
        if (
            shortest
            and longest
            and not failed("min_duration_minutes")
            and not failed("max_duration_minutes")
            and longest < shortest
        ):
            errors.add(0, "max_duration_minutes", _("must not be shorter than the shortest booking"), longest)
    return values


def _audit_venue(actor: AnyUser, venue: Venue, action: AuditAction, changed: Mapping[str, tuple[Any, Any]]) -> None:
    audit_record(
        actor=actor,
        action=action,
        on=venue,
        fields=sorted(changed),
        detail={"facility": venue.facility.code} | {field: [str(a), str(b)] for field, (a, b) in changed.items()},
    )


@transaction.atomic
def venue_create(*, actor: AnyUser, facility: Facility, data: VenueIn) -> Venue:
    """Add a bookable room, court or field to `facility` (staff of its area). Every bad field is named
    and nothing is written."""
    require(actor, Perm.FACILITY_CHANGE, facility.area_code)
    errors = RowErrors()
    values = venue_check(data=data, errors=errors, facility=facility)
    errors.raise_if_any("invalid", _("The venue was not saved."))
    venue = Venue.objects.create(facility=facility, **values)
    _audit_venue(actor, venue, AuditAction.CREATE, {k: (None, v) for k, v in values.items()})
    return venue


@transaction.atomic
def venue_update(*, actor: AnyUser, venue: Venue, data: VenueIn) -> Venue:
    """Change the fields of a venue set in `data` (staff of its area). Bookings already made keep
    their times; the new rules apply to new bookings."""
    require(actor, Perm.FACILITY_CHANGE, venue.area_code)
    locked = _lock_venue(venue.pk)
    errors = RowErrors()
    values = venue_check(data=data, errors=errors, facility=locked.facility, instance=locked)
    errors.raise_if_any("invalid", _("The venue was not saved."))
    changed = {k: (getattr(locked, k), v) for k, v in values.items() if getattr(locked, k) != v}
    for field, (_old, new) in changed.items():
        setattr(locked, field, new)
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
        _audit_venue(actor, locked, AuditAction.UPDATE, changed)
    return locked
