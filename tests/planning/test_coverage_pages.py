"""Planning pages, exports and the API on the tiny network of test_scenarios."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from linli.jobs.models import Job
from linli.planning.models import PlanningRun, Scenario
from tests.conftest import login
from tests.planning.test_scenarios import finish, make_scenario, tiny  # noqa: F401  (fixture)


@pytest.fixture
def run(users, tiny):  # noqa: F811
    return finish(users["district"], make_scenario(users["district"]))


def test_pages_respond_for_district_staff(client, users, run):
    login(client, users["district"])
    for url in (
        reverse("planning-home"),
        reverse("scenario-create"),
        reverse("scenario-detail", args=[run.scenario_id]),
        reverse("run-detail", args=[run.pk]),
        reverse("run-detail", args=[run.pk]) + "?type=elderly-station",
        reverse("run-compare") + f"?a={run.pk}&b={run.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert 'data-testid="area-table"' in page and "66.7%" in page
    assert "vendor/leaflet/leaflet.js" in page and "vendor/echarts/echarts.min.js" in page


def test_pages_refuse_residents(client, users, run):
    login(client, users["resident"])
    for url in (
        reverse("planning-home"),
        reverse("scenario-create"),
        reverse("scenario-detail", args=[run.scenario_id]),
        reverse("run-detail", args=[run.pk]),
        reverse("run-export-xlsx", args=[run.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_run_of_another_scope_is_not_found(client, users, run):
    login(client, users["other_community"])
    assert client.get(reverse("run-detail", args=[run.pk])).status_code == 404


def test_create_scenario_through_the_form_and_run_it(client, users, tiny, django_capture_on_commit_callbacks):  # noqa: F811
    login(client, users["district"])
    response = client.post(
        reverse("scenario-create"),
        {
            "name": "幼儿园",
            "area_code": "990102000000",
            "walking_speed_mps": "1.2",
            "use_kindergarten": "on",
            "circle_kindergarten": "custom",
            "distance_kindergarten": "500",
            "use_elderly-station": "on",
            "circle_elderly-station": "10min",
        },
    )
    scenario = Scenario.objects.get()
    assert response.status_code == 302 and response.url == reverse("scenario-detail", args=[scenario.pk])
    assert sorted(r.distance_m for r in scenario.rules.all()) == [500, 500]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scenario-run", args=[scenario.pk]))
    run = PlanningRun.objects.get(scenario=scenario)
    assert response.status_code == 302 and response.url == reverse("job-detail", args=[run.job_id])
    assert Job.objects.get(pk=run.job_id).status == "succeeded"
    run.refresh_from_db()
    assert run.result is not None
    assert (
        client.get(reverse("scenario-detail", args=[scenario.pk])).content.decode().count('data-testid="run-link"') == 1
    )


def test_form_shows_a_bad_custom_distance_next_to_its_type(client, users, tiny):  # noqa: F811
    login(client, users["district"])
    response = client.post(
        reverse("scenario-create"),
        {
            "name": "坏",
            "area_code": "990102000000",
            "walking_speed_mps": "1.333",
            "use_kindergarten": "on",
            "circle_kindergarten": "custom",
            "distance_kindergarten": "0",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="form-errors"' in page and 'class="has-error"' in page
    assert Scenario.objects.count() == 0


def test_excel_export_opens_with_openpyxl(client, users, run):
    login(client, users["district"])
    response = client.get(reverse("run-export-xlsx", args=[run.pk]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    types, areas, points = wb.worksheets
    assert types.max_row == 3  # header + 2 types
    header = [c.value for c in areas[1]]
    assert len(header) == 4 + 3 * 2
    rows = {r[0]: r for r in areas.iter_rows(min_row=2, values_only=True)}
    assert rows["990102001000"][4:7] == (10, 10, 100.0)
    assert points.max_row == 4  # header + 3 points


def test_excel_export_writes_names_as_text_never_as_formulas(client, users, run):
    """An area named like a formula (a live =HYPERLINK once) is written as escaped text."""
    from linli.core.tabular import unescape

    name = '=HYPERLINK("http://example.invalid/","点击")'
    run.result["areas"][0]["name"] = name
    run.save(update_fields=["result"])
    login(client, users["district"])
    wb = load_workbook(io.BytesIO(client.get(reverse("run-export-xlsx", args=[run.pk])).content))
    cell = wb.worksheets[1].cell(2, 2)
    assert cell.data_type == "s" and cell.value == "'" + name
    assert unescape(cell.value) == name


def test_geojson_export(client, users, run):
    login(client, users["district"])
    response = client.get(reverse("run-export-geojson", args=[run.pk]))
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 3
    props = data["features"][0]["properties"]
    assert {"kindergarten_m", "kindergarten_covered", "elderly-station_facility"} <= set(props)


def test_api_create_run_result_layers_compare(client, users, tiny, django_capture_on_commit_callbacks):  # noqa: F811
    login(client, users["district"])
    body = {
        "name": "API",
        "area_code": "990102000000",
        "rules": [{"type": "kindergarten", "circle": "custom", "distance_m": 500}],
    }
    response = client.post("/api/planning/scenarios", body, content_type="application/json")
    assert response.status_code == 201, response.content
    scenario_id = response.json()["id"]
    assert response.json()["rules"][0]["minutes"] == 6.3
    bad = client.post(
        "/api/planning/scenarios",
        {**body, "rules": [{"type": "kindergarten", "circle": "custom", "distance_m": 0}]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["detail"]["errors"][0]["field"] == "rules[1].distance_m"
    out = client.post("/api/planning/scenarios", {**body, "area_code": "990000000000"}, content_type="application/json")
    assert out.status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/planning/scenarios/{scenario_id}/runs")
    assert started.status_code == 202
    run_id = started.json()["run"]
    assert client.get(started.json()["job_url"]).json()["status"] == "succeeded"
    result = client.get(f"/api/planning/runs/{run_id}").json()
    assert result["types"][0]["percent"] == pytest.approx(66.67)
    layer = client.get(f"/api/planning/runs/{run_id}/layers/points?type=kindergarten").json()
    assert len(layer["features"]) == 3
    assert client.get(f"/api/planning/runs/{run_id}/layers/nope").status_code == 404
    listed = client.get("/api/planning/scenarios").json()
    assert [s["id"] for s in listed] == [scenario_id]
    compare = client.get(f"/api/planning/compare?a={run_id}&b={run_id}").json()
    assert compare["types"][0]["diff"] == 0.0
    assert client.get("/api/planning/network?area=990102000000").status_code == 200
