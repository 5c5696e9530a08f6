"""The year's targets as Excel: downloaded with Chinese headers, uploaded back with every row checked
(errors by the file's own header and row), the changes shown old -> new, saved only when confirmed."""

from __future__ import annotations

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from linli.facilities.models import ConstructionTarget
from tests.conftest import login


def _xlsx(rows: list[list[object]]) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("targets.xlsx", buffer.getvalue())


def test_download_edit_upload_confirm(client, types, users):
    year = timezone.localdate().year
    ConstructionTarget.objects.create(
        year=year, facility_type=types["centre"], area_id=_area("990102001000"), area_code="990102001000", target=2
    )
    login(client, users["district"])
    response = client.get(reverse("construction:targets-export") + f"?year={year}")
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("年度", "区划代码", "区域") and rows[0][-1] == "任务数"
    assert rows[1][1] == "990102001000" and rows[1][4] == "片区级邻里中心" and rows[1][-1] == 2

    header = list(rows[0])
    bad = _xlsx(
        [header, [year, 990102001001, "", "nc-district", "", "", 1], [year, "990102002000", "", "nope", "", "", "x"]]
    )
    response = client.post(reverse("construction:targets-import"), {"file": bad})
    page = response.content.decode()
    assert response.status_code == 400
    problems = re.findall(r"<li>(.*?)</li>", page.split('data-testid="errors"')[1].split("</div>")[0])
    assert len(problems) == 2
    assert "2" in problems[0] and "<strong>区划代码</strong>: 建设任务按区县或街道、乡镇下达" in problems[0]
    assert "3" in problems[1] and "<strong>任务数</strong>" in problems[1]
    assert ConstructionTarget.objects.count() == 1

    good = _xlsx(
        [
            header,
            [year, 990102001000, "", "nc-district", "", "", 3],
            [year, "990102000000", "", "sports-park-a", "", "", 1],
        ]
    )
    response = client.post(reverse("construction:targets-import"), {"file": good})
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r">2</td><td class=\"num\">3<", page) and 'data-testid="confirm"' in page
    assert ConstructionTarget.objects.get(area_code="990102001000").target == 2  # nothing saved yet
    pending = re.search(r'name="rows" value="([^"]+)"', page).group(1).replace("&quot;", '"')
    response = client.post(reverse("construction:targets-import"), {"confirm": "1", "rows": pending})
    assert response.status_code == 302
    assert ConstructionTarget.objects.get(area_code="990102001000").target == 3
    assert ConstructionTarget.objects.get(area_code="990102000000").facility_type.code == "sports-park-a"


def test_town_staff_cannot_import(client, types, users):
    login(client, users["town"])
    assert client.get(reverse("construction:targets-import")).status_code == 403
    assert client.get(reverse("construction:targets-export")).status_code == 200


def _area(code):
    from linli.areas.models import Area

    return Area.objects.get(code=code).pk
