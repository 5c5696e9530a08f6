"""The areas API: filters, detail, subtree, aggregates; token and session auth; scope."""

from __future__ import annotations

import io

from openpyxl import Workbook

from tests.conftest import login


def test_openapi_and_docs_are_served(client):
    spec = client.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/areas/{code}/population" in spec["paths"]
    assert client.get("/api/docs").status_code == 200


def test_anonymous_gets_401(client, area_tree):
    assert client.get("/api/areas/").status_code == 401


def test_district_admin_lists_with_filters(client, area_tree, users, token_for):
    headers = token_for(users["district"])
    body = client.get("/api/areas/?level=village", **headers).json()
    assert body["count"] == 6
    assert {a["code"] for a in body["items"]} >= {"990102001001", "990102101202"}
    rural = client.get("/api/areas/?kind=rural&level=village", **headers).json()
    assert {a["name"] for a in rural["items"]} == {"上村", "下村"}
    children = client.get("/api/areas/?parent=990102001000", **headers).json()
    assert [a["code"] for a in children["items"]] == ["990102001001", "990102001002"]
    assert children["items"][0]["parent_code"] == "990102001000"
    named = client.get("/api/areas/?q=西山", **headers).json()
    assert {a["code"] for a in named["items"]} == {"990102002000", "990102002001"}


def test_population_of_a_sub_district_is_the_sum_of_its_communities(client, area_tree, users, token_for):
    headers = token_for(users["district"])
    sub = client.get("/api/areas/990102001000/population", **headers).json()
    a = client.get("/api/areas/990102001001/population", **headers).json()
    b = client.get("/api/areas/990102001002/population", **headers).json()
    for group in ("0-2", "3-5", "6-14", "15-59", "60-79", "80+"):
        assert sub["population"][group] == a["population"][group] + b["population"][group]
    assert sub["total"] == 100 * 30 + 100 * 25
    assert sub["households"] == 1800 and sub["villages"] == 2
    district = client.get("/api/areas/990102000000", **headers).json()
    assert district["population"]["total"] == 100 * (30 + 25 + 10 + 8 + 9 + 7)
    children = client.get("/api/areas/990102000000/children/population", **headers).json()
    assert [c["total"] for c in children] == [5500, 1800, 1600]


def test_subtree_with_depth(client, area_tree, users, token_for):
    headers = token_for(users["district"])
    everything = client.get("/api/areas/990102001000/subtree", **headers).json()
    assert [a["code"] for a in everything["items"]] == ["990102001000", "990102001001", "990102001002"]
    top = client.get("/api/areas/990102000000/subtree?depth=1", **headers).json()
    assert {a["level"] for a in top["items"]} == {"county", "town"}


def test_staff_see_only_their_scope(client, area_tree, users, token_for):
    headers = token_for(users["town"])
    listed = client.get("/api/areas/?limit=100", **headers).json()
    assert {a["code"] for a in listed["items"]} == {"990102001000", "990102001001", "990102001002"}
    # Outside the scope: the area is not theirs to know of.
    assert client.get("/api/areas/990102002001", **headers).status_code == 404
    assert client.get("/api/areas/990102000000/population", **headers).status_code == 404
    assert client.get("/api/areas/990102002000/subtree", **headers).status_code == 404
    community = token_for(users["community"])
    assert client.get("/api/areas/990102001002", **community).status_code == 404
    assert client.get("/api/areas/990102001001", **community).status_code == 200


def test_roles_without_area_rights_get_403(client, area_tree, users, token_for):
    for role in ("resident", "operator"):
        response = client.get("/api/areas/", **token_for(users[role]))
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


def test_bad_token_is_refused(client, area_tree):
    assert client.get("/api/areas/", HTTP_AUTHORIZATION="Bearer ll_nope").status_code == 401


def test_session_auth_works_for_the_browser(client, area_tree, users):
    login(client, users["district"])
    assert client.get("/api/areas/990102000000").json()["name"] == "邻里区"


def test_boundaries_geojson(client, area_tree, users, token_for):
    data = client.get("/api/areas/990102000000/boundaries", **token_for(users["district"])).json()
    roles = [f["properties"]["role"] for f in data["features"]]
    assert roles == ["self", "child", "child", "child"]
    assert data["features"][1]["properties"]["residents"] == 5500


def test_import_through_the_api(client, area_tree, users, token_for, django_capture_on_commit_callbacks):
    wb = Workbook()
    ws = wb.active
    ws.append(["区划代码", "名称", "户数", "0-2岁", "80岁以上"])
    ws.append(["990102001003", "新社区", 10, 1, 2])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "a.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/areas/import", {"file": buf}, **token_for(users["district"]))
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    job = client.get(f"/api/jobs/{job_id}", **token_for(users["district"])).json()
    assert job["status"] == "succeeded", job
    assert job["result"]["created"] == 1
    # Another user may not read that job.
    assert client.get(f"/api/jobs/{job_id}", **token_for(users["town"])).status_code == 404


def test_import_through_the_api_refuses_a_csv(client, area_tree, users, token_for):
    buf = io.BytesIO(b"code,name\n")
    buf.name = "areas.csv"
    response = client.post("/api/areas/import", {"file": buf}, **token_for(users["district"]))
    assert response.status_code == 400
    assert response.json()["code"] == "bad_file_type"
    assert response.json()["detail"]["field"] == "file"


def test_households_are_given_where_they_are_recorded(client, area_tree, users, token_for):
    headers = token_for(users["district"])
    town = client.get("/api/areas/990102001000", **headers).json()
    assert town["households"] is None and town["population"]["households"] == 1800
    assert client.get("/api/areas/990102001001", **headers).json()["households"] == 1000
