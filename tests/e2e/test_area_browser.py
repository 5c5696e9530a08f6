"""A person logs in, browses the demo district on the map with its charts, imports a bad file and sees
every bad row, switches the interface to English, and uses it on a phone-sized screen."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from linli.demo.services import demo_load
from linli.demo.users import DEMO_PASSWORD
from tests.e2e.conftest import log_in, shot, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    return demo_load(apps=False)


def test_area_browser_map_and_charts(page, demo):
    page.goto(page.base_url + "/")
    assert "邻里社区公共服务平台" in page.content()
    shot(page, "01-home-zh")
    log_in(page, "district", DEMO_PASSWORD)
    page.click('nav >> text="行政区划"')
    page.wait_for_selector("[data-testid=area-code]")
    assert page.inner_text("[data-testid=area-code]") == "990102000000"
    # The map draws the children's boundaries and the walking network as vector layers (no tiles).
    wait_until(page, "document.getElementById('map').dataset.boundaries > 0")
    wait_until(page, "document.getElementById('map').dataset.networkLines > 100")
    # The district itself and its 8 sub-districts and 4 towns, drawn on the map's canvas.
    assert page.evaluate("document.getElementById('map').dataset.boundaries") == "13"
    assert page.locator("#map canvas").count() >= 1
    # Both charts were drawn by ECharts into a canvas.
    page.wait_for_selector("#age-chart canvas")
    page.wait_for_selector("#children-chart canvas")
    total = int(page.get_attribute("[data-testid=total-population]", "data-value"))
    assert 570_000 <= total <= 630_000
    shot(page, "02-district")
    # Down to a sub-district by its row in the table.
    page.locator("[data-testid=children-table] a").first.click()
    wait_until(page, "document.getElementById('map').dataset.boundaries > 0")
    page.wait_for_selector("#age-chart canvas")
    assert page.inner_text("[data-testid=area-code]").endswith("000")
    shot(page, "03-sub-district")


def test_import_with_bad_rows_lists_them_and_progress_survives_reload(page, demo, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["区划代码", "名称", "户数", "0-2岁", "80岁以上"])
    ws.append(["99010200100", "短代码", 1, 1, 1])
    ws.append(["990102001901", "负数社区", 1, -3, 1])
    buf = io.BytesIO()
    wb.save(buf)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(buf.getvalue())

    log_in(page, "district", DEMO_PASSWORD)
    page.goto(page.base_url + "/areas/import/")
    with page.expect_download() as download:
        page.click("[data-testid=template-link]")
    assert download.value.suggested_filename == "linli-areas-template.xlsx"
    page.set_input_files("input[type=file]", str(bad))
    page.click("form.form button[type=submit]")
    page.wait_for_selector("[data-testid=job-progress][data-status=failed]")
    page.reload()  # the job is a database row: reloading shows the same outcome
    rows = page.locator("[data-testid=row-errors] tbody tr")
    assert rows.count() == 2
    assert "不能为负数" in page.inner_text("[data-testid=row-errors]")
    shot(page, "04-import-errors")


def test_english_and_phone(browser, live_server, demo):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.base_url = live_server.url
    page.goto(live_server.url + "/")
    page.click("label.nav-toggle-label")
    page.click("button[data-lang=en]")
    page.wait_for_selector("html[lang=en]")
    assert "Demo users" in page.content()
    log_in(page, "town", DEMO_PASSWORD)
    page.goto(live_server.url + "/areas/")
    page.wait_for_selector("#age-chart canvas")
    wait_until(page, "document.getElementById('map').dataset.boundaries > 0")
    assert "Population by age group" in page.content()
    shot(page, "05-phone-en")
    context.close()
