"""The official Chinese calendar of public holidays and make-up working days (调休), from the
chinesecalendar package, or for a year the package does not know yet from a data file an admin writes from
the State Council's notice (`linli calendar_load --file 2027.csv`). Until a year's notice is loaded, its
statutory holidays (`statutory_days`) stand in for it, provisionally.

Every day of an official holiday period is stored as a holiday, weekends included: a facility open on
Saturdays but closed on public holidays must know that the Saturday in the Spring Festival week is one.
Callers that want only the days differing from the ordinary week filter holidays to Monday-Friday."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import chinese_calendar
from django.db import transaction
from django.utils.translation import gettext as _

from linli.core import tabular
from linli.core.errors import ApplicationError
from linli.core.models import CalendarDay
from linli.core.parsing import blank, date_value, text
from linli.core.preview import CREATE, DELETE, Preview, previewed
from linli.core.tabular import DATE, Column, Sheet, TableErrors

# The law's holidays, before the year's notice is out ---------------------------------------------------

ONE_DAY = datetime.timedelta(days=1)


def statutory_days(year: int) -> dict[datetime.date, str]:
    """The rest days that 《全国年节及纪念日放假办法》 (as revised in 2024, in force from 2025) fixes for
    every year, without the State Council's yearly notice: 元旦 1 January, 春节 New Year's Eve and the first
    three days of the lunar year, 清明 the day of the solar term, 劳动节 1-2 May, 端午 the 5th of the 5th
    lunar month, 中秋 the 15th of the 8th, 国庆 1-3 October; and, as the law requires, a holiday that falls
    on a Saturday or Sunday is made up on the next working day (补假). Which weekends the notice will swap
    into longer breaks (调休) is not knowable before it is published, so a calendar built from these days is
    provisional: date -> the holiday's name."""
    from lunardate import LunarDate

    def lunar(month: int, day: int) -> datetime.date:
        return LunarDate(year, month, day).to_solar_date()

    new_year = lunar(1, 1)
    qingming = next(
        d
        for d, name in chinese_calendar.get_solar_terms(datetime.date(year, 4, 1), datetime.date(year, 4, 10))
        if name == "清明"
    )
    days: dict[datetime.date, str] = {datetime.date(year, 1, 1): "元旦"}
    days.update((new_year + k * ONE_DAY, "春节") for k in range(-1, 3))
    days[qingming] = "清明节"
    days.update((datetime.date(year, 5, d), "劳动节") for d in (1, 2))
    days[lunar(5, 5)] = "端午节"
    days[lunar(8, 15)] = "中秋节"
    days.update((datetime.date(year, 10, d), "国庆节") for d in (1, 2, 3))
    for day, name in sorted(days.items()):
        if day.weekday() >= 5:  # 补假: the next weekday that is not already a rest day
            extra = day + ONE_DAY
            while extra.weekday() >= 5 or extra in days:
                extra += ONE_DAY
            days[extra] = name
    return {day: days[day] for day in sorted(days) if day.year == year}


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


# A year's calendar from a data file --------------------------------------------------------------------

KIND_WORDS = {
    "holiday": CalendarDay.Kind.HOLIDAY,
    "休": CalendarDay.Kind.HOLIDAY,
    "假": CalendarDay.Kind.HOLIDAY,
    "法定节假日": CalendarDay.Kind.HOLIDAY,
    "workday": CalendarDay.Kind.WORKDAY,
    "班": CalendarDay.Kind.WORKDAY,
    "调休上班": CalendarDay.Kind.WORKDAY,
}
FILE_SHEET = Sheet(
    "calendar",
    "calendar",
    (
        Column("date", "日期", "date", kind=DATE),
        Column("kind", "类型", "kind", ("休/班", "休班")),
        Column("name", "名称", "name", ("节日", "节假日")),
    ),
    required=("date", "kind"),
    strict=False,
)
FILE_COLUMNS = tuple(c.key for c in FILE_SHEET.columns)


