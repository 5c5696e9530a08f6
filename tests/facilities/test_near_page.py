"""The residents' page: services near me, by community or by point, filtered by domain."""

from __future__ import annotations

from linli.catalog.models import Offering
from tests.conftest import login


def test_pick_a_community_and_see_what_is_near(client, registry):
    Offering.objects.create(
        facility=registry["facility"], item=registry["meals"], area_code="990102001001", schedule="每天午餐"
    )
    page = client.get("/services/?area=990102001001&radius=1000").content.decode()
    assert 'data-code="F990102001001-01"' in page
    assert "老年助餐" in page and "每天午餐" in page
    assert 'data-testid="opening-status"' in page


def test_domain_filter_and_distance(client, registry):
    page = client.get("/services/?lon=120.0&lat=30.0&radius=1000&domain=education").content.decode()
    assert 'data-code="F990102001001-01"' not in page
    page = client.get("/services/?lon=120.0&lat=30.0&radius=1000&domain=culture").content.decode()
    assert 'data-metres="735">735 m<' in page
    page = client.get("/services/?lon=120.0&lat=30.0&radius=500").content.decode()
    assert 'data-code="F990102001001-01"' not in page


def test_a_resident_starts_from_home(client, registry, users):
    login(client, users["resident"])
    page = client.get("/services/").content.decode()
    assert 'value="990102001001" selected' in page and 'data-code="F990102001001-01"' in page


def test_unknown_area_is_a_clear_message(client, registry):
    client.cookies["django_language"] = "en"
    page = client.get("/services/?area=990102009999").content.decode()
    assert "No such area." in page


def test_the_calendar_is_read_once_for_the_whole_list(client, registry):
    """Services near me: the opening status of every place comes from one load of the hours, so the
    queries do not grow with the number of places listed (formerly one calendar read per place)."""
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from linli.core.models import CalendarDay
    from linli.facilities.models import Facility, OpeningRule

    first = registry["facility"]
    today = timezone.localdate()
    CalendarDay.objects.create(date=today, kind=CalendarDay.Kind.HOLIDAY, name="测试节")

    def add(n: int) -> None:
        facility = Facility.objects.create(
            code=f"F990102001001-{n:02d}", name=f"邻里中心{n}", facility_type=first.facility_type, area=first.area,
            area_code=first.area_code, lon=first.lon + n * 0.0001, lat=first.lat, closed_on_public_holidays=True,
        )  # fmt: skip
        OpeningRule.objects.create(facility=facility, weekday=today.weekday(), opens=dt.time(0), closes=dt.time(23, 59))

    url = "/services/?lon=120.0&lat=30.0&radius=2000"
    add(2)
    with CaptureQueriesContext(connection) as two:
        page = client.get(url).content.decode()
    assert page.count('data-testid="opening-status"') == 2
    for n in range(3, 9):
        add(n)
    with CaptureQueriesContext(connection) as eight:
        page = client.get(url).content.decode()
    assert page.count('data-testid="opening-status"') == 8 and "测试节" in page
    assert len(eight.captured_queries) == len(two.captured_queries)
    calendar = [q for q in eight.captured_queries if "core_calendarday" in q["sql"]]
    assert len(calendar) == 1
