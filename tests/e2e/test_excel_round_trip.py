"""Staff download the facilities as Excel in the browser, edit the file, upload it back and watch the
import succeed; a broken file is refused with every bad row listed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from linli.areas.models import Area
from linli.catalog.models import ServiceItem
from linli.catalog.services import offering_set
from linli.core.enums import Role
from linli.facilities.models import Facility, FacilityType
from tests.conftest import make_user
from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def small_registry(area_tree):
    centre = FacilityType.objects.create(code="nc-community", name="社区级邻里中心", family="neighbourhood_centre")
    reading = ServiceItem.objects.create(code="reading", name="图书借阅", domain="culture")
    reading.host_types.set([centre])
    for code, name, area_code, lon in (
        ("F990102001001-01", "东湖邻里中心", "990102001001", 120.005),
        ("F990102001002-01", "湖滨邻里中心", "990102001002", 120.015),
    ):
        facility = Facility.objects.create(
            code=code, name=name, facility_type=centre, area=Area.objects.get(code=area_code), area_code=area_code,
            lon=lon, lat=30.005, floor_area_m2=450,
        )  # fmt: skip
        offering_set(actor=None, facility=facility, item=reading, schedule="周二 09:00-11:00")
    return make_user("town", Role.TOWN_STAFF, scope="990102001")


def column(sheet, key: str) -> int:
    return next(cell.column for cell in sheet[1] if str(cell.value).endswith(f" {key}"))


def save(workbook, path: Path) -> Path:
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def upload(page, path: Path, status: str) -> None:
    page.goto(page.base_url + "/data/")
    page.set_input_files("[data-testid=import-form] input[type=file]", str(path))
    page.click("[data-testid=import-form] button[type=submit]")
    page.wait_for_selector(f"[data-testid=job-progress][data-status={status}]")


def confirm(page) -> None:
    """The upload showed its preview: confirm it and wait for the import it starts."""
    with page.expect_navigation():
        page.click("[data-testid=confirm-import]")
    page.wait_for_selector("[data-testid=job-progress][data-status=succeeded]")


def test_excel_round_trip(page, small_registry, tmp_path):
    log_in(page, "town", "pw-town")
    page.goto(page.base_url + "/data/")
    with page.expect_download() as download:
        page.click("[data-testid=export-facilities-xlsx]")
    assert download.value.suggested_filename.startswith("linli-facilities-")
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = workbook["设施 facilities"]
    assert sheet.max_row == 3
    sheet.cell(2, column(sheet, "floor_area_m2"), 800)
    sheet.cell(3, column(sheet, "opening_hours"), "1-5 09:00-17:00")
    offerings = workbook["服务项目 offerings"]
    offerings.cell(2, column(offerings, "schedule"), "周二、周四 09:00-11:00")

    upload(page, save(workbook, tmp_path / "edited.xlsx"), "succeeded")
    assert "800" in page.inner_text("[data-testid=preview-rows]")
    assert Facility.objects.get(code="F990102001001-01").floor_area_m2 == 450  # the preview wrote nothing
    confirm(page)
    assert Facility.objects.get(code="F990102001001-01").floor_area_m2 == 800
    assert Facility.objects.get(code="F990102001002-01").opening_rules.count() == 5

    sheet.cell(2, column(sheet, "lon"), 30.005)  # longitude and latitude swapped
    sheet.cell(2, column(sheet, "lat"), 120.005)
    sheet.cell(3, column(sheet, "opening_hours"), "1 18:00-09:00")  # closes before it opens
    sheet.cell(3, column(sheet, "floor_area_m2"), 999)
    upload(page, save(workbook, tmp_path / "broken.xlsx"), "failed")
    rows = page.locator("[data-testid=row-errors] tbody tr")
    assert rows.count() == 2
    table = page.inner_text("[data-testid=row-errors]")
    assert "lon" in table and "opening_hours" in table
    assert Facility.objects.get(code="F990102001002-01").floor_area_m2 == 450
    shot(page, "11-excel-round-trip")
