"""A year the chinesecalendar package does not know yet: the admin loads it from a data file (CSV or
Excel) typed from the State Council's notice. Bad rows are all reported with their row; nothing is written
unless the whole file is right. (The 2027 days below are test data, not the official arrangement.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from openpyxl import Workbook

from linli.cases.models import RequestType
from linli.cases.workdays import WorkCalendar, add_working_days
from linli.core.calendar import calendar_file_load, calendar_load
from linli.core.errors import ApplicationError
from linli.core.models import CalendarDay

pytestmark = pytest.mark.django_db

GOOD = """date,kind,name
2027-01-01,holiday,元旦
2027-01-02,holiday,元旦
2027-01-03,holiday,元旦
2027-01-09,班,元旦
"""


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def at(*args: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def test_a_csv_file_makes_a_new_year_usable(tmp_path):
    provisional = WorkCalendar()
    assert add_working_days(at(2027, 1, 8, 9), 1, provisional) == at(2027, 1, 11, 9)  # before: Saturday rests
    assert provisional.provisional == {2027}
    path = tmp_path / "2027.csv"
    path.write_text("\ufeff" + GOOD, encoding="utf-8")  # Excel's CSV has a BOM
    assert calendar_file_load(path).items() >= {"years": [2027], "days": 4, "replaced": 0}.items()
    assert CalendarDay.objects.get(date="2027-01-09").kind == CalendarDay.Kind.WORKDAY
    # Fri 1 Jan 2027 is a holiday and the weekend rests: the clock starts Mon 4 Jan 00:00, one working day on.
    assert add_working_days(at(2027, 1, 1, 9), 1) == at(2027, 1, 5)
    assert add_working_days(at(2027, 1, 8, 9), 1) == at(2027, 1, 9, 9)


def test_the_file_replaces_its_years_and_leaves_others(tmp_path):
    calendar_load([2026])
    before_2026 = CalendarDay.objects.filter(date__year=2026).count()
    CalendarDay.objects.create(date=dt.date(2027, 5, 3), kind=CalendarDay.Kind.HOLIDAY, name="劳动节")
    path = tmp_path / "2027.csv"
    path.write_text(GOOD, encoding="utf-8")
    assert calendar_file_load(path)["replaced"] == 1
    assert not CalendarDay.objects.filter(date="2027-05-03").exists()  # the year is the file's now
    assert CalendarDay.objects.filter(date__year=2027).count() == 4
    assert CalendarDay.objects.filter(date__year=2026).count() == before_2026


def test_an_excel_file_with_chinese_kinds(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["date", "kind", "name"])
    sheet.append([dt.date(2027, 2, 6), "休", "春节"])
    sheet.append(["2027-02-07", "班", "春节"])
    path = tmp_path / "2027.xlsx"
    book.save(path)
    assert calendar_file_load(path)["days"] == 2
    assert CalendarDay.objects.get(date="2027-02-06").kind == CalendarDay.Kind.HOLIDAY


def test_every_bad_row_is_named_and_nothing_is_written(tmp_path):
    calendar_load([2026])
    before = CalendarDay.objects.count()
    path = tmp_path / "bad.csv"
    path.write_text(
        "date,kind,name\n"
        "2026-10-01,holiday,国庆节\n"
        "2026-13-01,holiday,x\n"  # row 3: no such month
        "2026-10-02,rest,国庆节\n"  # row 4: unknown kind
        "2026-10-08,workday,国庆节\n"  # row 5: a Thursday cannot be a make-up working day
        "2026-10-01,holiday,国庆节\n"  # row 6: twice
        ",holiday,\n",  # row 7: no date
        encoding="utf-8",
    )
    with pytest.raises(ApplicationError) as exc:
        calendar_file_load(path)
    found = {(e["row"], e["field"]) for e in exc.value.extra["errors"]}
    assert found == {(3, "date"), (4, "kind"), (5, "kind"), (6, "date"), (7, "date")}
    assert CalendarDay.objects.count() == before  # 2026 untouched


def test_a_file_without_the_columns_is_refused(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("day,type\n2027-01-01,holiday\n", encoding="utf-8")
    with pytest.raises(ApplicationError) as exc:
        calendar_file_load(path)
    assert exc.value.code == "missing_columns" and exc.value.extra["missing"] == ["date", "kind"]


def test_the_command(tmp_path, capsys):
    path = tmp_path / "2027.csv"
    path.write_text(GOOD, encoding="utf-8")
    call_command("calendar_load", "--file", str(path))
    assert "calendar 2027: 4 days" in capsys.readouterr().out
    path.write_text("date,kind\n2027-01-04,workday\n", encoding="utf-8")  # a Monday
    with pytest.raises(CommandError, match="row 2, kind: a make-up working day falls on a Saturday or Sunday"):
        call_command("calendar_load", "--file", str(path))
    assert CalendarDay.objects.filter(date__year=2027).count() == 4


def test_the_command_retimes_open_requests_counted_provisionally(tmp_path, capsys):
    from linli.cases.models import RequestEvent, ServiceRequest
    from linli.core.models import User

    year = timezone.localdate().year + 1  # not loaded: its deadlines are provisional
    saturday = next(dt.date(year, 1, d) for d in range(4, 11) if dt.date(year, 1, d).weekday() == 5)
    wednesday = next(d for d in range(11, 18) if dt.date(year, 1, d).weekday() == 2)  # before any 春节
    resident = User.objects.create_user(username="r", role="resident")
    kind = RequestType.objects.create(code="card", name="卡", deadline_days=20, handling_level="community")
    request = ServiceRequest.objects.create(
        request_type=kind, resident=resident, filed_by=resident, area_code="990102001001", description="x",
        level="community", state="in_progress", submitted_at=timezone.now(), deadline_at=at(year, 1, wednesday, 10),
    )  # fmt: skip
    path = tmp_path / "next.csv"
    path.write_text(f"date,kind,name\n{year}-01-01,休,元旦\n{saturday.isoformat()},班,调休\n", encoding="utf-8")
    call_command("calendar_load", "--file", str(path))
    assert "1 open requests re-timed" in capsys.readouterr().out
    request.refresh_from_db()
    assert request.deadline_at == at(year, 1, wednesday - 1, 10)  # the make-up Saturday counts: a day sooner
    assert RequestEvent.objects.filter(request=request, action="retime").count() == 1
