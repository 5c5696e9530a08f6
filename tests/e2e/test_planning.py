"""A district planner creates a coverage scenario for the demo district with three facility types, runs it,
watches the job finish, and reads the result on the map, in the chart and in the per-area table."""

from __future__ import annotations

import re

import pytest

from linli.demo.services import demo_load
from linli.demo.users import DEMO_PASSWORD
from tests.e2e.conftest import log_in, shot, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    return demo_load(apps=False)


def test_planner_runs_a_coverage_scenario(page, demo):
    log_in(page, "district", DEMO_PASSWORD)
    page.goto(page.base_url + "/planning/")
    page.click("[data-testid=new-scenario]")
    page.fill("input[name=name]", "养老、幼儿园与卫生服务站")
    page.select_option("select[name=area_code]", "990102000000")
    page.fill("input[name=walking_speed_mps]", "1.2")
    page.check("input[name=use_day-care]")
    page.select_option("select[name=circle_day-care]", "15min")
    page.check("input[name=use_kindergarten]")
    page.check("input[name=use_chs]")
    page.select_option("select[name=circle_chs]", "custom")
    page.fill("input[name=distance_chs]", "800")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=rule-table]")
    assert page.locator("[data-testid=rule-table] tbody tr").count() == 3
    # Running it goes to the job page, which polls until the job has finished.
    page.click("[data-testid=run]")
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f-]+/$"))
    page.wait_for_selector("[data-testid=job-progress][data-status=succeeded]", timeout=60_000)
    page.go_back()
    page.reload()
    page.click("[data-testid=run-link]")
    page.wait_for_selector("[data-testid=area-table]")
    wait_until(page, "Number(document.getElementById('map').dataset.points) > 9000")
    wait_until(page, "document.getElementById('map').dataset.loading === '0'")
    wait_until(page, "Number(document.getElementById('map').dataset.facilities) > 0")
    wait_until(page, "document.getElementById('map').dataset.boundaries > 0")
    page.wait_for_selector("#coverage-chart canvas")
    assert page.locator("#map canvas").count() >= 1
    percents = page.locator("[data-testid=type-percent]").all_inner_texts()
    assert len(percents) == 3 and all(p.endswith("%") for p in percents)
    assert page.locator("[data-testid=area-table] tbody tr").count() > 100
    # Another facility type redraws the points.
    page.select_option("[data-testid=type-select]", "kindergarten")
    wait_until(page, "document.getElementById('map').dataset.type === 'kindergarten'")
    shot(page, "20-planning-run")
