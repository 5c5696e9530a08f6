"""Catalogue pages: service items and facility types with their tier standards, changed by district staff
through the services (audited; a refusal names the field and writes nothing)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from linli.catalog.models import Offering, ServiceItem, TierStandard
from linli.catalog.selectors import facility_compliance
from linli.core.models import AuditLog
from tests.conftest import login
from tests.facilities import conftest as facilities_conftest

registry = facilities_conftest.registry  # the small registry of tests/facilities, as a fixture here too


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def field_errors(response, field: str) -> list[str]:
    return re.findall(rf'data-testid="field-error" data-field="{field}">([^<]*)<', response.content.decode())


def item_form(**changes) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "day-care", "name": "日间照料", "domain": "elderly", "service_class": "basic", "fee_type": "subsidised",
        "fee_amount": "15", "fee_unit": "per day", "target_groups": ["elderly"], "min_age": "60",
        "host_types": ["nc-community"],
    }  # fmt: skip
    data.update(changes)
    return data


def type_form(registry, **changes) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "社区级邻里中心", "family": "neighbourhood_centre", "tier": "社区级", "setting": "urban",
        "service_radius_m": "500", "domains": ["culture", "elderly", "health"], "sort_order": "0",
        "required_domains": [], "min_domains": "4", "required_items": ["elderly-meals"], "min_floor_area_m2": "600",
        "min_staff": "3",
    }  # fmt: skip
    data.update(changes)
    return data


def test_item_list_filters(client, registry, users):
    login(client, users["community"])
    page = client.get(reverse("catalog-item-list"), {"domain": "elderly"}).content.decode()
    assert "老年助餐" in page and "图书借阅" not in page
    assert reverse("catalog-item-create") not in page  # community staff may not change the catalogue
    page = client.get(reverse("catalog-item-list"), {"q": "图书"}).content.decode()
    assert "图书借阅" in page and "老年助餐" not in page
    assert client.get(reverse("catalog-item-create")).status_code == 403


def test_item_create_and_edit_audited(client, registry, users):
    login(client, users["district"])
    assert client.get(reverse("catalog-item-create")).status_code == 200
    assert client.post(reverse("catalog-item-create"), item_form()).status_code == 302
    item = ServiceItem.objects.get(code="day-care")
    assert [t.code for t in item.host_types.all()] == ["nc-community"] and item.min_age == 60
    assert AuditLog.objects.filter(object_type="catalog.serviceitem", object_id="day-care", action="create").exists()
    url = reverse("catalog-item-edit", args=["day-care"])
    assert 'value="日间照料"' in client.get(url).content.decode()
    response = client.post(
        url,
        item_form(
            code="ignored", name="日间照料中心", fee_amount="15.00", host_types=["nc-community", "primary-school"]
        ),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.code == "day-care" and item.name == "日间照料中心" and item.host_types.count() == 2
    log = AuditLog.objects.get(object_type="catalog.serviceitem", object_id="day-care", action="update")
    assert log.fields == ["host_types", "name"]


def test_item_bad_input_named(client, registry, users):
    login(client, users["district"])
    response = client.post(reverse("catalog-item-create"), item_form(fee_type="free", min_age="x", domain="music"))
    assert response.status_code == 400
    assert "no fee amount" in field_errors(response, "fee_amount")[0]
    assert "not a number" in field_errors(response, "min_age")[0]
    assert "unknown value" in field_errors(response, "domain")[0]
    assert 'value="日间照料"' in response.content.decode()
    response = client.post(reverse("catalog-item-create"), item_form(code="reading"))
    assert "exists" in field_errors(response, "code")[0]
    assert not ServiceItem.objects.filter(name="日间照料").exists()
    assert not AuditLog.objects.filter(object_type="catalog.serviceitem").exists()


def test_removing_a_host_type_still_offered_is_refused(client, registry, users):
    Offering.objects.create(facility=registry["facility"], item=registry["reading"], area_code="990102001001")
    login(client, users["district"])
    url = reverse("catalog-item-edit", args=["reading"])
    response = client.post(url, {"code": "reading", "name": "图书借阅", "domain": "culture", "service_class": "basic",
                                 "fee_type": "free", "host_types": ["primary-school"]})  # fmt: skip
    assert response.status_code == 400
    assert "东湖邻里中心" in field_errors(response, "host_types")[0]
    assert registry["reading"].host_types.count() == 2


def test_type_list_summarises_the_standard(client, registry, users):
    login(client, users["town"])
    page = client.get(reverse("facility-type-list")).content.decode()
    text = re.sub(r"\s+", " ", page)
    assert "at least 4 domains" in text and "老年助餐" in text and "floor area ≥ 600 m²" in text
    assert "no standard set" in text  # the school has none
    assert reverse("facility-type-edit", args=["nc-community"]) not in page
    assert client.get(reverse("facility-type-edit", args=["nc-community"])).status_code == 403


def test_type_and_standard_edit_audited(client, registry, users):
    login(client, users["district"])
    url = reverse("facility-type-edit", args=["nc-community"])
    assert 'value="600"' in client.get(url).content.decode()
    data = type_form(
        registry, service_radius_m="800", min_floor_area_m2="400", required_items=["elderly-meals", "clinic"]
    )
    response = client.post(url, data)
    assert response.status_code == 302
    registry["centre"].refresh_from_db()
    assert registry["centre"].service_radius_m == 800
    standard = TierStandard.objects.get(facility_type=registry["centre"])
    assert standard.min_floor_area_m2 == 400
    assert sorted(i.code for i in standard.required_items.all()) == ["clinic", "elderly-meals"]
    log = AuditLog.objects.get(object_type="facilities.facilitytype", object_id="nc-community")
    assert log.fields == ["service_radius_m"] and log.detail["service_radius_m"] == ["500", "800"]
    log = AuditLog.objects.get(object_type="catalog.tierstandard", object_id="nc-community")
    assert log.fields == ["min_floor_area_m2", "required_items"]
    # The facility now meets the floor-area standard of its type.
    checks = {c.rule: c for c in facility_compliance(registry["facility"]).checks}
    assert checks["floor_area"].ok


def test_type_and_standard_errors_shown_together_nothing_written(client, registry, users):
    login(client, users["district"])
    url = reverse("facility-type-edit", args=["nc-community"])
    data = type_form(registry, name="", service_radius_m="10", min_domains="9", recommended_floor_area_m2="100",
                     required_items=["elderly-meals", "no-such-item"])  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 400
    assert field_errors(response, "name") == ["required"]
    assert "50 to 20000" in field_errors(response, "service_radius_m")[0]
    assert "only 6 domains" in field_errors(response, "min_domains")[0]
    assert "below the minimum" in field_errors(response, "recommended_floor_area_m2")[0]
    assert "unknown service item" in field_errors(response, "required_items")[0]
    registry["centre"].refresh_from_db()
    assert registry["centre"].service_radius_m == 500
    assert not AuditLog.objects.filter(object_type__in=["facilities.facilitytype", "catalog.tierstandard"]).exists()


def test_standard_item_the_type_cannot_host_refused(client, registry, users):
    login(client, users["district"])
    url = reverse("facility-type-edit", args=["primary-school"])
    data = {"name": "小学", "family": "education", "setting": "urban", "domains": ["education"],
            "required_items": ["elderly-meals"]}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 400
    assert "小学 cannot host 老年助餐" in field_errors(response, "required_items")[0]
    assert not TierStandard.objects.filter(facility_type=registry["school"]).exists()
    # Saving the type without any standard value leaves it without a standard.
    assert client.post(url, {**data, "required_items": [], "service_radius_m": "1000"}).status_code == 302
    assert not TierStandard.objects.filter(facility_type=registry["school"]).exists()
    response = client.post(url, {**data, "required_items": ["reading"], "min_floor_area_m2": "3000"})
    assert response.status_code == 302
    log = AuditLog.objects.get(object_type="catalog.tierstandard", object_id="primary-school")
    assert log.action == "create"
