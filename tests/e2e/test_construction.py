"""Construction in the browser: district staff see a late project in red on the board and the map (labels as
text), complete its next stage with the form, and set a target after seeing old -> new."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.construction.inputs import FundingIn, ProjectIn
from linli.construction.models import Project
from linli.construction.services import funding_set, project_create
from linli.facilities.models import ConstructionTarget, FacilityType
from tests.e2e.conftest import log_in, shot, wait_until


@pytest.fixture
def late_project(area_tree, users):
    FacilityType.objects.create(code="nc-district", name="片区级邻里中心", family="neighbourhood_centre", tier="片区级")
    today = timezone.localdate()
    project = project_create(
        actor=users["district"],
        project=ProjectIn(
            name="<b>东湖</b>片区邻里中心",
            year=today.year,
            facility_type="nc-district",
            area_code="990102001001",
            lon=120.005,
            lat=30.005,
            department="区发改局",
            planned_approval=today - dt.timedelta(days=10),
        ),
    )
    funding_set(actor=users["district"], project=project, funding=FundingIn(source="fiscal", needed=800, secured=500))
    return project


def test_board_map_stage_and_target(page, late_project, users):
    log_in(page, "district", "pw-district")
    page.goto(page.base_url + "/construction/")
    delayed = page.locator("[data-testid=delayed] tr.late")
    assert delayed.count() == 1 and "东湖" in delayed.inner_text()
    assert page.locator(".stat .value").nth(1).inner_text() == "300.00"

    page.goto(page.base_url + "/construction/map/")
    wait_until(page, "document.getElementById('map').dataset.points === '1'")
    page.locator("path.leaflet-interactive").first.hover()
    wait_until(page, "!!document.querySelector('.leaflet-tooltip')")
    tooltip = page.locator(".leaflet-tooltip").inner_text()
    assert "<b>东湖</b>片区邻里中心" in tooltip and "滞后" in tooltip  # the name shown as text, not markup
    shot(page, "construction-map")

    page.goto(page.base_url + f"/construction/projects/{late_project.pk}/")
    assert page.locator("[data-testid=late]").is_visible()
    page.fill(
        "[data-testid=stage-form] input[name=completed_on]", (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    )
    page.click("[data-testid=stage-form] button[type=submit]")
    page.wait_for_selector("[data-testid=stage]")
    assert page.locator("[data-testid=stage]").inner_text() == "立项"
    assert Project.objects.get(pk=late_project.pk).stage == "approval"

    page.goto(page.base_url + "/construction/targets/")
    page.select_option("[data-testid=target-form] select[name=area_code]", "990102001000")
    page.fill("[data-testid=target-form] input[name=target]", "2")
    page.click("[data-testid=target-form] button[type=submit]")
    assert "→ 2" in page.locator("[data-testid=change]").inner_text()
    assert not ConstructionTarget.objects.exists()
    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=targets]")
    assert ConstructionTarget.objects.get().target == 2
    shot(page, "construction-targets")
