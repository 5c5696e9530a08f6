"""API and pages: definitions (public), values and series (staff, their scope: another area answers 404, a
resident 403), targets (district staff only, bad input names the field), the dashboard page, the workbench
panel, the report page, open data (public, licence line, no personal data)."""

from __future__ import annotations

import csv
import io
import json

from django.test import Client

from linli.indicators.models import IndicatorTarget
from linli.indicators.selectors import value_of
from linli.indicators.services import snapshot_take
from tests.conftest import login
from tests.indicators.conftest import TODAY

D = "990102000000"


def test_definitions_are_public(client: Client, world):
    body = client.get("/api/indicators/definitions").json()
    codes = {d["code"] for d in body}
    assert {"built.nc", "rural_centre.village_share", "market.third_party_share", "usage.mismatch"} <= codes
    nc = next(d for d in body if d["code"] == "built.nc")
    assert nc["name_zh"] == "已建成邻里中心" and nc["blank"] == "已建成邻里中心*个"


def test_values_in_scope_and_out(client: Client, world, users):
    login(client, users["town"])
    body = client.get("/api/indicators/values", {"area": "990102001000", "date": "2026-06-30"}).json()
    nc = next(v for v in body["values"] if v["code"] == "built.nc")
    assert nc["value"] == value_of("built.nc", "990102001000", TODAY) == 2
    assert {c["area_code"] for c in body["children"]} == {"990102001001", "990102001002"}
    assert client.get("/api/indicators/values", {"area": "990102002000"}).status_code == 404
    assert client.get("/api/indicators/values", {"area": "abc"}).json()["detail"]["field"] == "area"
    login(client, users["resident"])
    assert client.get("/api/indicators/values", {"area": "990102001001"}).status_code == 403


def test_series_from_month_end_snapshots(client: Client, world, users):
    import datetime as dt

    for day in (dt.date(2026, 4, 30), dt.date(2026, 5, 15), dt.date(2026, 5, 31)):
        snapshot_take(day=day)
    login(client, users["district"])
    body = client.get("/api/indicators/series", {"area": D, "indicator": "built.nc"}).json()
    assert [p["month"] for p in body] == ["2026-04", "2026-05"] and body[1]["date"] == "2026-05-31"
    assert client.get("/api/indicators/series", {"area": D, "indicator": "nope"}).status_code == 404


def test_targets_by_district_staff_only(client: Client, world, users):
    login(client, users["district"])
    ok = client.put(
        "/api/indicators/targets",
        {"code": "usage.attendance_rate", "area_code": D, "year": 2026, "value": 70},
        content_type="application/json",
    )
    assert ok.status_code == 200 and IndicatorTarget.objects.get(code="usage.attendance_rate").value == 70
    assert ok.json()["previous"] is None and ok.json()["written"] is True
    preview = client.put(
        "/api/indicators/targets",
        {"code": "usage.attendance_rate", "area_code": D, "year": 2026, "value": 80, "dry_run": True},
        content_type="application/json",
    ).json()
    assert (preview["previous"], preview["value"], preview["written"]) == (70, 80, False)
    assert IndicatorTarget.objects.get(code="usage.attendance_rate").value == 70  # shown first, not written
    assert [t["value"] for t in client.get("/api/indicators/targets", {"year": 2026}).json()] == [70]
    bad = client.put(
        "/api/indicators/targets",
        {"code": "usage.attendance_rate", "area_code": D, "year": 2026, "value": 170},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["detail"]["field"] == "value"
    counted = client.put(
        "/api/indicators/targets", {"code": "built.nc", "area_code": D, "year": 2026, "value": 3},
        content_type="application/json",
    )  # fmt: skip
    assert counted.status_code == 400 and counted.json()["detail"]["field"] == "code"
    login(client, users["town"])
    town = client.put(
        "/api/indicators/targets", {"code": "usage.attendance_rate", "area_code": "990102001000", "year": 2026,
                                    "value": 60}, content_type="application/json",
    )  # fmt: skip
    assert town.status_code == 403
    assert IndicatorTarget.objects.count() == 1


def test_dashboard_page(client: Client, world, users):
    login(client, users["town"])
    page = client.get("/indicators/", {"date": "2026-06-30", "indicator": "built.nc"})
    html = page.content.decode()
    assert page.status_code == 200 and "东湖街道" in html and "已建成邻里中心" in html
    assert "东湖社区" in html and "湖滨社区" in html  # drill-down to the communities
    assert "截至统计日已建成" in html  # the formula one click away
    for english in ("Every indicator", "Formula", "no data", "target met", "built.nc<"):
        assert english not in html  # Chinese page, no English, no internal code shown as text
    assert client.get("/indicators/", {"area": "990102002000"}).status_code == 404
    login(client, users["resident"])
    assert client.get("/indicators/").status_code == 403


def test_workbench_panel_for_district_and_town_staff(client: Client, world, users):
    IndicatorTarget.objects.create(code="completion.nc_district", area_code=D, year=TODAY.year, value=100)
    login(client, users["district"])
    html = client.get("/").content.decode()
    assert 'data-panel="indicators.targets"' in html
    login(client, users["community"])
    assert 'data-panel="indicators.targets"' not in client.get("/").content.decode()


def test_report_page_starts_a_job(client: Client, world, users):
    from linli.jobs.models import Job

    login(client, users["district"])
    assert client.get("/indicators/report/").status_code == 200
    bad = client.post("/indicators/report/", {"area": D, "year": "两千"})
    assert bad.status_code == 200 and not Job.objects.exists()
    r = client.post("/indicators/report/", {"area": D, "year": "2026"})
    assert r.status_code == 302 and Job.objects.get().params["area"] == D
    login(client, users["town"])
    assert client.get("/indicators/report/").status_code == 403


def test_open_data_is_public_with_licence_and_no_personal_data(client: Client, world):
    r = client.get("/api/indicators/open/facilities.csv", {"area": D})
    text = r.content.decode("utf-8-sig")
    assert r.status_code == 200 and text.startswith("# 知识共享署名 4.0")
    rows = list(csv.DictReader(io.StringIO(text.split("\n", 1)[1])))
    assert {row["code"] for row in rows} >= {"F990102001001-01"}
    assert all(row["status"] == "built" for row in rows)
    assert "13800001111" not in text and "赵经理" not in text  # the operator's contact stays out
    geo = json.loads(client.get("/api/indicators/open/facilities.geojson", {"area": D}).content)
    assert geo["type"] == "FeatureCollection" and geo["licence"].startswith("知识共享")
    assert geo["features"][0]["geometry"]["type"] == "Point"
    ind = json.loads(client.get("/indicators/open/indicators.json", {"area": D}).content)
    nc = next(r for r in ind["records"] if r["code"] == "built.nc" and r["area_code"] == D)
    assert nc["value"] == value_of("built.nc", D, __import__("django.utils.timezone").utils.timezone.localdate())
    services = json.loads(client.get("/api/indicators/open/services.json", {"area": D}).content)
    assert services["records"] == [] or "item_code" in services["records"][0]
    assert client.get("/api/indicators/open/people.csv", {"area": D}).json()["detail"]["field"] == "dataset"
    assert client.get("/indicators/open/").status_code == 200
