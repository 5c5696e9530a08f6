"""The official Chinese calendar of public holidays and make-up working days (调休), from the
chinesecalendar package.

Every day of an official holiday period is stored as a holiday, weekends included: a facility open on
Saturdays but closed on public holidays must know that the Saturday in the Spring Festival week is one.
Callers that want only the days differing from the ordinary week filter holidays to Monday-Friday."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import chinese_calendar
from django.db import transaction

from linli.core.errors import ApplicationError
from linli.core.models import CalendarDay


def calendar_years() -> list[int]:
    """The years the installed chinesecalendar package knows."""
    return sorted({day.year for day in chinese_calendar.holidays})


def _chinese_name(english: str) -> str:
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return english


def _official_days(years: set[int]) -> dict[datetime.date, tuple[str, str]]:
    days = {
        day: (CalendarDay.Kind.HOLIDAY.value, _chinese_name(name))
        for day, name in chinese_calendar.holidays.items()
        if day.year in years
    }
    days.update(
        (day, (CalendarDay.Kind.WORKDAY.value, _chinese_name(name)))
        for day, name in chinese_calendar.workdays.items()
        if day.year in years and day.weekday() >= 5
    )
    return days


@transaction.atomic
def calendar_load(years: Iterable[int] | None = None) -> dict[str, int]:
    """Write the holidays and make-up working days of `years` (default: every year the package knows) as
    CalendarDay rows, matched by date: missing days are created, days whose kind or name differ updated."""
    known = calendar_years()
    wanted = set(known if years is None else years)
    unknown = sorted(wanted - set(known))
    if unknown:
        raise ApplicationError(
            "calendar_year_unknown",
            f"The chinesecalendar package knows {known[0]}-{known[-1]}, not {', '.join(map(str, unknown))}.",
            {"years": unknown},
        )
    official = _official_days(wanted)
    existing = {row.date: row for row in CalendarDay.objects.filter(date__in=list(official))}
    changed = []
    for day, (kind, name) in official.items():
        row = existing.get(day)
        if row is not None and (row.kind, row.name) != (kind, name):
            row.kind, row.name = kind, name
            changed.append(row)
    CalendarDay.objects.bulk_update(changed, ["kind", "name"], batch_size=500)
    new = [CalendarDay(date=day, kind=kind, name=name) for day, (kind, name) in official.items() if day not in existing]
    CalendarDay.objects.bulk_create(new, batch_size=500)
    return {"created": len(new), "updated": len(changed)}
