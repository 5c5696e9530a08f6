"""Registry API: staff list and change in scope, the public reads built facilities and searches near a
point, errors name the field."""

from __future__ import annotations

import pytest

from linli.core.models import AuditLog
from linli.facilities.models import OpeningRule


@pytest.fixture
def district(users, token_for):
    return token_for(users["district"])


def test_staff_list_is_scoped(client, registry, users, token_for):
    body = client.get("/api/facilities/", **token_for(users["town"])).json()
    assert [f["code"] for f in body["items"]] == ["F990102001001-01"]
    assert (
        body["items"][0]["type"] == "nc-community" and body["items"][0]["operator"] == registry["operator"].credit_code
    )
    assert client.get("/api/facilities/", **token_for(users["other_community"])).json()["count"] == 0
    assert client.get("/api/facilities/", **token_for(users["resident"])).status_code == 403


def test_public_detail_with_hours_offerings_and_standard(client, registry, users, district):
    import datetime as dt

    for weekday in range(7):
        OpeningRule.objects.create(
            facility=registry["facility"], weekday=weekday, opens=dt.time(0, 0), closes=dt.time(23, 59)
        )
    body = client.get("/api/facilities/F990102001001-01", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["name"] == "东湖邻里中心" and len(body["opening_hours"]) == 7
    assert body["opening_status"].startswith(("Open until", "Opens at"))
    assert "below the 600 m² standard" in body["compliance_summary"]
    assert {c["rule"] for c in body["compliance"] if not c["ok"]} >= {"floor_area", "staff", "capacity"}
    registry["facility"].status = "planned"
    registry["facility"].save()
    assert client.get("/api/facilities/F990102001001-01").status_code == 404  # not public any more
    assert client.get("/api/facilities/F990102001001-01", **district).status_code == 200  # staff still see it


def test_create_update_hours_and_offerings(client, registry, users, district):
    payload = {
        "code": "F990102001002-01", "name": "湖滨邻里中心", "type": "nc-community", "area_code": "990102001002",
        "lon": 120.015, "lat": 30.005, "floor_area_m2": 700,
    }  # fmt: skip
    created = client.post("/api/facilities/", payload, content_type="application/json", **district)
    assert created.status_code == 201, created.content
    changed = client.patch(
        "/api/facilities/F990102001002-01", {"staff_count": 4}, content_type="application/json", **district
    )
    assert changed.json()["staff_count"] == 4 and changed.json()["floor_area_m2"] == 700
    hours = client.put(
        "/api/facilities/F990102001002-01/hours",
        {
            "rules": [
                {"weekday": 0, "opens": "09:00", "closes": "12:00"},
                {"weekday": 0, "opens": "11:00", "closes": "13:00"},
            ]
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **district,
    )
    assert hours.status_code == 400 and "overlaps" in hours.json()["detail"]["errors"][0]["message"]
    offered = client.put(
        "/api/facilities/F990102001002-01/offerings", {"item": "elderly-meals", "schedule": "每天 11:00-12:30"},
        content_type="application/json", **district,
    )  # fmt: skip
    assert [o["item"] for o in offered.json()["offerings"]] == ["elderly-meals"]
    assert AuditLog.objects.filter(object_id="F990102001002-01").count() == 3


def test_bad_body_names_the_field(client, registry, district):
    response = client.post(
        "/api/facilities/",
        {"code": "X", "name": "x", "type": "nc-community", "area_code": "990102001002", "lon": 30.0, "lat": 120.0},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **district,
    )
    assert response.status_code == 400
    [error] = response.json()["detail"]["errors"]
    assert error["field"] == "lon" and "swapped" in error["message"]


def test_out_of_scope_change_is_404(client, registry, users, token_for):
    response = client.patch(
        "/api/facilities/F990102001001-01", {"name": "x"}, content_type="application/json",
        **token_for(users["other_community"]),
    )  # fmt: skip
    assert response.status_code == 404


def test_operator_contact_masked_by_role(client, registry, users, token_for):
    staff = client.get("/api/operators/", **token_for(users["community"])).json()
    assert (staff[0]["contact_name"], staff[0]["contact_phone"]) == ("赵经理", "13800001111")
    response = client.get("/api/operators/", **token_for(users["auditor"]))
    auditor = response.json()
    # The contact person's name is personal data too: it was once returned unmasked here.
    assert (auditor[0]["contact_name"], auditor[0]["contact_phone"]) == ("赵**", "138****1111")
    assert "赵经理" not in response.content.decode() and "13800001111" not in response.content.decode()


def test_operator_create_and_change_take_a_documented_body(client, registry, district):
    body = {"name": "新公司", "kind": "company", "area_code": "990102000000", "contact_name": "钱社工"}
    created = client.post("/api/operators/", body, content_type="application/json", **district)
    assert created.status_code == 201, created.content
    operator_id = created.json()["id"]
    changed = client.patch(
        f"/api/operators/{operator_id}", {"website": "ftp://x"}, content_type="application/json", **district
    )
    assert changed.status_code == 400
    [error] = changed.json()["detail"]["errors"]
    assert error["field"] == "website"
    changed = client.patch(
        f"/api/operators/{operator_id}", {"address": "湖滨路 2 号"}, content_type="application/json", **district
    )
    assert changed.json()["address"] == "湖滨路 2 号" and changed.json()["name"] == "新公司"  # the rest kept


def test_openapi_documents_the_registry_request_bodies(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path, method in (
        ("/api/facilities/", "post"),
        ("/api/facilities/{code}", "patch"),
        ("/api/operators/", "post"),
        ("/api/operators/{operator_id}", "patch"),
    ):
        assert "requestBody" in paths[path][method], (path, method)
    spec = client.get("/api/openapi.json").json()
    facility_in = spec["components"]["schemas"]["FacilityIn"]["properties"]
    assert {"code", "type", "area_code", "lon", "lat", "operator"} <= set(facility_in)


def test_list_filter_area_is_a_code_with_its_subtree(client, registry, district):
    from linli.facilities.models import Facility
    from tests.facilities.conftest import _area_id

    Facility.objects.create(
        code="F990102002001-01", name="西山邻里中心", facility_type=registry["centre"], address="西山路 8 号",
        area_id=_area_id("990102002001"), area_code="990102002001", lon=120.055, lat=30.005,
    )  # fmt: skip

    def codes(**query):
        return [f["code"] for f in client.get("/api/facilities/", query, **district).json()["items"]]

    assert codes(area="990102002000") == ["F990102002001-01"]  # a town: its villages' facilities
    assert codes(area="990102001001") == ["F990102001001-01"]  # a community: its own
    assert codes(area="990102000000") == ["F990102001001-01", "F990102002001-01"]  # the district
    assert codes(q="西山路") == ["F990102002001-01"]  # the address counts, as on the page
    response = client.get("/api/facilities/", {"area": "9901020"}, HTTP_ACCEPT_LANGUAGE="en", **district)
    assert response.status_code == 400 and response.json()["detail"]["field"] == "area"


def test_offering_values_are_checked_as_for_an_imported_row(client, registry, district):
    url = "/api/facilities/F990102001001-01/offerings"
    too_long = client.put(url, {"item": "reading", "schedule": "x" * 201}, content_type="application/json", **district)
    assert too_long.status_code == 400 and too_long.json()["detail"]["errors"][0]["field"] == "schedule"
    too_dear = client.put(url, {"item": "reading", "fee_amount": 1000000}, content_type="application/json", **district)
    assert too_dear.status_code == 400 and too_dear.json()["detail"]["errors"][0]["field"] == "fee_amount"
    assert not registry["facility"].offerings.exists()
    by_label = client.put(url, {"item": "reading", "fee_type": "free"}, content_type="application/json", **district)
    assert by_label.status_code == 200 and by_label.json()["offerings"][0]["fee_type"] == "free"


def test_near_me_from_a_point_or_a_community(client, registry):
    by_point = client.get("/api/services/near?lon=120.0&lat=30.0&radius_m=2000").json()
    assert [r["code"] for r in by_point] == ["F990102001001-01"] and by_point[0]["distance_m"] == 735
    by_area = client.get("/api/services/near?area=990102001001&radius_m=1000").json()
    assert by_area and by_area[0]["distance_m"] < 10  # the test community's centre is next to it
    assert client.get("/api/services/near?domain=education&lon=120.0&lat=30.0").json() == []
    assert client.get("/api/services/near").status_code == 400
    assert client.get("/api/services/near?lon=120&lat=30&radius_m=0").status_code == 422


@pytest.mark.parametrize("code", ["a/b", "F 1", "x%00", "-start", "中文编码", "F" * 33])
def test_a_facility_code_that_would_break_urls_is_refused(client, registry, users, token_for, code):
    """A code goes into /facilities/<code>/: a slash (or a space, a NUL, a non-ASCII letter) once made the
    facility list answer 500 for every staff user and the facility unreachable."""
    facility = registry["facility"]
    answer = client.patch(
        f"/api/facilities/{facility.code}", {"code": code}, content_type="application/json",
        **token_for(users["district"]),
    )  # fmt: skip
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["detail"]["errors"]] == ["code"]
    facility.refresh_from_db()
    assert facility.code == "F990102001001-01"
    assert client.get("/facilities/", **token_for(users["district"])).status_code in (200, 302)


def test_only_the_district_changes_a_facility_code(client, registry, users, token_for):
    facility = registry["facility"]
    url = f"/api/facilities/{facility.code}"
    refused = client.patch(url, {"code": "F990102001001-02"}, content_type="application/json",
                           **token_for(users["community"]))  # fmt: skip
    assert refused.status_code == 403
    done = client.patch(url, {"code": "F990102001001-02"}, content_type="application/json",
                        **token_for(users["district"]))  # fmt: skip
    assert done.status_code == 200
    facility.refresh_from_db()
    assert facility.code == "F990102001001-02"
