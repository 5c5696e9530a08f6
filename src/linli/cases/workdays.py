"""Working time on the official calendar (限时办结): Monday to Friday are working days, Saturday and Sunday
rest days, except the days in `CalendarDay`: every day of a public holiday period is a rest day, a make-up
working day (调休) on a weekend is a working day.

Working time runs continuously through a working day (00:00-24:00 local time) and stops on rest days, so
"5 working days from Wednesday 10:00" is 10:00 of the fifth working day after it, and a pause of half a
working day moves a deadline by half a working day. A year with no `CalendarDay` row is refused: its
holidays are unknown, and a deadline computed without them would be wrong."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError
from linli.core.models import CalendarDay

DAY = dt.timedelta(days=1)


class CalendarNotLoaded(ApplicationError):
    def __init__(self, year: int) -> None:
        super().__init__(
            "calendar_not_loaded",
            _(
                "The holiday calendar for %(year)d is not loaded (run: linli calendar_load --year %(year)d, or "
                "linli calendar_load --file with the year's official days)."
            )
            % {"year": year},
            {"year": year},
            status=503,
        )


def calendar_missing_years(years: list[int] | set[int]) -> list[int]:
    """Which of `years` have no holiday or make-up day in the calendar (so are not loaded)."""
    loaded = {d.year for d in CalendarDay.objects.filter(date__year__in=list(years)).dates("date", "year")}
    return sorted(set(years) - loaded)


class WorkCalendar:
    """Which days are working days; reads each year's calendar once."""

    def __init__(self) -> None:
        self._years: dict[int, dict[dt.date, str]] = {}

    def _year(self, year: int) -> dict[dt.date, str]:
        if year not in self._years:
            days = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "kind"))
            if not days:
                raise CalendarNotLoaded(year)
            self._years[year] = days
        return self._years[year]

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
    next working day. Raises `CalendarNotLoaded` for a year whose calendar is missing."""
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
