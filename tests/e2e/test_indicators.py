"""The indicator dashboard in the browser: district staff see every indicator of the district, open a
figure's definition in one click, drill down by sub-district on a choropleth map (labels as text) and an
ECharts bar chart, and follow the month-by-month trend from the snapshots; the open data page downloads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.indicators.selectors import value_of
from linli.indicators.services import snapshot_take
from tests.e2e.conftest import log_in, shot, wait_until
from tests.indicators.conftest import registry, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


def test_dashboard_drill_down_and_trend(page, users, area_tree, world):  # noqa: F811
    today = timezone.localdate()
    for day in (today - dt.timedelta(days=62), today - dt.timedelta(days=31), today):
        snapshot_take(day=day)
    log_in(page, "district", "pw-district")
    page.goto(page.base_url + "/indicators/?indicator=built.nc")
    table = page.locator("[data-testid=indicator-table]")
    row = table.locator("tr[data-code='built.nc']")
    expected = value_of("built.nc", "990102000000", timezone.localdate())
    assert row.locator("[data-testid=value]").inner_text() == f"{expected:.0f}"
    row.locator("summary").click()
    assert "截至统计日已建成" in row.locator("details").inner_text()
    wait_until(page, "document.getElementById('map').dataset.areas === '3'")
    wait_until(page, "document.getElementById('children-chart').dataset.rendered === '3'")
    wait_until(page, "Number(document.getElementById('trend-chart').dataset.rendered) >= 2")
    # a map label is a text node, never markup
    page.hover("#map path.leaflet-interactive >> nth=0", force=True)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert " · " in tooltip.inner_text() and tooltip.locator("span").count() == 1
    shot(page, "indicators-dashboard")
    page.click("[data-testid=children-table] a >> text=东湖街道")
    page.wait_for_url("**area=990102001000**")
    assert page.locator("h1").inner_text().endswith("东湖街道")
    page.goto(page.base_url + "/indicators/open/")
    assert "CC BY 4.0" in page.locator("[data-testid=licence]").inner_text()