def _file_rows(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], TableErrors]:
    """The rows of a CSV (UTF-8 with or without BOM, or GBK) or .xlsx file with the header date, kind,
    name (or 日期, 类型, 名称), and the problems list naming its fields by those headers."""
    table = tabular.read_table(path.read_bytes(), path.name, FILE_SHEET)
    if not table.rows and not table.headers:
        raise ApplicationError("empty_file", _("The file is empty."), {"field": "file"})
    if table.missing:
        raise ApplicationError(
            "missing_columns",
            _("The file needs the columns %(columns)s; missing: %(missing)s.")
            % {"columns": ", ".join(FILE_COLUMNS), "missing": ", ".join(table.missing)},
            {"field": "header", "missing": table.missing},
        )
    tabular.raise_header_problems(table)
    errors = TableErrors()
    errors.name_by(table)
    return table.rows, errors


def calendar_file_load(path: str | Path, *, dry_run: bool = False) -> dict[str, Any]:
    """Replace the calendar of each year in a data file (the State Council's notice for a year, typed in by
    an admin when the package does not know it yet): columns `date` (YYYY-MM-DD), `kind` (holiday or
    workday, or 休/班) and `name` (e.g. 春节). Every day of each holiday period is listed, weekends
    included; make-up working days fall on a Saturday or Sunday. All rows are checked first, every problem
    reported with its row; nothing is written unless the whole file is right. The result's `preview`
    lists the days added, changed (类型, 名称: old -> new) and removed; `dry_run` writes nothing."""
    rows, errors = _file_rows(Path(path))
    days: dict[datetime.date, tuple[str, str]] = {}
    for row, item in rows:
        day = date_value(item["date"], row, "date", errors)
        if day is None and blank(item["date"]):
            errors.add(row, "date", _("required"))
        kind = KIND_WORDS.get(text(item["kind"]).lower())
        if kind is None:
            errors.add(row, "kind", _("must be holiday or workday (休 or 班)"), item["kind"])
        name = text(item.get("name"))[:32]
        if day is None or kind is None:
            continue
        if day in days:
            errors.add(row, "date", _("listed twice"), day.isoformat())
        elif kind == CalendarDay.Kind.WORKDAY and day.weekday() < 5:
            errors.add(row, "kind", _("a make-up working day falls on a Saturday or Sunday"), day.isoformat())
        days[day] = (kind.value, name)
    if not rows:
        errors.add(0, "file", _("no days in the file"))
    errors.raise_if_any("invalid_calendar", _("The calendar file was not loaded; nothing was changed."))
    years = sorted({day.year for day in days})

    def write(preview: Preview) -> dict[str, Any]:
        return _calendar_replace(years, days, preview)

    result, preview = previewed(write, dry_run=dry_run)
    return {**result, "dry_run": dry_run, "preview": preview.as_dict()}


def _calendar_replace(years: list[int], days: dict[datetime.date, tuple[str, str]], preview: Preview) -> dict[str, Any]:
    """Make the stored days of `years` exactly `days`, recording each day added, changed or removed."""
    kind_label = dict(CalendarDay.Kind.choices)
    kind_header, name_header = FILE_SHEET.column("kind").zh, FILE_SHEET.column("name").zh
    stored = {row.date: row for row in CalendarDay.objects.filter(date__year__in=years)}
    sheet = _("calendar day")
    for day in sorted(set(stored) | set(days)):
        row = stored.get(day)
        if day not in days and row is not None:
            changes = [(kind_header, kind_label[row.kind], None), (name_header, row.name, None)]
            preview.add(sheet=sheet, key=day.isoformat(), name=row.name, changes=changes, action=DELETE)
            continue
        kind, name = days[day]
        old_kind, old_name = (kind_label[row.kind], row.name) if row is not None else (None, None)
        preview.add(
            sheet=sheet,
            key=day.isoformat(),
            name=name,
            changes=[(kind_header, old_kind, kind_label[kind]), (name_header, old_name, name)],
            action=CREATE if row is None else None,
        )
    removed, _removed_by_type = CalendarDay.objects.filter(date__year__in=years).delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=day, kind=kind, name=name) for day, (kind, name) in sorted(days.items())], batch_size=500
    )
    return {"years": years, "days": len(days), "replaced": removed}
