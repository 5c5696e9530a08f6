"""Working days follow the official 2026 calendar: holidays are rest days, make-up Saturdays count, a year
whose calendar is not loaded is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.cases.workdays import (
    CalendarNotLoaded,
    add_working_days,
    add_working_time,
    calendar_missing_years,
    working_days_between,
    working_time_between,
)
from linli.core.calendar import calendar_load


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


def test_a_year_without_calendar_is_refused(cal2026):
    assert calendar_missing_years({2026, 2027}) == [2027]
    with pytest.raises(CalendarNotLoaded) as exc:
        add_working_days(at(2026, 12, 28, 9), 10)
    assert exc.value.code == "calendar_not_loaded" and exc.value.extra == {"year": 2027}
    assert "2027" in str(exc.value.message)
