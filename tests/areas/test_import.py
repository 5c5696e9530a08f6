"""Importing areas from Excel and GeoJSON: good files write everything, a file with any bad row writes
nothing and names every bad row and field."""

from __future__ import annotations

import io
import json

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from linli.areas.io import read_excel, read_geojson, template_workbook
from linli.areas.models import Area, AreaPopulation
from linli.areas.selectors import population_by_age
from linli.areas.services import area_import, area_import_start
from linli.core.errors import ApplicationError
from linli.core.models import AuditLog
from linli.jobs.enums import JobStatus
from linli.jobs.services import awaits_confirmation, job_confirm, job_run


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English here (a job runs in the language of whoever started it)."""
    with translation.override("en"):
        yield


HEADER = ["区划代码", "名称", "城乡类型", "户数", "0-2岁", "3-5岁", "6-14岁", "15-59岁", "60-79岁", "80岁以上"]


def xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run_import(user, name, content):
    """Upload, preview and (when the preview has changes) confirm, as the page does."""
    job = job_run(job_id=str(area_import_start(actor=user, name=name, content=content, enqueue=False).pk))
    if not awaits_confirmation(job):
        return job
    return job_run(job_id=str(job_confirm(actor=user, job=job, enqueue=False).pk))


def test_the_template_uploaded_unchanged_touches_no_area(area_tree, users):
    """Its example rows have no code: they are refused by the code's header and cannot rename a real
    area (they once carried the demo's own codes and renamed 安阳街道 to 东湖街道)."""
    before = sorted(Area.objects.values_list("code", "name", "households"))
    rows, errors = read_excel(io.BytesIO(template_workbook()))
    assert rows == []
    assert {(e["row"], e["field"]) for e in errors.errors} == {(2, "区划代码"), (3, "区划代码")}
    job = run_import(users["district"], "linli-areas-template.xlsx", template_workbook())
    assert job.status == JobStatus.FAILED
    assert sorted(Area.objects.values_list("code", "name", "households")) == before


def test_excel_import_creates_and_updates(area_tree, users):
    content = xlsx(
        [
            ["990102003000", "南湖街道", "城镇", None, None, None, None, None, None, None],
            ["990102003001", "南湖社区", "城镇", 1200, 10, 20, 30, 400, 100, 15],
            [990102001001, "东湖社区(改)", "城镇", 1111, 1, 2, 3, 4, 5, 6],  # a number cell, an update
        ]
    )
    job = run_import(users["district"], "areas.xlsx", content)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["created"] == 2 and job.result["updated"] == 1
    new = Area.objects.get(code="990102003001")
    assert new.parent.code == "990102003000" and new.level == "village" and new.households == 1200
    assert population_by_age(viewer=users["district"], code="990102003000")["total"] == 575
    updated = Area.objects.get(code="990102001001")
    assert updated.name == "东湖社区(改)"
    assert dict(updated.population.values_list("age_group", "count"))["80+"] == 6
    assert AuditLog.objects.filter(action="import", actor=users["district"]).exists()


def test_reimporting_the_same_file_changes_nothing(area_tree, users):
    content = xlsx(
        [["990102003000", "南湖街道", "城镇"] + [None] * 7, ["990102003001", "南湖社区", "城镇", 5, 1, 1, 1, 1, 1, 1]]
    )
    run_import(users["district"], "a.xlsx", content)
    before = (Area.objects.count(), AreaPopulation.objects.count())
    job = run_import(users["district"], "a.xlsx", content)
    assert job.result["created"] == 0
    assert (Area.objects.count(), AreaPopulation.objects.count()) == before


def test_bad_rows_are_all_listed_and_nothing_is_written(area_tree, users):
    content = xlsx(
        [
            ["990102003000", "南湖街道", "城镇"] + [None] * 7,  # row 2: fine
            ["99010200300", "短代码社区", "城镇", 1, 1, 1, 1, 1, 1, 1],  # row 3: 11 digits
            ["990102009001", "无父社区", "城镇", 1, 1, 1, 1, 1, 1, 1],  # row 4: parent missing
            ["990102003002", "负数社区", "城镇", 1, -5, 1, 1, 1, 1, 1],  # row 5: negative
            ["990102003003", "文字社区", "城镇", 1, 1, "很多", 1, 1, 1, 1],  # row 6: not a number
            ["990102003004", "", "火星", 1, 1, 1, 1, 1, 1, 1],  # row 7: no name, bad kind
            ["990102003000", "重复街道", "城镇"] + [None] * 7,  # row 8: duplicate
            ["990102004000", "人口街道", "城镇", 10, 1, 1, 1, 1, 1, 1],  # row 9: population on a town
        ]
    )
    before = (Area.objects.count(), AreaPopulation.objects.count())
    job = run_import(users["district"], "bad.xlsx", content)
    assert job.status == JobStatus.FAILED
    assert job.error["code"] == "invalid_rows"
    found = {(e["row"], e["field"]) for e in job.error["detail"]["errors"]}
    # Fields are named by the sheet's own headers, never by internal keys (code, kind, households).
    assert {
        (3, "区划代码"), (4, "区划代码"), (5, "0-2岁"), (6, "3-5岁"), (7, "名称"), (7, "城乡类型"), (8, "区划代码")
    } <= found  # fmt: skip
    assert any(row == 9 for row, _field in found)
    assert (Area.objects.count(), AreaPopulation.objects.count()) == before
    assert not Area.objects.filter(code="990102003000").exists()


def test_unknown_age_group_and_changed_header_are_refused(area_tree, users):
    content = xlsx(
        [["990102001001", "东湖社区", "城镇", 1, 1]], header=["区划代码", "名称", "城乡类型", "户数", "90-99岁"]
    )
    job = run_import(users["district"], "x.xlsx", content)
    assert job.error["code"] == "bad_header"
    [error] = job.error["detail"]["errors"]
    assert error["field"] == "90-99岁" and "age group" in error["message"]

    content = xlsx([["990102001001", "东湖"]], header=["代码", "名字"])
    job = run_import(users["district"], "x.xlsx", content)
    fields = {e["field"] for e in job.error["detail"]["errors"]}
    assert {"代码", "名字", "区划代码", "名称"} <= fields


def test_wrong_file_type_is_refused_before_anything_starts(users):
    with pytest.raises(ApplicationError) as exc:
        area_import_start(actor=users["district"], name="areas.csv", content=b"code,name\n")
    assert exc.value.code == "bad_file_type"
    with pytest.raises(ApplicationError):
        area_import_start(actor=users["district"], name="fake.xlsx", content=b"not a zip")
    with pytest.raises(ApplicationError) as exc:
        read_excel(io.BytesIO(b"PK\x03\x04garbage"))
    assert exc.value.code == "bad_file"


def test_import_outside_scope_or_without_the_right_is_refused(area_tree, users):
    content = xlsx([["990102002003", "新社区", "城镇", 1, 1, 1, 1, 1, 1, 1]])
    with pytest.raises(ApplicationError) as exc:
        area_import_start(actor=users["town"], name="a.xlsx", content=content)
    assert exc.value.status == 403
    rows, errors = read_excel(io.BytesIO(content))
    users["district"].scope = "990102001"
    with pytest.raises(ApplicationError) as exc:
        area_import(actor=users["district"], rows=rows, errors=errors, source="a.xlsx")
    assert exc.value.extra["errors"][0]["message"] == "outside your scope"
    assert not Area.objects.filter(code="990102002003").exists()


def feature(code, name, geometry, **props):
    return {"type": "Feature", "geometry": geometry, "properties": {"code": code, "name": name, **props}}


def test_geojson_import_with_boundaries(area_tree, users):
    from tests.conftest import square

    doc = {
        "type": "FeatureCollection",
        "features": [
            feature("990102003000", "南湖街道", square(120.2, 30.0, 0.02), kind="urban"),
            feature(
                "990102003001",
                "南湖社区",
                square(120.2, 30.0),
                households=300,
                population={"0-2": 5, "3-5": 6, "6-14": 7, "15-59": 80, "60-79": 20, "80+": 4},
            ),
        ],
    }
    job = run_import(users["district"], "areas.geojson", json.dumps(doc).encode())
    assert job.status == JobStatus.SUCCEEDED, job.error
    area = Area.objects.get(code="990102003001")
    assert area.boundary["type"] == "Polygon"
    assert area.centroid_lon == pytest.approx(120.205) and area.centroid_lat == pytest.approx(30.005)
    assert population_by_age(viewer=users["district"], code="990102003000")["total"] == 122


def test_geojson_bad_features_are_named(area_tree, users):
    from tests.conftest import square

    bowtie = {"type": "Polygon", "coordinates": [[[120, 30], [120.01, 30.01], [120.01, 30], [120, 30.01], [120, 30]]]}
    swapped = square(30.0, 120.0)
    doc = {
        "type": "FeatureCollection",
        "features": [
            feature("990102003000", "南湖街道", square(120.2, 30.0, 0.02)),
            feature("990102003001", "自交社区", bowtie),
            feature("990102003002", "颠倒社区", swapped),
            feature("990102003003", "年龄社区", None, **{"100+": 3}),
            feature("990102003004", "点社区", {"type": "Point", "coordinates": [120.2, 30.0]}),
        ],
    }
    job = run_import(users["district"], "areas.geojson", json.dumps(doc).encode())
    assert job.status == JobStatus.FAILED
    by_row = {(e["row"], e["field"]): e["message"] for e in job.error["detail"]["errors"]}
    assert "valid polygon" in by_row[(2, "geometry")]
    assert "swapped" in by_row[(3, "geometry")]
    assert "age group" in by_row[(4, "100+")]
    assert (5, "geometry") in by_row
    assert not Area.objects.filter(code="990102003000").exists()
    with pytest.raises(ApplicationError):
        read_geojson(io.BytesIO(b"[1, 2]"))


def test_template_download_is_a_real_workbook():
    wb = load_workbook(io.BytesIO(template_workbook()))
    header = [c.value for c in wb.worksheets[0][1]]
    assert header[:4] == ["区划代码", "名称", "城乡类型", "户数"]
    assert "80岁以上" in header


def test_a_job_speaks_the_language_it_was_started_in(area_tree, users):
    content = xlsx([["99010200100", "短代码社区", "城镇", 1, 1, 1, 1, 1, 1, 1]])
    with translation.override("zh-hans"):
        job = area_import_start(actor=users["district"], name="a.xlsx", content=content, enqueue=False)
    job = job_run(job_id=str(job.pk))  # the worker runs it later, in English here
    assert job.error["message"] == "文件中有1处问题，未导入任何数据。"
    assert job.error["detail"]["errors"][0]["message"].startswith("不是有效的12位区划代码")
