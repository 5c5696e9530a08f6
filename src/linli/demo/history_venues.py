"""Venues of the demo history: venues at a share of the activity centres, with a year of bookings (weekly
group series, one-off bookings, cancelled ones, future ones awaiting approval; never two overlapping, always
inside the opening hours)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

from django.utils import timezone

from linli.bookings.models import VENUE_ACTIVE, Venue, VenueBooking, VenueBookingStatus, VenueKind
from linli.core.models import User
from linli.demo.history_context import COMMUNITY, DAY, HOSTS, TOWN, HistoryContext
from linli.demo.users import DISTRICT
from linli.facilities.enums import ConstructionStatus
from linli.facilities.hours import OpeningHours
from linli.facilities.models import Facility

# Venues: name, kind, capacity, slot minutes, shortest and longest booking, days ahead, per-person limit,
# chance that its bookings need approval.
VENUE_KINDS: tuple[tuple[str, VenueKind, int, int, int, int, int, int | None, float], ...] = (
    ("多功能活动室", VenueKind.ROOM, 40, 30, 60, 180, 14, None, 0.6),
    ("乒乓球室", VenueKind.ROOM, 8, 30, 60, 120, 7, 2, 0.0),
    ("舞蹈排练室", VenueKind.ROOM, 30, 30, 60, 180, 14, None, 0.4),
    ("篮球场", VenueKind.COURT, 20, 60, 60, 120, 7, 2, 0.0),
    ("羽毛球场", VenueKind.COURT, 4, 30, 60, 120, 7, 2, 0.0),
    ("室外健身场地", VenueKind.FIELD, 50, 60, 60, 180, 14, None, 0.3),
)
# Share of the activity centres with venues (those of the demo staff's own town always have some).
VENUE_SHARE = 0.25
GROUPS = ("太极拳队", "夕阳红合唱团", "书法协会", "乒乓球爱好者", "广场舞队", "读书会", "志愿者服务队", "象棋社",
          "亲子阅读小组", "老年模特队")  # fmt: skip
ONE_OFF_BOOKINGS = 24  # per venue, tried, over the year
FUTURE_BOOKINGS = 5  # per venue, tried, in the days it can be booked ahead


def venues_load(ctx: HistoryContext) -> dict[str, int]:
    """Venues at a share of the activity centres (always at those of the demo staff's town), with a
    year of bookings: weekly group series first, then one-off bookings in the gaps."""
    hosts = list(
        Facility.objects.filter(
            area_code__startswith=DISTRICT[:6], status=ConstructionStatus.BUILT, facility_type__code__in=HOSTS
        )
        .prefetch_related("opening_rules", "opening_exceptions")
        .order_by("code")
    )
    chosen = [f for f in hosts if f.area_code.startswith(TOWN) or ctx.rng.random() < VENUE_SHARE]
    chosen = [f for f in chosen if any(True for _r in f.opening_rules.all())]
    if not chosen or Venue.objects.filter(facility__in=chosen).exists():
        return {"venues": 0, "venue_bookings": 0}
    venues: list[Venue] = []
    for facility in chosen:
        own = facility.area_code.startswith(COMMUNITY)
        picks = sorted(ctx.rng.permutation(len(VENUE_KINDS))[: int(ctx.rng.integers(1, 4))].tolist())
        if own and 0 not in picks:
            picks = [0, *picks]
        for index in picks:
            name, kind, capacity, slot, shortest, longest, ahead, limit, approval = VENUE_KINDS[index]
            venues.append(
                Venue(
                    facility=facility, area_code=facility.area_code, name=name, kind=kind, capacity=capacity,
                    slot_minutes=slot, min_duration_minutes=shortest, max_duration_minutes=longest,
                    max_days_ahead=ahead, max_active_bookings_per_person=limit,
                    needs_approval=(own and index == 0) or ctx.rng.random() < approval,
                )
            )  # fmt: skip
    Venue.objects.bulk_create(venues, batch_size=500)
    today = timezone.localdate(ctx.now)
    first_day, last_day = today - dt.timedelta(days=365), today + dt.timedelta(days=14)
    days = [first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    opening = OpeningHours.for_facilities(chosen, first_day, last_day)
    bookings: list[VenueBooking] = []
    for venue in venues:
        bookings += _venue_bookings(ctx, venue, days, opening)
    VenueBooking.objects.bulk_create(bookings, batch_size=2000)
    return {"venues": len(venues), "venue_bookings": len(bookings)}


def _decider(ctx: HistoryContext, area_code: str) -> User | None:
    if area_code.startswith(COMMUNITY):
        return ctx.staff.get("community")
    return ctx.staff.get("town") if area_code.startswith(TOWN) else ctx.staff.get("district")


def _venue_bookings(
    ctx: HistoryContext, venue: Venue, days: list[dt.date], opening: OpeningHours
) -> list[VenueBooking]:
    facility, rng, now = venue.facility, ctx.rng, ctx.now
    today = timezone.localdate(now)
    horizon = today + dt.timedelta(days=venue.max_days_ahead)
    taken: dict[dt.date, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    spans_of: dict[dt.date, list[tuple[dt.time, dt.time]]] = {}
    decider = _decider(ctx, venue.area_code)
    out: list[VenueBooking] = []

    def spans(day: dt.date) -> list[tuple[dt.time, dt.time]]:
        if day not in spans_of:
            spans_of[day] = opening.spans(facility.pk, day)
        return spans_of[day]

    def slot_in(day: dt.date, minutes: int) -> tuple[dt.datetime, dt.datetime] | None:
        """A random start on the venue's slots inside one opening span of `day`, `minutes` long."""
        options: list[int] = []
        for opens, closes in spans(day):
            first = -(-(opens.hour * 60 + opens.minute) // venue.slot_minutes) * venue.slot_minutes
            last = closes.hour * 60 + closes.minute - minutes
            options += range(first, last + 1, venue.slot_minutes)
        if not options:
            return None
        start = options[int(rng.integers(len(options)))]
        begins = timezone.make_aware(dt.datetime.combine(day, dt.time.min)) + dt.timedelta(minutes=start)
        return begins, begins + dt.timedelta(minutes=minutes)

    def free(day: dt.date, a: dt.datetime, b: dt.datetime) -> bool:
        return all(not (x < b and y > a) for x, y in taken[day])

    def booking(a: dt.datetime, b: dt.datetime, booker: User, **extra: Any) -> VenueBooking:
        status = extra.pop("status", VenueBookingStatus.APPROVED)
        if status in VENUE_ACTIVE:
            taken[timezone.localdate(a)].append((a, b))
        decided = venue.needs_approval and status in (VenueBookingStatus.APPROVED, VenueBookingStatus.REJECTED)
        return VenueBooking(
            venue=venue, area_code=venue.area_code, booker=booker, starts_at=a, ends_at=b, status=status,
            decided_by=decider if decided else None, decided_at=min(a, now) - DAY if decided else None, **extra,
        )  # fmt: skip

    def length() -> int:
        steps = (venue.max_duration_minutes - venue.min_duration_minutes) // venue.slot_minutes
        return venue.min_duration_minutes + venue.slot_minutes * int(rng.integers(0, steps + 1))

    # Weekly group series: all-or-nothing as the service books them, skipping the days the centre is
    # closed; a few cancelled part-way (the rest of the series at once), new ones awaiting approval.
    for _n in range(int(rng.integers(0, 4))):
        future = rng.random() < 0.2  # booked lately, from the coming days on
        start_day = (
            today + dt.timedelta(days=int(rng.integers(1, 8))) if future else days[int(rng.integers(len(days) - 30))]
        )
        weeks = int(rng.integers(8, 31))
        dates = [start_day + dt.timedelta(weeks=w) for w in range(weeks)]
        dates = [d for d in dates if d <= horizon and spans(d)]
        slot = slot_in(dates[0], length()) if dates else None
        if slot is None:
            continue
        begins, minutes = timezone.localtime(slot[0]).time(), slot[1] - slot[0]
        times = [(timezone.localtime(timezone.make_aware(dt.datetime.combine(d, begins))), d) for d in dates]
        inside = all(
            any(a <= t.time() and (t + minutes).time() <= b for a, b in spans(d)) and (t + minutes).date() == d
            for t, d in times
        )
        if not inside or not all(free(d, t, t + minutes) for t, d in times):
            continue
        owner = ctx.pick(venue.area_code, 1)[0]
        group = GROUPS[int(rng.integers(len(GROUPS)))]
        series = uuid.UUID(bytes=rng.bytes(16), version=4)
        cancel_at = ctx.moment(times[0][0] - 7 * DAY, now) if rng.random() < 0.15 else None
        waiting = venue.needs_approval and times[0][0] > now and rng.random() < 0.6
        for t, _d in times:
            if cancel_at is not None and t > cancel_at:
                out.append(booking(t, t + minutes, owner, status=VenueBookingStatus.CANCELLED,
                                   cancelled_at=cancel_at, group_name=group, series_id=series))  # fmt: skip
            else:
                status = VenueBookingStatus.PENDING if waiting else VenueBookingStatus.APPROVED
                out.append(booking(t, t + minutes, owner, status=status, group_name=group, series_id=series))
    # One-off bookings in the gaps: a tenth cancelled; on approval venues, future ones mostly waiting.
    # The demo community's approval venues always have requests waiting for its staff.
    always_waiting = venue.needs_approval and venue.area_code.startswith(COMMUNITY)
    soon = [today + dt.timedelta(days=n) for n in range(1, venue.max_days_ahead + 1)]
    tries = [days[int(i)] for i in rng.integers(len(days), size=ONE_OFF_BOOKINGS)]
    tries += [soon[int(i)] for i in rng.integers(len(soon), size=FUTURE_BOOKINGS * (2 if always_waiting else 1))]
    for day in tries:
        if day > horizon:
            continue
        slot = slot_in(day, length())
        if slot is None or not free(day, *slot):
            continue
        resident = ctx.pick(venue.area_code, 1)[0]
        group = GROUPS[int(rng.integers(len(GROUPS)))] if rng.random() < 0.3 else ""
        draw = rng.random()
        if draw < 0.1:
            cancelled = ctx.moment(slot[0] - 5 * DAY, min(slot[0], now))
            out.append(booking(*slot, resident, status=VenueBookingStatus.CANCELLED, cancelled_at=cancelled,
                               group_name=group))  # fmt: skip
        elif venue.needs_approval and slot[0] > now and (draw < 0.7 or always_waiting):
            out.append(booking(*slot, resident, status=VenueBookingStatus.PENDING, group_name=group))
        elif venue.needs_approval and draw < 0.15:
            out.append(booking(*slot, resident, status=VenueBookingStatus.REJECTED, group_name=group))
        else:
            out.append(booking(*slot, resident, group_name=group))
    return out
