"""Working time on the official calendar (限时办结): Monday to Friday are working days, Saturday and Sunday
rest days, except the days in `CalendarDay`: every day of a public holiday period is a rest day, a make-up
working day (调休) on a weekend is a working day.

Working time runs continuously through a working day (00:00-24:00 local time) and stops on rest days, so
"5 working days from Wednesday 10:00" is 10:00 of the fifth working day after it, and a pause of half a
working day moves a deadline by half a working day. A year with no `CalendarDay` row (next year, before
the State Council's notice is out and loaded) is counted on its statutory holidays with their make-up rest
days (`linli.core.calendar.statutory_days`) and marked provisional: the weekend swaps (调休) of the notice
are not known yet. Loading the year (`linli calendar_load`) re-times the open requests whose deadlines were
provisional (`linli.cases.services.requests_retime`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from linli.core.calendar import statutory_days
from linli.core.models import CalendarDay

DAY = dt.timedelta(days=1)


def calendar_missing_years(years: list[int] | set[int]) -> list[int]:
    """Which of `years` have no holiday or make-up day in the calendar (so are not loaded)."""
    loaded = {d.year for d in CalendarDay.objects.filter(date__year__in=list(years)).dates("date", "year")}
    return sorted(set(years) - loaded)


class WorkCalendar:
    """Which days are working days; reads each year's calendar once. A year that is not loaded is taken
    from the statutory holidays and remembered in `provisional`."""

    def __init__(self) -> None:
        self._years: dict[int, dict[dt.date, str]] = {}
        self.provisional: set[int] = set()

    def _year(self, year: int) -> dict[dt.date, str]:
        if year not in self._years:
            days = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "kind"))
            if not days:
                days = dict.fromkeys(statutory_days(year), CalendarDay.Kind.HOLIDAY.value)
                self.provisional.add(year)
            self._years[year] = days
        return self._years[year]

    def preload(self, years: Iterable[int]) -> WorkCalendar:
        """Read `years` now (a snapshot of the calendar before it changes); returns the calendar."""
        for year in years:
            self._year(year)
        return self

    def is_provisional(self, moment: dt.datetime) -> bool:
        """Whether the working days up to `moment` rest on a year whose official calendar is not loaded."""
        year = _local(moment).year
        self._year(year)
        return year in self.provisional

    def is_working(self, day: dt.date) -> bool:
        kind = self._year(day.year).get(day)
        if kind == CalendarDay.Kind.HOLIDAY:
            return False
        if kind == CalendarDay.Kind.WORKDAY:
            return True
        return day.weekday() < 5


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else timezone.make_aware(moment)


def _next_midnight(moment: dt.datetime) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(moment.date() + DAY, dt.time()))


def add_working_time(start: dt.datetime, amount: dt.timedelta, calendar: WorkCalendar | None = None) -> dt.datetime:
    """The moment `amount` of working time after `start` (an amount of zero or less returns `start`)."""
    calendar = calendar or WorkCalendar()
    moment = _local(start)
    remaining = amount.total_seconds()
    while remaining > 0:
        midnight = _next_midnight(moment)
        if calendar.is_working(moment.date()):
            available = (midnight - moment).total_seconds()
            if remaining <= available:
                return moment + dt.timedelta(seconds=remaining)
            remaining -= available
        moment = midnight
    return moment


def add_working_days(start: dt.datetime, n: int, calendar: WorkCalendar | None = None) -> dt.datetime:
    """The moment `n` working days after `start`: filed Wednesday 10:00, 1 working day later is 10:00 of the
    next working day."""
    return add_working_time(start, n * DAY, calendar)


def working_time_between(a: dt.datetime, b: dt.datetime, calendar: WorkCalendar | None = None) -> dt.timedelta:
    """The working time from `a` to `b`; negative when `b` is before `a`."""
    if b < a:
        return -working_time_between(b, a, calendar)
    calendar = calendar or WorkCalendar()
    moment, end = _local(a), _local(b)
    total = 0.0
    while moment < end:
        midnight = min(_next_midnight(moment), end)
        if calendar.is_working(moment.date()):
            total += (midnight - moment).total_seconds()
        moment = midnight
    return dt.timedelta(seconds=total)


def working_days_between(a: dt.datetime, b: dt.datetime, calendar: WorkCalendar | None = None) -> float:
    """`working_time_between` in working days (a working day is 24 hours of working time)."""
    return working_time_between(a, b, calendar) / DAY
