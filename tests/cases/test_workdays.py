"""Working days follow the official 2026 calendar: holidays are rest days, make-up Saturdays count; a year
whose calendar is not loaded runs provisionally on the statutory holidays until it is, and loading it
re-times the open requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.cases.enums import EventAction, RequestState
from linli.cases.models import RequestEvent, RequestType, ServiceRequest
from linli.cases.services import requests_retime
from linli.cases.workdays import (
    WorkCalendar,
    add_working_days,
    add_working_time,
    calendar_missing_years,
    working_days_between,
    working_time_between,
)
from linli.core.calendar import calendar_file_load, calendar_load, statutory_days
from linli.core.models import User


def at(*args: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def cal2026(db):
    calendar_load([2026])


def test_five_working_days_before_national_day_land_after_it(cal2026):
    # Wed 30 Sep 10:00 + 5: Thu 8 Oct, Fri 9 Oct, Sat 10 Oct (make-up working day), Mon 12, Tue 13 Oct.
    assert add_working_days(at(2026, 9, 30, 10), 5) == at(2026, 10, 13, 10)
    assert add_working_days(at(2026, 9, 30, 10), 1) == at(2026, 10, 8, 10)


def test_make_up_saturday_counts_and_ordinary_weekend_does_not(cal2026):
    assert add_working_days(at(2026, 10, 9, 9), 1) == at(2026, 10, 10, 9)  # Sat 10 Oct is a working day
    assert add_working_days(at(2026, 10, 16, 9), 1) == at(2026, 10, 19, 9)  # Fri -> Mon
    assert working_days_between(at(2026, 10, 9), at(2026, 10, 12)) == 2  # Fri + make-up Sat
    assert working_days_between(at(2026, 10, 16), at(2026, 10, 19)) == 1  # Fri only


def test_start_on_a_rest_day_counts_from_the_next_working_day(cal2026):
    # Sat 3 Oct (holiday): 1 working day is the whole of Thu 8 Oct.
    assert add_working_days(at(2026, 10, 3, 15), 1) == at(2026, 10, 9, 0)
    assert add_working_days(at(2026, 10, 3, 15), 0) == at(2026, 10, 3, 15)


def test_between_is_the_inverse_of_add_and_signed(cal2026):
    start = at(2026, 9, 24, 13, 30)  # Thu before the Mid-autumn Festival
    end = add_working_time(start, dt.timedelta(days=3, hours=5))
    assert working_time_between(start, end) == dt.timedelta(days=3, hours=5)
    assert working_time_between(end, start) == -dt.timedelta(days=3, hours=5)
    assert working_days_between(at(2026, 10, 1), at(2026, 10, 8)) == 0  # the whole National Day week


def test_statutory_days_are_within_the_official_holidays_of_known_years():
    import chinese_calendar

    for year in (2025, 2026):
        official = {d for d in chinese_calendar.holidays if d.year == year}
        days = statutory_days(year)
        assert set(days) <= official, year  # the law's days (and its 补假) are part of every notice
        assert len(days) >= 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3 days, more where one falls on a weekend
    days = statutory_days(2027)
    assert days[dt.date(2027, 2, 5)] == "春节" and days[dt.date(2027, 2, 8)] == "春节"  # 除夕 Fri 5 Feb .. 初三 Mon
    assert days[dt.date(2027, 2, 9)] == days[dt.date(2027, 2, 10)] == "春节"  # 初一/初二 on Sat/Sun made up
    assert days[dt.date(2027, 9, 15)] == "中秋节" and days[dt.date(2027, 6, 9)] == "端午节"
    assert dt.date(2027, 10, 4) in days and dt.date(2027, 10, 5) in days  # 2-3 Oct on the weekend, made up


def test_a_year_without_calendar_runs_on_the_statutory_holidays_provisionally(cal2026):
    assert calendar_missing_years({2026, 2027}) == [2027]
    calendar = WorkCalendar()
    # Mon 28 Dec 2026 9:00 + 5: Tue, Wed, Thu 31 Dec, (Fri 1 Jan 2027 元旦, weekend), Mon 4, Tue 5 Jan
    assert add_working_days(at(2026, 12, 28, 9), 5, calendar) == at(2027, 1, 5, 9)
    assert calendar.provisional == {2027}
    assert calendar.is_provisional(at(2027, 1, 5, 9)) and not calendar.is_provisional(at(2026, 12, 30))


def test_loading_the_year_retimes_open_requests_with_provisional_deadlines(cal2026, tmp_path):
    resident = User.objects.create_user(username="r", role="resident", home_area_code="990102001001")
    kind = RequestType.objects.create(code="card", name="卡", deadline_days=20, handling_level="community")
    now = at(2026, 12, 21, 10)  # Monday
    before = WorkCalendar().preload([2027])  # what the deadlines were computed with: 2027 provisional

    def filed(state: str, **extra) -> ServiceRequest:
        return ServiceRequest.objects.create(
            request_type=kind, resident=resident, filed_by=resident, area_code="990102001001", description="x",
            level="community", state=state, submitted_at=now, deadline_at=add_working_days(now, 20, before), **extra,
        )  # fmt: skip

    running = filed(RequestState.IN_PROGRESS)
    waiting = filed(RequestState.WAITING, paused_at=at(2026, 12, 22, 10))
    closed = filed(RequestState.CLOSED)
    # provisional: 1 Jan the only rest day on a weekday -> 20 working days end Tue 19 Jan 2027 10:00
    assert running.deadline_at == at(2027, 1, 19, 10)
    # the notice (test data, not the official one): 1-3 Jan off, Saturday 9 Jan a make-up working day
    path = tmp_path / "2027.csv"
    path.write_text("date,kind,name\n2027-01-01,休,元旦\n2027-01-02,休,元旦\n2027-01-03,休,元旦\n2027-01-09,班,元旦\n")
    calendar_file_load(path)
    assert requests_retime(years=[2027], before=before, now=now) == 2
    for request in (running, waiting, closed):
        request.refresh_from_db()
    assert running.deadline_at == at(2027, 1, 18, 10)  # Saturday 9 Jan counts: one day earlier
    # paused on Tue 22 Dec with 19 working days left: it keeps them, on the official calendar
    assert waiting.deadline_at == at(2027, 1, 18, 10)
    assert working_days_between(waiting.paused_at, waiting.deadline_at) == 19
    assert closed.deadline_at == at(2027, 1, 19, 10)  # closed requests are not touched
    event = RequestEvent.objects.get(request=running, action=EventAction.RETIME)
    assert dt.datetime.fromisoformat(event.detail["deadline_before"]) == at(2027, 1, 19, 10)
    assert event.detail["working_hours_left"] == 20 * 24
    assert requests_retime(years=[2027], before=WorkCalendar(), now=now) == 0  # nothing moves twice


def test_a_paused_request_is_retimed_even_when_the_notice_comes_after_its_old_deadline(cal2026, tmp_path):
    resident = User.objects.create_user(username="r", role="resident", home_area_code="990102001001")
    kind = RequestType.objects.create(code="card", name="卡", deadline_days=20, handling_level="community")
    before = WorkCalendar().preload([2027])
    waiting = ServiceRequest.objects.create(
        request_type=kind, resident=resident, filed_by=resident, area_code="990102001001", description="x",
        level="community", state=RequestState.WAITING, submitted_at=at(2026, 12, 21, 10),
        paused_at=at(2026, 12, 22, 10), deadline_at=at(2027, 1, 19, 10),
    )  # fmt: skip
    path = tmp_path / "2027.csv"
    path.write_text("date,kind,name\n2027-01-01,休,元旦\n2027-01-09,班,元旦\n")
    calendar_file_load(path)
    # loaded on 25 Jan, after the old deadline; the clock is paused, so the time left still counts
    assert requests_retime(years=[2027], before=before, now=at(2027, 1, 25, 9)) == 1
    waiting.refresh_from_db()
    assert waiting.deadline_at == at(2027, 1, 18, 10)
