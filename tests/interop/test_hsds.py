"""The HSDS 3.0 directory: schema validity, the page wrapper, filters, what is (not) published, stable ids,
and a constant number of queries per page."""

from __future__ import annotations

import json
from datetime import time
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft202012Validator

from linli.areas.models import Area
from linli.catalog.enums import Domain, FeeType, ServiceClass
from linli.catalog.models import Offering, ServiceItem
from linli.facilities.enums import ConstructionStatus, FacilityFamily, OperationModel, OperatorKind
from linli.facilities.models import Facility, FacilityType, OpeningRule, Operator
from linli.facilities.validators import credit_code_check_char
from linli.interop.hsds import TAXONOMIES, hsds_id

SCHEMAS = Path("/work/shared/reference/hsds-3.0")
URL = "/api/hsds"
CONTACT_PHONE = "13912345678"


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def definition_validator(name: str) -> Draft202012Validator:
    definitions = json.loads((SCHEMAS / "service_with_definitions.json").read_text())["definitions"]
    schema = {"$ref": f"#/definitions/{name}", "definitions": definitions}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_the_validators_check_nested_objects_and_formats():
    service = {"id": hsds_id("service", 1), "name": "x", "status": "active"}
    assert validator("service").is_valid(service)
    assert not validator("service").is_valid(service | {"id": "1"})
    nested = {"service_at_locations": [{"id": service["id"], "location": {}}]}  # a location needs its type
    assert not validator("service").is_valid(service | nested)


def assert_valid(name: str, data: dict) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(name).iter_errors(data)]
    assert not errors, errors


def make_facility(code: str, area_code: str, facility_type: FacilityType, **extra) -> Facility:
    area = Area.objects.get(code=area_code)
    return Facility.objects.create(
        code=code, facility_type=facility_type, area=area, area_code=area_code, lon=120.005, lat=30.005, **extra
    )


def week(facility: Facility, days: range, opens: time, closes: time) -> None:
    OpeningRule.objects.bulk_create(
        OpeningRule(facility=facility, weekday=day, opens=opens, closes=closes) for day in days
    )


@pytest.fixture
def registry(area_tree) -> dict:
    """An operator running 东湖 centre, a government-run centre in 西山, a planned centre, an inactive offering."""
    centre = FacilityType.objects.create(
        code="community-centre",
        name="社区级邻里中心",
        family=FacilityFamily.NEIGHBOURHOOD_CENTRE,
        living_circle="15min",
        service_radius_m=1000,
    )
    first17 = "52330102MJ1234567"
    operator = Operator.objects.create(
        name="邻里社工服务中心",
        kind=OperatorKind.SOCIAL_ORG,
        credit_code=first17 + credit_code_check_char(first17),
        area_code="990102000000",
        contact_name="张三",
        contact_phone=CONTACT_PHONE,
        website="https://linli.example.org",
    )
    donghu = make_facility(
        "F001",
        "990102001001",
        centre,
        name="东湖邻里中心",
        address="东湖路 1 号",
        operator=operator,
        operation_model=OperationModel.PURCHASE,
        accessibility=["ramp", "lift"],
        phone="0571-12345678",
        closed_on_public_holidays=True,
    )
    week(donghu, range(5), time(9), time(17))
    week(donghu, range(5, 6), time(9), time(12))
    xishan = make_facility("F002", "990102002001", centre, name="西山邻里中心")
    week(xishan, range(1, 2), time(8, 30), time(11, 30))
    week(xishan, range(1, 2), time(14), time(17))
    planned = make_facility(
        "F003", "990102001002", centre, name="湖滨邻里中心", operator=operator, status=ConstructionStatus.PLANNED
    )
    meals = ServiceItem.objects.create(
        code="meals",
        name="老年助餐",
        domain=Domain.ELDERLY,
        content="为老年人提供午餐。",
        min_age=60,
        target_groups=["elderly"],
        fee_type=FeeType.SUBSIDISED,
        fee_amount=Decimal("10.00"),
        fee_unit="每餐",
    )
    books = ServiceItem.objects.create(code="books", name="图书借阅", domain=Domain.CULTURE)
    talks = ServiceItem.objects.create(
        code="talks", name="健康讲座", domain=Domain.HEALTH, service_class=ServiceClass.INCLUSIVE
    )
    offerings = {
        "meals": Offering.objects.create(facility=donghu, item=meals, area_code=donghu.area_code),
        "books": Offering.objects.create(facility=donghu, item=books, area_code=donghu.area_code, schedule="每天"),
        "xishan_books": Offering.objects.create(facility=xishan, item=books, area_code=xishan.area_code),
        "inactive": Offering.objects.create(facility=xishan, item=talks, area_code=xishan.area_code, active=False),
        "planned": Offering.objects.create(facility=planned, item=meals, area_code=planned.area_code),
    }
    return {"operator": operator, "donghu": donghu, "xishan": xishan, "planned": planned, **offerings}


def get(client, path: str, status: int = 200, **params):
    response = client.get(URL + path, params)
    assert response.status_code == status, response.content
    return response.json()


