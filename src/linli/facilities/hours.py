"""Opening hours: the one place that decides when a facility is open.

`OpeningHours.for_facilities(facilities, start, end)` loads, for many facilities and a date range, their weekly
rules, their dated exceptions (closed all day, or open other hours) and the official public holidays of
the calendar (`core.models.CalendarDay`) in a fixed number of queries, whatever the number of facilities
or days. Its answers need no further query:

- on a day, a dated exception wins over everything (any closed exception closes the day; otherwise the
  exceptions' hours are the day's hours);
- then an official public holiday closes a facility that closes on public holidays;
- otherwise the weekly rules of that weekday apply.

The opening status of the public pages and of services-near-me, the checks of publishing and moving
activities, venue slots and bookings, and the demo history all ask this object.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.models import CalendarDay
from linli.facilities.models import Facility, OpeningException, OpeningRule

Span = tuple[dt.time, dt.time]


@dataclass(frozen=True)
class Closure:
    """Why a facility is closed all day: a dated exception (`kind` "exception", its reason or "") or an
    official public holiday (`kind` "holiday", the holiday's name)."""

    kind: str
    reason: str


class OpeningHours:
    """The opening hours of some facilities from `start` to `end` (inclusive). Build it with
    `for_facilities`; asking about a day outside the range, or a facility not loaded, is a programming
    error (ValueError / KeyError), never a silent "closed"."""

    def __init__(
        self,
        *,
        start: dt.date,
        end: dt.date,
        rules: dict[int, dict[int, list[Span]]],
        exceptions: dict[int, dict[dt.date, list[OpeningException]]],
        holidays: dict[dt.date, str],
        closes_on_holidays: set[int],
    ) -> None:
        self.start, self.end = start, end
        self._rules = rules
        self._exceptions = exceptions
        self._holidays = holidays
        self._closes_on_holidays = closes_on_holidays

    @classmethod
    def for_facilities(cls, facilities: Iterable[Facility | int], start: dt.date, end: dt.date) -> OpeningHours:
        """Everything needed to answer for `facilities` (model instances, or ids read afresh) on the days
        `start`..`end`: four queries at most (the ids' holiday setting, weekly rules, dated exceptions of
        the range, holidays of the range - the last only when one of them closes on public holidays)."""
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        given = list(facilities)
        ids = sorted({f if isinstance(f, int) else f.pk for f in given})
        rules: dict[int, dict[int, list[Span]]] = {pk: defaultdict(list) for pk in ids}
        exceptions: dict[int, dict[dt.date, list[OpeningException]]] = {pk: defaultdict(list) for pk in ids}
        if not ids:
            return cls(start=start, end=end, rules=rules, exceptions=exceptions, holidays={}, closes_on_holidays=set())
        closing = {f.pk for f in given if isinstance(f, Facility) and f.closed_on_public_holidays}
        unknown = [f for f in given if isinstance(f, int)]
        if unknown:
            closing |= set(
                Facility.objects.filter(pk__in=unknown, closed_on_public_holidays=True).values_list("pk", flat=True)
            )
        for facility_id, weekday, opens, closes in OpeningRule.objects.filter(facility_id__in=ids).values_list(
            "facility_id", "weekday", "opens", "closes"
        ):
            rules[facility_id][weekday].append((opens, closes))
        for exception in OpeningException.objects.filter(facility_id__in=ids, date__gte=start, date__lte=end).order_by(
            "date", "opens", "id"
        ):
            exceptions[exception.facility_id][exception.date].append(exception)
        holidays: dict[dt.date, str] = {}
        if closing:
            holidays = {
                day: name
                for day, name in CalendarDay.objects.filter(
                    kind=CalendarDay.Kind.HOLIDAY, date__gte=start, date__lte=end
                ).values_list("date", "name")
            }
        return cls(
            start=start, end=end, rules=rules, exceptions=exceptions, holidays=holidays, closes_on_holidays=closing
        )

    # Questions ----------------------------------------------------------------------------------------

    def _day(self, day: dt.date) -> dt.date:
        if not self.start <= day <= self.end:
            raise ValueError(f"{day} is outside the loaded range {self.start}..{self.end}")
        return day

    def _holiday(self, facility_id: int, day: dt.date) -> str | None:
        if facility_id in self._closes_on_holidays:
            return self._holidays.get(day)
        return None

    def spans(self, facility_id: int, day: dt.date) -> list[Span]:
        """The facility's opening spans on `day`, earliest first; empty when it is closed all day."""
        exceptions = self._exceptions[facility_id].get(self._day(day), [])
        if exceptions:
            if any(e.closed for e in exceptions):
                return []
            return sorted((e.opens, e.closes) for e in exceptions if e.opens and e.closes)
        if self._holiday(facility_id, day) is not None:
            return []
        return sorted(self._rules[facility_id].get(day.weekday(), []))

    def closure(self, facility_id: int, day: dt.date) -> Closure | None:
        """Why the facility is closed all day on `day`: a closed dated exception (the first reason given)
        or a public holiday it closes on; None otherwise (open, or simply no hours that weekday)."""
        exceptions = self._exceptions[facility_id].get(self._day(day), [])
        closed = [e for e in exceptions if e.closed]
        if closed:
            return Closure("exception", next((e.reason for e in closed if e.reason), ""))
        if exceptions:
            return None
        holiday = self._holiday(facility_id, day)
        return Closure("holiday", holiday or _("public holiday")) if holiday is not None else None

    def closure_reason(self, facility_id: int, day: dt.date) -> str:
        """The reason of `closure`, "" when none is known."""
        found = self.closure(facility_id, day)
        return found.reason if found is not None else ""

    def has_rules(self, facility_id: int) -> bool:
        """Whether the facility has weekly hours on record."""
        return any(self._rules[facility_id].values())

    def has_own_hours(self, facility_id: int, day: dt.date) -> bool:
        """Whether `day` has hours of its own for the facility: a dated exception, or a public holiday it
        closes on."""
        return bool(self._exceptions[facility_id].get(self._day(day))) or self._holiday(facility_id, day) is not None

    def within(self, facility_id: int, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
        """Whether `starts_at`-`ends_at` lies on one (local) day inside one opening span of the facility."""
        start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
        if end.date() != start.date():
            return False
        return any(a <= start.time() and end.time() <= b for a, b in self.spans(facility_id, start.date()))

    def is_open(self, facility_id: int, moment: dt.datetime) -> bool:
        """Whether the facility is open at `moment`."""
        local = timezone.localtime(moment)
        return any(a <= local.time() < b for a, b in self.spans(facility_id, local.date()))


def hours_text(spans: list[Span]) -> str:
    """Spans as "09:00–12:00, 14:00–17:00"."""
    return ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in spans)
