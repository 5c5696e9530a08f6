"""`OpeningHours`: the one place that decides when a facility is open - rules, dated exceptions and the
official holidays for a date range, loaded in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from linli.core.models import CalendarDay
from linli.facilities.hours import OpeningHours, hours_text
from linli.facilities.models import Facility, OpeningException, OpeningRule

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = dt.date(2026, 11, 23)
NATIONAL_DAY = dt.date(2026, 10, 1)  # a Thursday


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day.isoformat()}T{hhmm}").replace(tzinfo=SHANGHAI)


def copy(facility: Facility, n: int, *, closes_on_holidays: bool) -> Facility:
    return Facility.objects.create(
        code=f"{facility.code}-{n}", name=f"{facility.name}{n}", facility_type=facility.facility_type,
        area=facility.area, area_code=facility.area_code, lon=facility.lon, lat=facility.lat,
        closed_on_public_holidays=closes_on_holidays,
    )  # fmt: skip


def weekly(facility: Facility) -> None:
    for weekday in range(7):
        OpeningRule.objects.create(facility=facility, weekday=weekday, opens=dt.time(14), closes=dt.time(17))
        OpeningRule.objects.create(facility=facility, weekday=weekday, opens=dt.time(8, 30), closes=dt.time(11, 30))


@pytest.fixture
def centre(registry):
    facility = registry["facility"]
    facility.closed_on_public_holidays = True
    facility.save(update_fields=["closed_on_public_holidays"])
    weekly(facility)
    CalendarDay.objects.create(date=NATIONAL_DAY, kind=CalendarDay.Kind.HOLIDAY, name="国庆节")
    CalendarDay.objects.create(date=NATIONAL_DAY + dt.timedelta(days=1), kind=CalendarDay.Kind.HOLIDAY, name="")
    return facility


def test_weekly_rules_sorted_and_the_questions_that_use_them(centre):
    hours = OpeningHours.for_facilities([centre], MONDAY, MONDAY)
    assert hours.spans(centre.pk, MONDAY) == [(dt.time(8, 30), dt.time(11, 30)), (dt.time(14), dt.time(17))]
    assert hours_text(hours.spans(centre.pk, MONDAY)) == "08:30–11:30, 14:00–17:00"
    assert hours.is_open(centre.pk, at(MONDAY, "09:00")) and not hours.is_open(centre.pk, at(MONDAY, "12:00"))
    assert not hours.is_open(centre.pk, at(MONDAY, "17:00"))  # closing time is closed
    assert hours.within(centre.pk, at(MONDAY, "14:00"), at(MONDAY, "17:00"))
    assert not hours.within(centre.pk, at(MONDAY, "11:00"), at(MONDAY, "14:30"))  # across the lunch break
    assert not hours.within(centre.pk, at(MONDAY, "16:00"), at(MONDAY + dt.timedelta(days=1), "09:00"))
    assert hours.closure(centre.pk, MONDAY) is None and hours.has_rules(centre.pk)


def test_holidays_close_only_facilities_that_close_on_holidays(centre):
    open_anyway = copy(centre, 2, closes_on_holidays=False)
    weekly(open_anyway)
    day = NATIONAL_DAY
    hours = OpeningHours.for_facilities([centre, open_anyway.pk], day, day + dt.timedelta(days=1))
    assert hours.spans(centre.pk, day) == [] and hours.closure_reason(centre.pk, day) == "国庆节"
    assert hours.closure(centre.pk, day).kind == "holiday"
    with translation.override("en"):  # an unnamed holiday
        assert hours.closure_reason(centre.pk, day + dt.timedelta(days=1)) == "public holiday"
    assert hours.has_own_hours(centre.pk, day) and not hours.has_own_hours(open_anyway.pk, day)
    assert len(hours.spans(open_anyway.pk, day)) == 2 and hours.closure(open_anyway.pk, day) is None


def test_a_dated_exception_wins_over_the_holiday_and_the_weekly_rules(centre):
    OpeningException.objects.create(
        facility=centre, date=NATIONAL_DAY, closed=False, opens=dt.time(9), closes=dt.time(12), reason="国庆值班"
    )
    hours = OpeningHours.for_facilities([centre], NATIONAL_DAY, NATIONAL_DAY)
    assert hours.spans(centre.pk, NATIONAL_DAY) == [(dt.time(9), dt.time(12))]
    assert hours.closure(centre.pk, NATIONAL_DAY) is None


def test_a_closed_day_gives_the_first_reason_given(centre):
    """The two former copies disagreed: the activity check took the first closed exception's reason even
    when it was empty, the opening status the first reason given. The reason given wins, everywhere."""
    OpeningException.objects.create(facility=centre, date=MONDAY, closed=True, reason="")
    OpeningException.objects.create(facility=centre, date=MONDAY, closed=True, reason="设备检修")
    OpeningException.objects.create(
        facility=centre, date=MONDAY, closed=False, opens=dt.time(9), closes=dt.time(10), reason="ignored"
    )
    hours = OpeningHours.for_facilities([centre], MONDAY, MONDAY)
    assert hours.spans(centre.pk, MONDAY) == []  # any closed exception closes the day
    assert hours.closure_reason(centre.pk, MONDAY) == "设备检修"
    assert hours.has_own_hours(centre.pk, MONDAY)


def test_a_day_outside_the_loaded_range_is_an_error_not_closed(centre):
    hours = OpeningHours.for_facilities([centre], MONDAY, MONDAY)
    with pytest.raises(ValueError, match="outside the loaded range"):
        hours.spans(centre.pk, MONDAY + dt.timedelta(days=1))
    with pytest.raises(ValueError):
        OpeningHours.for_facilities([centre], MONDAY, MONDAY - dt.timedelta(days=1))


def test_loading_takes_the_same_queries_for_one_facility_or_many(centre):
    with CaptureQueriesContext(connection) as one:
        OpeningHours.for_facilities([centre.pk], NATIONAL_DAY, MONDAY)
    many = [centre.pk] + [copy(centre, n, closes_on_holidays=n % 2 == 0).pk for n in range(2, 10)]
    for pk in many:
        weekly(Facility.objects.get(pk=pk))
    with CaptureQueriesContext(connection) as nine:
        hours = OpeningHours.for_facilities(many, NATIONAL_DAY, MONDAY)
    assert len(one.captured_queries) == len(nine.captured_queries) == 4
    assert [hours.spans(pk, NATIONAL_DAY) == [] for pk in many[1:]] == [n % 2 == 0 for n in range(2, 10)]
