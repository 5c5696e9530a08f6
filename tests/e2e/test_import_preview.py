"""In the browser: uploading an area file shows what it would change (old -> new by the sheet's header)
and writes nothing until the import is confirmed; the template uploaded unchanged changes nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from linli.areas.models import Area
from linli.core.enums import Role
from tests.conftest import make_user
from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)


def workbook(path, rows) -> str:
    wb = Workbook()
    ws = wb.active
    ws.append(["区划代码", "名称", "城乡类型", "户数"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_area_import_previews_then_confirms(page, area_tree, tmp_path):
    make_user("admin2", Role.DISTRICT_ADMIN, scope="990102")
    log_in(page, "admin2", "pw-admin2")
    page.goto(page.base_url + "/areas/import/")
    page.set_input_files(
        "input[type=file]", workbook(tmp_path / "a.xlsx", [["990102001001", "东湖新社区", "城镇", 1200]])
    )
    page.click("form.form button[type=submit]")
    page.wait_for_selector("[data-testid=job-progress][data-status=succeeded] [data-testid=import-preview]")
    table = page.inner_text("[data-testid=preview-rows]")
    assert "东湖社区" in table and "东湖新社区" in table and "户数" in table and "1000" in table and "1200" in table
    assert Area.objects.get(code="990102001001").name == "东湖社区"  # nothing written yet
    shot(page, "20-import-preview")
    with page.expect_navigation():
        page.click("[data-testid=confirm-import]")
    page.wait_for_selector("[data-testid=job-progress][data-status=succeeded]")
    assert Area.objects.get(code="990102001001").name == "东湖新社区"
    assert Area.objects.get(code="990102001001").households == 1200


def test_the_template_uploaded_unchanged_is_refused(page, area_tree, tmp_path):
    make_user("admin3", Role.DISTRICT_ADMIN, scope="990102")
    log_in(page, "admin3", "pw-admin3")
    page.goto(page.base_url + "/areas/import/")
    with page.expect_download() as download:
        page.click("[data-testid=template-link]")
    before = sorted(Area.objects.values_list("code", "name"))
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    page.set_input_files("input[type=file]", str(template))
    page.click("form.form button[type=submit]")
    page.wait_for_selector("[data-testid=job-progress][data-status=failed]")
    assert "区划代码" in page.inner_text("[data-testid=row-errors]")
    assert "%" not in page.inner_text("[data-testid=job-progress] p")
    assert sorted(Area.objects.values_list("code", "name")) == before
