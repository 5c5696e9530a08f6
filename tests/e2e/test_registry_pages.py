"""District staff open a facility from the list, read its compliance with the standard of its type and tier,
correct its floor area in the form and see the panel change."""

from __future__ import annotations

import pytest

from linli.catalog.models import Offering
from tests.e2e.conftest import log_in, shot, wait_until
from tests.facilities import conftest as facilities_conftest

pytestmark = pytest.mark.django_db(transaction=True)

registry = facilities_conftest.registry  # the small registry of tests/facilities, as a fixture here too


def test_facility_compliance_and_edit(page, registry, users):
    facility = registry["facility"]
    Offering.objects.create(facility=facility, item=registry["reading"], area_code=facility.area_code)
    log_in(page, "district", "pw-district")
    page.goto(page.base_url + "/facilities/")
    # The filters swap the table in place (htmx) and keep the address in step.
    page.select_option("select[name=status]", "planned")
    wait_until(page, "!document.querySelector('[data-testid=facility-table]').innerText.includes('东湖邻里中心')")
    assert "status=planned" in page.url
    page.select_option("select[name=status]", "")
    page.click("[data-testid=facility-table] >> text=东湖邻里中心")
    page.wait_for_selector("[data-testid=compliance-summary]")
    summary = page.inner_text("[data-testid=compliance-summary]")
    assert summary.startswith("社区级邻里中心") and "450" in summary and "600" in summary
    assert page.get_attribute("[data-testid=compliance-check][data-rule=floor_area]", "data-ok") == "0"
    assert page.locator("[data-testid=compliance-check]").count() >= 4
    wait_until(page, "document.getElementById('map').dataset.points === '1'")
    assert page.locator("#map path.leaflet-interactive").count() >= 2  # service radius and the point

    page.click("[data-testid=facility-edit]")
    page.fill("input[name=floor_area_m2]", "650")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=compliance-check][data-rule=floor_area][data-ok='1']")
    assert page.inner_text("[data-testid=floor-area]") == "650"
    assert "450" not in page.inner_text("[data-testid=compliance-summary]")
    wait_until(page, "document.getElementById('map').dataset.points === '1'")
    shot(page, "10-facility-detail")
