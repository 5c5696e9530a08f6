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
