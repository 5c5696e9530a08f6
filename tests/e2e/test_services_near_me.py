"""A resident on a phone finds services near home in the demo district, filters by domain, and opens a
facility."""

from __future__ import annotations

import re

import pytest

from linli.demo.services import demo_load
from linli.demo.users import DEMO_PASSWORD
from tests.e2e.conftest import SCREENSHOTS, log_in, shot, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_resident_searches_on_a_phone(browser, live_server, transactional_db):
    demo_load(apps=False)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.base_url = live_server.url
    log_in(page, "resident", DEMO_PASSWORD)
    page.goto(live_server.url + "/services/")
    # The resident's home community is preselected and searched from.
    assert page.input_value("[data-testid=area-select]") == "990102001001"
    results = page.locator("[data-testid=results] li.result")
    assert results.count() > 3
    distances = [
        int(x)
        for x in page.locator("[data-testid=results] .distance").evaluate_all("els => els.map(e => e.dataset.metres)")
    ]
    assert distances == sorted(distances) and distances[-1] <= 2000
    wait_until(page, "document.getElementById('near-map').dataset.markers > 3")
    statuses = page.locator("[data-testid=opening-status]").all_inner_texts()
    pattern = re.compile(r"^(营业至\d\d:\d\d|\d\d:\d\d开放|今日已闭馆|今日闭馆(：.+)?)$")
    assert statuses and all(pattern.match(s) for s in statuses), statuses
    page.screenshot(path=str(SCREENSHOTS / "12-services-near-me-phone.png"))

    page.click("label.chip:has-text('养老')")
    page.click("#near-form button[type=submit]")
    page.wait_for_selector("[data-testid=results]")
    assert "domain=elderly" in page.url
    elderly = page.locator("[data-testid=results] li.result")
    assert elderly.count() >= 1
    assert elderly.count() < results.count() or elderly.count() == results.count()
    shot(page, "13-services-near-me-elderly")

    page.locator("[data-testid=results] li.result a").first.click()
    page.wait_for_selector("[data-testid=compliance-summary]")
    shot(page, "14-facility-from-search")
    context.close()
