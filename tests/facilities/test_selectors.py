"""Opening status now, the standard check item by item, and the public search near a point."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from linli.catalog.models import Offering
from linli.catalog.selectors import facility_compliance
from linli.core.models import CalendarDay
from linli.facilities.models import OpeningException, OpeningRule
from linli.facilities.selectors import facilities_near, opening_status

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hhmm: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=SHANGHAI)


@pytest.fixture
def hours(registry):
    facility = registry["facility"]
    for weekday in range(7):
        OpeningRule.objects.create(facility=facility, weekday=weekday, opens=dt.time(8, 30), closes=dt.time(11, 30))
        OpeningRule.objects.create(facility=facility, weekday=weekday, opens=dt.time(14, 0), closes=dt.time(21, 0))
    return facility


@pytest.mark.parametrize(
    ("moment", "open_now", "text"),
    [
        (("2026-11-24", "09:00"), True, "Open until 11:30"),
        (("2026-11-24", "12:00"), False, "Opens at 14:00"),
        (("2026-11-24", "20:59"), True, "Open until 21:00"),
        (("2026-11-24", "21:30"), False, "Closed for today"),
    ],
)
def test_status_through_the_day(hours, moment, open_now, text):
    with translation.override("en"):
        status = opening_status(hours, at(*moment))
    assert (status.open_now, status.text) == (open_now, text)


def test_public_holiday_closes_only_facilities_that_close_on_holidays(hours):
    CalendarDay.objects.create(date=dt.date(2026, 10, 1), kind="holiday", name="国庆节")
    with translation.override("en"):
        assert opening_status(hours, at("2026-10-01", "09:00")).open_now
        hours.closed_on_public_holidays = True
        status = opening_status(hours, at("2026-10-01", "09:00"))
    assert not status.open_now and status.text == "Closed today: 国庆节"


def test_dated_exception_wins(hours):
    OpeningException.objects.create(facility=hours, date=dt.date(2026, 11, 25), closed=True, reason="设备检修")
    with translation.override("en"):
        status = opening_status(hours, at("2026-11-25", "09:00"))
    assert not status.open_now and status.text == "Closed today: 设备检修"


def test_compliance_item_by_item(registry):
    facility = registry["facility"]
    for item in ("reading", "clinic"):
        Offering.objects.create(facility=facility, item=registry[item], area_code=facility.area_code)
    with translation.override("en"):
        result = facility_compliance(facility)
        summary = result.summary("社区级邻里中心")
    assert not result.ok
    failing = {c.rule for c in result.failures}
    assert failing == {"domains", "required_item", "floor_area", "staff", "capacity"}
    assert summary.startswith("社区级邻里中心: 2 of 4 domains offered")
    assert "floor area 450 m² below the 600 m² standard" in summary and "no 老年助餐" in summary
    assert "over capacity: 120 registered for 100 places" in summary

    for item in ("meals", "sports"):
        Offering.objects.create(facility=facility, item=registry[item], area_code=facility.area_code)
    facility.floor_area_m2, facility.staff_count, facility.served_persons = 650, 3, 90
    assert facility_compliance(facility).ok


def test_near_me_sorted_by_distance_and_filtered_by_domain(registry):
    facility = registry["facility"]
    Offering.objects.create(facility=facility, item=registry["meals"], area_code=facility.area_code)
    found = facilities_near(lon=120.0, lat=30.0, radius_m=2000)
    assert [n.facility.code for n in found] == [facility.code]
    # 0.005° north (556.6 m) and 0.005° east at 30°N (482.0 m): 736.3 m in a straight line.
    assert found[0].distance_m == pytest.approx(736.3, abs=1.5)
    assert facilities_near(lon=120.0, lat=30.0, radius_m=500) == []
    assert facilities_near(lon=120.0, lat=30.0, domain="elderly")
    assert facilities_near(lon=120.0, lat=30.0, domain="culture")  # the type serves culture
    assert not facilities_near(lon=120.0, lat=30.0, domain="education")
    facility.status = "planned"
    facility.save()
    assert facilities_near(lon=120.0, lat=30.0, radius_m=2000) == []


def test_near_me_keeps_a_facility_just_inside_the_radius_due_north(registry):
    """The database pre-filter box is the engine's (`bounding_box`, the same sphere as `haversine`); the box
    written here before (111,320 m a degree) was 0.1 % short and lost this facility."""
    facility = registry["facility"]
    radius = 2000.0
    facility.lon, facility.lat = 120.0, 30.0 + 0.9995 * radius / 6_371_008.8 * 57.29577951308232
    facility.save()
    found = facilities_near(lon=120.0, lat=30.0, radius_m=radius)
    assert [n.facility.code for n in found] == [facility.code]
    assert found[0].distance_m == pytest.approx(0.9995 * radius, rel=1e-6)
