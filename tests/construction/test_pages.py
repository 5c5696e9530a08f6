"""Construction pages and API: in Chinese, scoped (404 outside, 403 for a role that may not change),
forms name bad fields by their label, a target shows old -> new before it is saved, projects from siting."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.construction.inputs import FundingIn, StageIn
from linli.construction.models import Project
from linli.construction.services import funding_set, stage_complete
from linli.facilities.models import ConstructionTarget, Facility
from linli.planning.models import Network, PlanningRun, Scenario
from tests.conftest import login
from tests.construction.conftest import EAST, WEST, days, new_project

ENGLISH = re.compile(r"\b(the|and|project|stage|target|delayed|funds)\b", re.IGNORECASE)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def late_project(project, users):
    from linli.construction.inputs import ProjectIn
    from linli.construction.services import project_update

    project_update(actor=users["district"], project=project, changes=ProjectIn(planned_approval=days(-10)))
    funding_set(actor=users["district"], project=project, funding=FundingIn(source="fiscal", needed=800, secured=500))
    return project


def test_board_list_detail_map_targets_in_chinese(client, late_project, users):
    login(client, users["district"])
    ConstructionTarget.objects.create(
        year=timezone.localdate().year,
        facility_type=late_project.facility_type,
        area_id=late_project.area.parent_id,
        area_code="990102001000",
        target=2,
    )
    pages = [
        reverse("construction:board"),
        reverse("construction:project-list"),
        reverse("construction:project-detail", args=[late_project.pk]),
        reverse("construction:map"),
        reverse("construction:targets"),
        reverse("construction:project-create"),
        reverse("construction:project-edit", args=[late_project.pk]),
        reverse("construction:from-siting"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        leftover = [w for w in ENGLISH.findall(text)]
        assert not leftover, (url, leftover[:5])
    board = client.get(reverse("construction:board")).content.decode()
    assert "片区级邻里中心" in board and "资金" in board and 'class="late"' in board
    detail = client.get(reverse("construction:project-detail", args=[late_project.pk])).content.decode()
    assert "立项" in detail and "300" in detail  # 800 needed - 500 secured


def test_stage_form_refusal_names_the_label(client, project, users):
    login(client, users["district"])
    url = reverse("construction:project-detail", args=[project.pk])
    response = client.post(url, {"form": "stage", "stage": "design", "completed_on": days(-1).isoformat()})
    assert response.status_code == 400
    page = response.content.decode()
    assert "阶段" in page and "立项" in page
    response = client.post(url, {"form": "stage", "stage": "approval", "completed_on": days(-1).isoformat()})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == "approval"


def test_scope_404_and_role_403_on_pages_and_api(client, project, users):
    other = new_project(users["district"], area_code=WEST, lon=120.055, lat=30.005, name="西山")
    login(client, users["town"])
    assert client.get(reverse("construction:project-detail", args=[other.pk])).status_code == 404
    assert client.get(f"/api/construction/projects/{other.pk}").status_code == 404
    assert client.get(reverse("construction:project-detail", args=[project.pk])).status_code == 200
    response = client.post(
        f"/api/construction/projects/{project.pk}/stages",
        data={"stage": "approval", "completed_on": days(-1).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert (
        client.post(
            reverse("construction:project-detail", args=[project.pk]),
            {"form": "stage", "stage": "approval", "completed_on": "2026-01-01"},
        ).status_code
        == 403
    )
    assert client.get(reverse("construction:project-create")).status_code == 403
    login(client, users["resident"])
    assert client.get(reverse("construction:board")).status_code == 403
    assert client.get("/api/construction/projects").status_code == 403


def test_api_project_lifecycle(client, types, users):
    login(client, users["district"])
    body = {
        "name": "青石镇乡里中心",
        "year": timezone.localdate().year,
        "facility_type": "sports-park-a",
        "area_code": EAST,
        "lon": 120.006,
        "lat": 30.006,
        "department": "区体育局",
        "planned_approval": days(-3).isoformat(),
    }
    response = client.post("/api/construction/projects", data=body, content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["delayed"] is True and created["late_since"] == days(-3).isoformat()
    pk = created["id"]
    response = client.put(
        f"/api/construction/projects/{pk}/funding",
        content_type="application/json",
        data={"source": "special_bond", "needed": "100", "secured": "150"},
    )
    assert response.status_code == 400 and response.json()["detail"]["errors"][0]["field"] == "secured"
    response = client.put(
        f"/api/construction/projects/{pk}/funding",
        content_type="application/json",
        data={"source": "special_bond", "needed": "100", "secured": "40"},
    )
    assert response.json()["funds_not_in_place"] == "60.00" or float(response.json()["funds_not_in_place"]) == 60
    listed = client.get("/api/construction/projects?delayed=true&short_of_funds=true").json()
    assert [p["id"] for p in listed["items"]] == [pk]
    geo = client.get("/api/construction/projects.geojson").json()
    assert geo["features"][0]["properties"]["delayed"] is True
    board = client.get("/api/construction/board").json()
    assert float(board["funds"]["not_in_place"]) == 60 and board["delayed"][0]["id"] == pk


def test_target_page_shows_old_and_new_before_saving(client, types, users):
    login(client, users["district"])
    year = timezone.localdate().year
    url = reverse("construction:targets") + f"?year={year}"
    form = {"year": year, "area_code": "990102001000", "facility_type": "nc-district", "target": "3"}
    response = client.post(url, form)
    assert response.status_code == 200 and "→ 3" in response.content.decode()
    assert not ConstructionTarget.objects.exists()
    response = client.post(url, form | {"confirm": "1"})
    assert response.status_code == 302 and ConstructionTarget.objects.get().target == 3
    response = client.post(url, form | {"target": "5"})
    assert re.search(r"3\s*→\s*5", response.content.decode())
    response = client.post(url, form | {"target": "many"})
    assert response.status_code == 400 and "任务数" in response.content.decode()
    api = client.post(
        "/api/construction/targets/preview",
        content_type="application/json",
        data={"year": year, "area_code": "990102001000", "facility_type": "nc-district", "target": 4},
    )
    assert api.json()["old"] == 3 and api.json()["new"] == 4
    listed = client.get(f"/api/construction/targets?year={year}").json()
    assert [(t["area_code"], t["facility_type"], t["target"]) for t in listed] == [("990102001000", "nc-district", 3)]


def _siting_run(types, accepted=None):
    network = Network.objects.create(name="n", area_code="990102000000", source="test", nodes=1, edges=0, file="x")
    from linli.areas.models import Area

    scenario = Scenario.objects.create(
        name="东湖规划", area=Area.objects.get(code="990102001000"), area_code="990102001000", network=network
    )
    result = {
        "status": "ok",
        "facility_type": "nc-district",
        "objective": "mclp",
        "sites": [
            {"lon": 120.004, "lat": 30.004, "area_code": EAST, "rank": 1},
            {"lon": 120.014, "lat": 30.004, "area_code": "990102001002", "rank": 2},
        ],
        "accepted": accepted or {},
    }
    return PlanningRun.objects.create(scenario=scenario, kind="siting", result=result)


def test_project_from_siting_then_operation_registers_the_facility(client, types, users):
    run = _siting_run(types)
    login(client, users["district"])
    response = client.post(reverse("construction:from-siting"), {"run_id": run.pk, "site": 2, "department": "区民政局"})
    assert response.status_code == 302
    project = Project.objects.get()
    assert (project.siting_run_id, project.siting_site, project.area_code) == (run.pk, 2, "990102001002")
    assert (project.lon, project.lat, project.facility_type.code) == (120.014, 30.004, "nc-district")
    again = client.post(
        "/api/construction/projects/from-siting",
        content_type="application/json",
        data={"run_id": run.pk, "site": 2, "department": "区民政局"},
    )
    assert again.status_code == 400 and again.json()["detail"]["errors"][0]["field"] == "site"
    for i, stage in enumerate(("approval", "land", "design", "construction", "acceptance", "operation")):
        stage_complete(actor=users["district"], project=project, stage=StageIn(stage=stage, completed_on=days(-60 + i)))
    project.refresh_from_db()
    assert project.facility is not None and project.facility.status == "built"
    assert (project.facility.lon, project.facility.area_code) == (120.014, "990102001002")
    page = client.get(reverse("construction:project-detail", args=[project.pk])).content.decode()
    assert project.facility.code in page


def test_project_from_an_accepted_site_links_the_planned_facility(types, users):
    planned = Facility.objects.create(
        code="P990102001001001",
        name="规划片区级邻里中心(东湖社区)",
        facility_type=types["centre"],
        area_id=_area(EAST),
        area_code=EAST,
        lon=120.004,
        lat=30.004,
        status="planned",
        planned_on=days(-5),
    )
    run = _siting_run(types, accepted={"0": planned.code})
    from linli.construction.inputs import FromSitingIn
    from linli.construction.services import project_from_siting

    project = project_from_siting(
        actor=users["district"], data=FromSitingIn(run_id=run.pk, site=1, department="区民政局")
    )
    assert project.facility == planned and project.name == planned.name
    for i, stage in enumerate(("approval", "land", "design", "construction", "acceptance", "operation")):
        stage_complete(actor=users["district"], project=project, stage=StageIn(stage=stage, completed_on=days(-6 + i)))
    planned.refresh_from_db()
    assert planned.status == "built" and planned.completed_on == days(-1) and Facility.objects.count() == 1
    # the siting run of another town is out of the town's scope
    from linli.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as caught:
        project_from_siting(actor=users["town"], data=FromSitingIn(run_id=run.pk, site=2, department="x"))
    assert caught.value.status == 403


def _area(code):
    from linli.areas.models import Area

    return Area.objects.get(code=code).pk


def test_workbench_panel_for_district(client, late_project, users):
    login(client, users["district"])
    page = client.get("/").content.decode()
    assert 'data-testid="construction-panel"' in page and "300" in page
    login(client, users["resident"])
    assert 'data-testid="construction-panel"' not in client.get("/").content.decode()


def test_project_edit_shows_the_changes_before_saving(client, project, users):
    login(client, users["district"])
    url = reverse("construction:project-edit", args=[project.pk])
    form = {
        "name": project.name, "year": project.year, "facility_type": "nc-district", "area_code": EAST,
        "lon": project.lon, "lat": project.lat, "department": "区民政局", "planned_design": days(30).isoformat(),
    }  # fmt: skip
    response = client.post(url, form)
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="diff"' in page
    assert "区发改局" in page and "区民政局" in page and days(30).isoformat() in page
    project.refresh_from_db()
    assert project.department == "区发改局"  # nothing saved yet
    response = client.post(url, form | {"confirm": "1"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.department == "区民政局"
    assert project.stages.get(stage="design").planned_on == days(30)


def test_project_for_a_planned_facility_of_the_registry(client, types, users):
    planned = Facility.objects.create(
        code="P2", name="规划A类社区体育公园", facility_type=types["park"], area_id=_area(EAST), area_code=EAST,
        lon=120.003, lat=30.003, status="approved", planned_on=days(-40), approved_on=days(-20),
    )  # fmt: skip
    built = Facility.objects.create(
        code="B1", name="已建", facility_type=types["park"], area_id=_area(EAST), area_code=EAST, lon=120.003,
        lat=30.003, status="built",
    )  # fmt: skip
    login(client, users["district"])
    page = client.get(reverse("construction:from-siting")).content.decode()
    assert "规划A类社区体育公园" in page and "已建" not in page
    response = client.post(reverse("construction:from-siting"), {"facility": "P2", "department": "区体育局"})
    assert response.status_code == 302
    project = Project.objects.get(facility=planned)
    assert (project.name, project.facility_type.code, project.lon) == ("规划A类社区体育公园", "sports-park-a", 120.003)
    again = client.post("/api/construction/projects/for-facility", content_type="application/json",
                        data={"facility": "P2", "department": "区体育局"})  # fmt: skip
    assert again.status_code == 400 and again.json()["detail"]["errors"][0]["field"] == "facility"
    refused = client.post("/api/construction/projects/for-facility", content_type="application/json",
                          data={"facility": built.code, "department": "区体育局"})  # fmt: skip
    assert refused.status_code == 400
    assert "规划A类社区体育公园" not in client.get(reverse("construction:from-siting")).content.decode()