def test_root_tells_the_hsds_version(client):
    info = get(client, "/")
    assert info["version"] == "3.0"
    assert info["openapi_url"].endswith("/api/openapi.json")


def test_openapi_lists_the_endpoints_under_the_hsds_tag(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ["/", "/services", "/services/{id}", "/organizations/{id}", "/service_at_locations/{id}"]:
        operation = paths[URL + path]["get"]
        assert operation["tags"] == ["HSDS 3.0"]
    names = {p["name"] for p in paths[URL + "/services"]["get"]["parameters"]}
    assert {"search", "page", "per_page", "taxonomy_term_id", "taxonomy_id", "organization_id"} <= names


def test_services_validate_against_the_schema(client, registry):
    for full in (False, True):
        page = get(client, "/services", full=full)
        assert page["total_items"] == 3
        for service in page["contents"]:
            assert_valid("service", service)
            assert_valid("service", get(client, f"/services/{service['id']}"))
    meals = get(client, f"/services/{hsds_id('service', registry['meals'].pk)}")
    assert meals["name"] == "老年助餐"
    assert meals["description"] == "为老年人提供午餐。"
    assert meals["status"] == "active"
    assert meals["minimum_age"] == 60
    assert meals["organization_id"] == hsds_id("organization", registry["operator"].pk)
    assert meals["cost_options"][0] | {"id": None} == {
        "id": None,
        "service_id": meals["id"],
        "option": "低偿",
        "currency": "CNY",
        "amount": 10.0,
        "amount_description": "每餐",
    }
    assert meals["languages"][0]["code"] == "zh"
    assert {a["taxonomy_term"]["code"] for a in meals["attributes"]} == {"elderly", "basic"}
    location = meals["service_at_locations"][0]["location"]
    assert (location["latitude"], location["longitude"]) == (30.005, 120.005)
    assert location["addresses"][0] | {"id": None, "location_id": None} == {
        "id": None,
        "location_id": None,
        "address_1": "东湖路 1 号",
        "address_2": "东湖街道东湖社区",
        "city": "示范市",
        "region": "邻里区",
        "state_province": "示范省",
        "postal_code": "",
        "country": "CN",
        "address_type": "physical",
    }
    schedules = {(s["byday"], s["opens_at"], s["closes_at"]) for s in location["schedules"]}
    assert schedules == {("MO,TU,WE,TH,FR", "09:00+08:00", "17:00+08:00"), ("SA", "09:00+08:00", "12:00+08:00")}
    assert {a["description"] for a in location["accessibility"]} == {"坡道", "电梯"}
    assert location["phones"][0]["number"] == "0571-12345678"


def test_organizations_validate_and_leave_out_the_contact_person(client, registry):
    for params in ({}, {"full": True}, {"full": True, "full_service": True}):
        for organization in get(client, "/organizations", **params)["contents"]:
            assert_valid("organization", organization)
    operator_id = hsds_id("organization", registry["operator"].pk)
    for full_service in (False, True):
        detail = get(client, f"/organizations/{operator_id}", full_service=full_service)
        assert_valid("organization", detail)
        assert CONTACT_PHONE not in json.dumps(detail) and "张三" not in json.dumps(detail, ensure_ascii=False)
    assert detail["organization_identifiers"][0]["identifier"] == registry["operator"].credit_code
    assert [loc["name"] for loc in detail["locations"]] == ["东湖邻里中心"]  # not the planned centre
    assert {s["name"] for s in detail["services"]} == {"老年助餐", "图书借阅"}
    government = get(client, f"/organizations/{hsds_id('government', '990102000000')}")
    assert government["name"] == "邻里区人民政府"
    assert [loc["name"] for loc in government["locations"]] == ["西山邻里中心"]
    assert [s["name"] for s in government["services"]] == ["图书借阅"]  # not the inactive talks


def test_service_at_locations_validate(client, registry):
    for full in (False, True):
        page = get(client, "/service_at_locations", full=full)
        assert page["total_items"] == 3
        for item in page["contents"]:
            assert_valid("service_at_location", item)
            detail = get(client, f"/service_at_locations/{item['id']}")
            assert_valid("service_at_location", detail)
            assert detail["service"]["id"] == item["service_id"]
            assert detail["location"]["id"] == item["location_id"]
    books = get(client, f"/service_at_locations/{hsds_id('service_at_location', registry['books'].pk)}")
    assert books["schedules"][0]["description"] == "每天"


def test_taxonomies_validate(client, registry):
    taxonomies = get(client, "/taxonomies")["contents"]
    assert len(taxonomies) == len(TAXONOMIES)
    for taxonomy in taxonomies:
        assert not list(definition_validator("taxonomy").iter_errors(get(client, f"/taxonomies/{taxonomy['id']}")))
    domain = TAXONOMIES[0]
    terms = get(client, "/taxonomy_terms", taxonomy_id=domain.id, per_page=100)
    assert terms["total_items"] == 6
    for term in terms["contents"]:
        assert not list(definition_validator("taxonomy_term").iter_errors(term))
    assert get(client, f"/taxonomy_terms/{domain.term_id('elderly')}")["name"] == "养老"


def test_page_wrapper_and_paging(client, registry):
    first = get(client, "/organizations", per_page=1)
    assert first | {"contents": None} == {
        "total_items": 2,
        "total_pages": 2,
        "page_number": 1,
        "size": 1,
        "first_page": True,
        "last_page": False,
        "empty": False,
        "contents": None,
    }
    second = get(client, "/organizations", per_page=1, page=2)
    assert (second["first_page"], second["last_page"], second["size"]) == (False, True, 1)
    assert first["contents"][0]["id"] != second["contents"][0]["id"]
    beyond = get(client, "/services", per_page=2, page=3)
    assert (beyond["empty"], beyond["size"], beyond["total_pages"], beyond["contents"]) == (True, 0, 2, [])
    assert get(client, "/services", per_page=10_000)["size"] == 3
    get(client, "/services", page=0, status=422)


def test_filters(client, registry):
    def names(**params) -> list[str]:
        return sorted(s["name"] for s in get(client, "/services", **params)["contents"])

    assert names(search="助餐") == ["老年助餐"]
    assert names(search="西山") == ["图书借阅"]
    assert names(organization_id=hsds_id("organization", registry["operator"].pk)) == ["图书借阅", "老年助餐"]
    assert names(organization_id=hsds_id("government", "990102000000")) == ["图书借阅"]
    assert names(organization_id=hsds_id("organization", 999_999)) == []
    domain, service_class = TAXONOMIES
    assert names(taxonomy_term_id=domain.term_id("elderly")) == ["老年助餐"]
    assert names(taxonomy_term_id=service_class.term_id("basic")) == ["图书借阅", "图书借阅", "老年助餐"]
    assert names(taxonomy_id=domain.id) == ["图书借阅", "图书借阅", "老年助餐"]
    assert names(taxonomy_id=hsds_id("taxonomy", "nothing")) == []
    assert names(modified_after="2100-01-01T00:00:00") == []
    assert len(names(modified_after="2000-01-01T00:00:00+08:00")) == 3
    minimal = get(client, "/services", minimal=True)["contents"]
    assert all(set(service) == {"id", "last_modified"} for service in minimal)
    at_locations = get(client, "/service_at_locations", search="助餐")["contents"]
    assert [s["service"]["name"] for s in at_locations] == ["老年助餐"]
    assert get(client, "/organizations", search="社工")["total_items"] == 1
    get(client, "/service_at_locations", postcode="310000", status=400)


def test_ndjson_streams_every_result(client, registry):
    response = client.get(URL + "/services", {"format": "ndjson", "per_page": 1})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 3
    for line in lines:
        assert_valid("service", json.loads(line))
    get(client, "/services", format="xml", status=400)


def test_unknown_ids_are_404(client, registry):
    for path in ["/services", "/organizations", "/service_at_locations", "/taxonomies", "/taxonomy_terms"]:
        get(client, f"{path}/{hsds_id('nothing', 1)}", status=404)
        get(client, f"{path}/not-a-uuid", status=404)


def test_planned_facilities_and_inactive_offerings_are_not_published(client, registry):
    for key in ("planned", "inactive"):
        offering = registry[key]
        get(client, f"/services/{hsds_id('service', offering.pk)}", status=404)
        get(client, f"/service_at_locations/{hsds_id('service_at_location', offering.pk)}", status=404)
    dump = json.dumps(get(client, "/organizations", full=True, full_service=True), ensure_ascii=False)
    assert "湖滨邻里中心" not in dump and "健康讲座" not in dump
    assert hsds_id("location", registry["planned"].pk) not in dump


def test_ids_are_stable(client, registry):
    first = get(client, "/services", full=True)
    assert get(client, "/services", full=True) == first
    assert {s["id"] for s in first["contents"]} == {
        hsds_id("service", registry[key].pk) for key in ("meals", "books", "xishan_books")
    }
    assert hsds_id("service", 1) == hsds_id("service", 1) != hsds_id("service_at_location", 1)


@pytest.mark.parametrize("path", ["/services", "/service_at_locations", "/organizations"])
def test_queries_per_page_do_not_grow_with_the_page(client, registry, django_assert_max_num_queries, path):
    operator = registry["operator"]
    item = registry["meals"].item
    for n in range(8):
        facility = make_facility(
            f"G{n:03d}", "990102101201", registry["donghu"].facility_type, name=f"村中心{n}", operator=operator
        )
        week(facility, range(7), time(8), time(18))
        Offering.objects.create(facility=facility, item=item, area_code=facility.area_code, schedule="每天")
        operator = Operator.objects.create(name=f"运营方{n}", kind=OperatorKind.COMPANY, area_code="990102000000")
    params = {"full": True, "full_service": True}
    with CaptureQueriesContext(connection) as small:
        assert get(client, path, per_page=1, **params)["size"] == 1
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert get(client, path, per_page=50, **params)["size"] > 5
