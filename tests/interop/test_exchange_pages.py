"""The data-exchange page: downloads in every format, and an upload that lands on the job page, which
lists every bad row of a refused file."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from linli.facilities.models import Facility
from linli.interop.services import facilities_export
from tests.conftest import login
from tests.facilities.conftest import registry  # noqa: F401

DOWNLOADS = {
    "export-facilities-xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "facilities.xlsx"),
    "export-facilities-geojson": ("application/geo+json", "facilities.geojson"),
    "export-facilities-gpkg": ("application/geopackage+sqlite3", "facilities.gpkg"),
    "export-catalog-xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "catalog.xlsx"),
}


def test_page_links_every_download_and_the_upload(client, users, registry):  # noqa: F811
    response = login(client, users["district"]).get(reverse("data-exchange"))
    assert response.status_code == 200
    page = response.content.decode()
    for name in DOWNLOADS:
        assert reverse(name) in page
    assert reverse("data-import") in page


def test_evaluators_download_but_do_not_upload(client, users, registry):  # noqa: F811
    page = login(client, users["evaluator"]).get(reverse("data-exchange")).content.decode()
    assert reverse("export-facilities-xlsx") in page
    assert reverse("data-import") not in page


def test_residents_may_not_use_the_page(client, users, registry):  # noqa: F811
    assert login(client, users["resident"]).get(reverse("data-exchange")).status_code == 403
    assert client.get(reverse("export-facilities-xlsx")).status_code == 403


@pytest.mark.parametrize("name", list(DOWNLOADS))
def test_downloads(client, users, registry, name):  # noqa: F811
    content_type, suffix = DOWNLOADS[name]
    response = login(client, users["district"]).get(reverse(name))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    today = timezone.localdate().strftime("%Y%m%d")
    stem, extension = suffix.split(".")
    assert response["Content-Disposition"] == f'attachment; filename="linli-{stem}-{today}.{extension}"'
    assert len(response.content) > 100


def test_upload_of_a_bad_file_shows_every_bad_row_on_the_job_page(
    client,
    users,
    registry,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    workbook = load_workbook(io.BytesIO(facilities_export(actor=users["district"], fmt="xlsx")))
    sheet = workbook["设施 facilities"]
    sheet["E2"] = 30.005  # lon and lat swapped
    sheet["F2"] = 120.005
    sheet.append([c.value for c in sheet[2]])  # and the same code again
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "facilities.xlsx"
    client = login(client, users["district"])

    with django_capture_on_commit_callbacks(execute=True):  # the job runs (huey runs it inline in tests)
        response = client.post(reverse("data-import"), {"file": buffer})

    assert response.status_code == 302
    job_page = client.get(response["Location"])
    table = job_page.content.decode()
    assert 'data-testid="row-errors"' in table
    assert "<td>2</td><td>经度 lon</td>" in table and "<td>3</td><td>设施编码 code</td>" in table
    assert Facility.objects.get().lon == 120.005


def test_upload_of_something_else_is_refused_on_the_page(client, users, registry):  # noqa: F811
    buffer = io.BytesIO(b"hello")
    buffer.name = "notes.txt"
    response = login(client, users["district"]).post(reverse("data-import"), {"file": buffer})
    assert response.status_code == 400
    assert 'data-testid="import-error"' in response.content.decode()


def test_town_staff_may_not_upload_the_catalogue(client, users, registry):  # noqa: F811
    client = login(client, users["district"])
    buffer = io.BytesIO(client.get(reverse("export-catalog-xlsx")).content)
    buffer.name = "catalog.xlsx"
    response = login(client, users["town"]).post(reverse("data-import"), {"file": buffer})
    assert response.status_code == 403
