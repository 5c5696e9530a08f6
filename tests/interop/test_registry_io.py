"""The registry as files: facilities and catalogue workbooks, GeoJSON and GeoPackage. An edited export
imports back changing only what was edited; a file with any problem is refused whole, naming every bad
row and field, and writes nothing."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import load_workbook

from linli.catalog.models import Offering
from linli.catalog.services import offering_set
from linli.core.errors import ApplicationError
from linli.core.models import AuditLog
from linli.facilities.models import Facility, OpeningRule, Operator
from linli.facilities.services import opening_hours_set
from linli.interop.registry_io import format_opening_hours, parse_opening_hours
from linli.interop.services import catalog_export, facilities_export, registry_import_start
from linli.jobs.enums import JobStatus
from linli.jobs.services import awaits_confirmation, job_confirm, job_run
from tests.facilities.conftest import credit_code, registry  # noqa: F401

FACILITY = "F990102001001-01"
SCHOOL = "F990102002001-01"


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English here (a job runs in the language of whoever started it)."""
    with translation.override("en"):
        yield


@pytest.fixture
def data(registry):  # noqa: F811
    """The test registry, filled out: hours, offerings, dates, accessibility, and a school in another
    sub-district."""
    facility = registry["facility"]
    facility.accessibility = ["ramp", "lift"]
    facility.completed_on = dt.date(2023, 6, 1)
    facility.phone = "0571-88880000"
    facility.description = "=SUM(A1) is text, not a formula"
    facility.save()
    opening_hours_set(
        actor=None,
        facility=facility,
        rules=[
            *({"weekday": d, "opens": "08:30", "closes": "11:30"} for d in range(5)),
            *({"weekday": d, "opens": "14:00", "closes": "17:30"} for d in range(5)),
            {"weekday": 5, "opens": "09:00", "closes": "12:00"},
        ],
    )
    offering_set(
        actor=None, facility=facility, item=registry["meals"], schedule="每天 11:00-12:30", fee_type="subsidised"
    )
    offering_set(actor=None, facility=facility, item=registry["reading"])
    school = Facility.objects.create(
        code=SCHOOL, name="西山小学", facility_type=registry["school"], area=_area("990102002001"),
        area_code="990102002001", lon=120.055, lat=30.005, closed_on_public_holidays=True,
    )  # fmt: skip
    offering_set(actor=None, facility=school, item=registry["reading"])
    return {**registry, "school": school}


def _area(code: str):
    from linli.areas.models import Area

    return Area.objects.get(code=code)


FIELDS = (
    "code", "name", "facility_type__code", "area_code", "lon", "lat", "address", "floor_area_m2", "capacity", "beds",
    "served_persons", "staff_count", "operation_model", "operator__credit_code", "status", "completed_on",
    "planned_on", "approved_on", "construction_started_on", "closed_on", "accessibility",
    "closed_on_public_holidays", "phone", "description",
)  # fmt: skip


def snapshot() -> dict[str, Any]:
    """Everything an import could change, to compare before and after."""
    return {
        "facilities": {f["code"]: f for f in Facility.objects.values(*FIELDS)},
        "hours": sorted(OpeningRule.objects.values_list("facility__code", "weekday", "opens", "closes")),
        "offerings": sorted(
            Offering.objects.values_list("facility__code", "item__code", "schedule", "fee_type", "fee_amount", "active")
        ),
        "operators": sorted(Operator.objects.values_list("name", "credit_code", "contact_name", "contact_phone")),
    }


def run(user, name: str, content: bytes):
    """Upload, preview and (when the preview has changes) confirm, as the page does."""
    job = job_run(job_id=str(registry_import_start(actor=user, name=name, content=content, enqueue=False).pk))
    if not awaits_confirmation(job):
        return job
    return job_run(job_id=str(job_confirm(actor=user, job=job, enqueue=False).pk))


def edit(content: bytes, change: Callable[[Any], None]) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    change(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def column(sheet, key: str) -> int:
    """The 1-based column of `key` in a sheet whose header reads "<中文> <key>"."""
    for cell in sheet[1]:
        if str(cell.value).split(" ")[-1] == key:
            return cell.column
    raise KeyError(key)


def set_cell(sheet_title: str, code: str, key: str, value: Any) -> Callable[[Any], None]:
    def change(workbook) -> None:
        sheet = workbook[sheet_title]
        for row in range(2, sheet.max_row + 1):
            if sheet.cell(row, 1).value == code:
                sheet.cell(row, column(sheet, key), value)
                return
        raise KeyError(code)

    return change


def problems(job) -> set[tuple[int, str]]:
    return {(e["row"], e["field"]) for e in job.error["detail"]["errors"]}


# Round trip ------------------------------------------------------------------------------------------


def test_round_trip_changes_only_what_was_edited(data, users):
    content = facilities_export(actor=users["district"], fmt="xlsx")
    before, audits = snapshot(), _last_audit()

    def change(workbook) -> None:
        set_cell("设施 facilities", FACILITY, "floor_area_m2", 650)(workbook)
        offerings = workbook["服务项目 offerings"]
        for row in range(2, offerings.max_row + 1):
            if offerings.cell(row, column(offerings, "item")).value == "elderly-meals":
                offerings.cell(row, column(offerings, "schedule"), "周一至周五 11:00-12:30")

    job = run(users["district"], "facilities.xlsx", edit(content, change))

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["updated"] == 1 and job.result["unchanged"] == 1 and job.result["offerings_updated"] == 1
    after = snapshot()
    assert after["facilities"][FACILITY]["floor_area_m2"] == 650
    meals = Offering.objects.get(facility__code=FACILITY, item__code="elderly-meals")
    assert meals.schedule == "周一至周五 11:00-12:30" and meals.fee_type == "subsidised"
    before["facilities"][FACILITY]["floor_area_m2"] = 650
    assert {k: v for k, v in after.items() if k != "offerings"} == {k: v for k, v in before.items() if k != "offerings"}
    assert set(after["offerings"]) - set(before["offerings"]) == {
        (FACILITY, "elderly-meals", "周一至周五 11:00-12:30", "subsidised", None, True)
    }
    written = {(a.action, a.object_id, tuple(a.fields)): a for a in AuditLog.objects.filter(pk__gt=audits)}
    assert set(written) == {
        ("import", "", ()),
        ("update", FACILITY, ("floor_area_m2",)),
        ("update", FACILITY, ("offerings",)),
    }
    assert written["update", FACILITY, ("floor_area_m2",)].detail == {"floor_area_m2": ["450", "650"]}
    assert written["import", "", ()].detail["source"] == "facilities.xlsx"


def test_reimporting_an_unchanged_export_changes_nothing(data, users):
    content = facilities_export(actor=users["district"], fmt="xlsx")
    before, audits = snapshot(), _last_audit()
    stamps = sorted(Facility.objects.values_list("updated_at", flat=True))

    job = run(users["district"], "facilities.xlsx", content)

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["updated"] == 0 and job.result["unchanged"] == 2 and job.result["offerings_updated"] == 0
    assert snapshot() == before
    assert sorted(Facility.objects.values_list("updated_at", flat=True)) == stamps
    # the preview found nothing to change, so there is nothing to confirm and nothing was written
    assert job.params["mode"] == "preview" and not awaits_confirmation(job)
    assert job.result["preview"]["unchanged"] == 2 + Offering.objects.count()
    assert not AuditLog.objects.filter(pk__gt=audits).exists()


def _last_audit() -> int:
    return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_export_workbook_layout(data, users):
    workbook = load_workbook(io.BytesIO(facilities_export(actor=users["district"], fmt="xlsx")))
    assert workbook.sheetnames == ["设施 facilities", "服务项目 offerings", "说明 notes"]
    sheet = workbook["设施 facilities"]
    assert [c.value for c in sheet[1]][:4] == ["设施编码 code", "名称 name", "设施类型 type", "区划代码 area_code"]
    row = {str(c.value).split(" ")[-1]: v.value for c, v in zip(sheet[1], sheet[2], strict=True)}
    assert row["type"] == "nc-community" and row["operator"] == data["operator"].credit_code
    assert row["accessibility"] == "坡道,电梯"  # enum values as their Chinese labels
    assert row["operation_model"] == "政府购买服务" and row["closed_on_public_holidays"] == "否"
    assert row["opening_hours"] == "1-5 08:30-11:30,14:00-17:30; 6 09:00-12:00"
    assert sheet.cell(2, column(sheet, "description")).data_type == "s"  # "=…" stays text


def test_enum_cells_are_chinese_labels_with_drop_downs_that_import_back(data, users):
    content = facilities_export(actor=users["district"], fmt="xlsx")
    sheet = load_workbook(io.BytesIO(content))["设施 facilities"]
    status = sheet.cell(2, column(sheet, "status"))
    assert status.value == "建成"  # not "built"
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists[f"{status.column_letter}2"] == '"规划,已立项,在建,建成,暂停,关闭"'
    assert sheet.cell(2, column(sheet, "description")).value == "'=SUM(A1) is text, not a formula"

    job = run(users["district"], "f.xlsx", edit(content, set_cell("设施 facilities", FACILITY, "status", "暂停")))

    assert job.status == JobStatus.SUCCEEDED, job.error
    facility = Facility.objects.get(code=FACILITY)
    assert facility.status == "suspended" and facility.description == "=SUM(A1) is text, not a formula"


def test_a_new_facility_with_offerings_is_created(data, users):
    def change(workbook) -> None:
        sheet = workbook["设施 facilities"]
        values = {
            "code": "F990102001002-01",
            "name": "湖滨邻里中心",
            "type": "nc-community",
            "area_code": "990102001002",
            "lon": 120.015,
            "lat": 30.005,
            "opening_hours": "1-7 09:00-21:00",
        }
        sheet.append([values.get(str(cell.value).split(" ")[-1]) for cell in sheet[1]])
        offerings = workbook["服务项目 offerings"]
        offerings.append(["F990102001002-01", "clinic", "周三上午", "free", None, "是"])

    job = run(users["town"], "facilities.xlsx", edit(facilities_export(actor=users["town"], fmt="xlsx"), change))

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["created"] == 1 and job.result["offerings_created"] == 1
    created = Facility.objects.get(code="F990102001002-01")
    assert created.opening_rules.count() == 7 and created.operation_model == "government"
    assert created.offerings.get().area_code == "990102001002"
    assert AuditLog.objects.filter(action="create", object_id="F990102001002-01").exists()


# Bad input: the whole file refused, every problem named, nothing written --------------------------------


def _duplicate_row(workbook) -> None:
    sheet = workbook["设施 facilities"]
    sheet.append([c.value for c in sheet[2]])


def _offering_the_type_cannot_host(workbook) -> None:
    workbook["服务项目 offerings"].append([SCHOOL, "elderly-meals", "", "", None, "是"])


def _swap_lon_lat(workbook) -> None:
    set_cell("设施 facilities", FACILITY, "lon", 30.005)(workbook)
    set_cell("设施 facilities", FACILITY, "lat", 120.005)(workbook)


def _rename_header(workbook) -> None:
    sheet = workbook["设施 facilities"]
    sheet.cell(1, column(sheet, "floor_area_m2"), "面积")


BAD_FACILITY_FILES = {
    "operator credit code": (
        set_cell("设施 facilities", FACILITY, "operator", "91990102MA000000X0"),
        2,
        "运营主体 operator",
    ),
    "outside the district": (set_cell("设施 facilities", FACILITY, "lon", 121.5), 2, "经度 lon"),
    "swapped lon/lat": (_swap_lon_lat, 2, "经度 lon"),
    "overlapping hours": (
        set_cell("设施 facilities", FACILITY, "opening_hours", "1-5 08:00-12:00,11:00-14:00"),
        2,
        "开放时间 opening_hours",
    ),
    "hours end before they start": (
        set_cell("设施 facilities", FACILITY, "opening_hours", "1 18:00-09:00"),
        2,
        "开放时间 opening_hours",
    ),
    "unreadable hours": (
        set_cell("设施 facilities", FACILITY, "opening_hours", "Mon 9-5"),
        2,
        "开放时间 opening_hours",
    ),
    "type cannot host the item": (_offering_the_type_cannot_host, 5, "服务项目编码 item"),
    "duplicate code": (_duplicate_row, 4, "设施编码 code"),
    "changed header": (_rename_header, 1, "面积"),
}


@pytest.mark.parametrize("case", list(BAD_FACILITY_FILES))
def test_a_bad_file_is_refused_whole(data, users, case):
    change, row, field = BAD_FACILITY_FILES[case]
    content = facilities_export(actor=users["district"], fmt="xlsx")

    def with_a_good_edit_too(workbook) -> None:
        set_cell("设施 facilities", SCHOOL, "floor_area_m2", 9999)(workbook)
        change(workbook)

    before, audits = snapshot(), AuditLog.objects.count()

    job = run(users["district"], "facilities.xlsx", edit(content, with_a_good_edit_too))

    assert job.status == JobStatus.FAILED
    assert (row, field) in problems(job), job.error
    assert job.error["code"] in ("invalid_rows", "bad_header")
    assert snapshot() == before
    assert Facility.objects.get(code=SCHOOL).floor_area_m2 is None
    assert AuditLog.objects.count() == audits


def test_every_problem_is_listed_at_once(data, users):
    def change(workbook) -> None:
        set_cell("设施 facilities", FACILITY, "lon", 121.5)(workbook)
        set_cell("设施 facilities", SCHOOL, "opening_hours", "1 18:00-09:00")(workbook)
        _offering_the_type_cannot_host(workbook)

    job = run(users["district"], "f.xlsx", edit(facilities_export(actor=users["district"], fmt="xlsx"), change))

    # Each field by the header the sheet itself uses, with the sheet's name: never an internal key.
    assert problems(job) == {(2, "经度 lon"), (3, "开放时间 opening_hours"), (5, "服务项目编码 item")}
    sheets = {(e["row"], e["sheet"]) for e in job.error["detail"]["errors"]}
    assert sheets == {(2, "设施 facilities"), (3, "设施 facilities"), (5, "服务项目 offerings")}
    assert "nothing was imported" in job.error["message"]
    hours = next(e for e in job.error["detail"]["errors"] if e["field"] == "开放时间 opening_hours")
    assert "before it opens" in hours["message"]


def test_a_missing_required_column_is_named(data, users):
    def change(workbook) -> None:
        sheet = workbook["设施 facilities"]
        sheet.delete_cols(column(sheet, "code"))

    job = run(users["district"], "f.xlsx", edit(facilities_export(actor=users["district"], fmt="xlsx"), change))

    assert job.error["code"] == "bad_header"
    assert (1, "设施编码 code") in problems(job)


def test_a_dropped_column_keeps_the_stored_values(data, users):
    def change(workbook) -> None:
        sheet = workbook["设施 facilities"]
        sheet.delete_cols(column(sheet, "opening_hours"))
        sheet.delete_cols(column(sheet, "phone"))

    before = snapshot()
    job = run(users["district"], "f.xlsx", edit(facilities_export(actor=users["district"], fmt="xlsx"), change))

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert snapshot() == before


def test_an_unknown_file_is_refused_at_once(users, area_tree):
    with pytest.raises(ApplicationError) as refused:
        registry_import_start(actor=users["district"], name="notes.txt", content=b"hello", enqueue=False)
    assert refused.value.code == "bad_file_type"


# GeoJSON and GeoPackage ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_geo_export_imports_back_equal(data, users, fmt):
    content = facilities_export(actor=users["district"], fmt=fmt)
    before = snapshot()
    Facility.objects.all().delete()

    job = run(users["district"], f"facilities.{fmt}", content)

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["created"] == 2
    after = snapshot()
    assert after["facilities"] == before["facilities"]
    assert after["hours"] == before["hours"]


def test_geojson_features(data, users):
    document = json.loads(facilities_export(actor=users["district"], fmt="geojson"))
    feature = next(f for f in document["features"] if f["id"] == FACILITY)
    assert feature["geometry"] == {"type": "Point", "coordinates": [120.005, 30.005]}
    assert feature["properties"]["opening_hours"] == "1-5 08:30-11:30,14:00-17:30; 6 09:00-12:00"
    assert feature["properties"]["accessibility"] == ["ramp", "lift"]
    assert feature["properties"]["completed_on"] == "2023-06-01"


def test_geojson_with_bad_features_names_them(data, users):
    document = json.loads(facilities_export(actor=users["district"], fmt="geojson"))
    document["features"][0]["geometry"]["coordinates"] = [30.005, 120.005]
    document["features"][1]["geometry"] = {"type": "LineString", "coordinates": [[120, 30], [120.1, 30.1]]}
    document["features"][1]["properties"]["colour"] = "red"
    before = snapshot()

    job = run(users["district"], "f.geojson", json.dumps(document).encode())

    assert problems(job) == {(1, "lon"), (2, "geometry"), (2, "colour")}
    assert snapshot() == before


def test_geopackage_layer(data, users, tmp_path):
    from pyogrio import read_info

    path = tmp_path / "f.gpkg"
    path.write_bytes(facilities_export(actor=users["district"], fmt="gpkg"))
    info = read_info(path, layer="facilities")
    assert info["crs"] == "EPSG:4326" and info["features"] == 2 and info["geometry_type"] == "Point"
    assert "opening_hours" in list(info["fields"])


# Catalogue workbook ----------------------------------------------------------------------------------


def test_masked_contacts_do_not_overwrite(data, users):
    content = catalog_export(actor=users["evaluator"])
    sheet = load_workbook(io.BytesIO(content))["运营主体 operators"]
    assert sheet.cell(2, column(sheet, "contact_phone")).value == "138****1111"
    assert sheet.cell(2, column(sheet, "contact_name")).value == "赵**"
    edited = edit(content, set_cell("运营主体 operators", data["operator"].pk, "address", "东湖路 1 号"))

    job = run(users["district"], "catalog.xlsx", edited)

    assert job.status == JobStatus.SUCCEEDED, job.error
    operator = Operator.objects.get()
    assert (operator.contact_name, operator.contact_phone, operator.address) == ("赵经理", "13800001111", "东湖路 1 号")
    assert job.result["operators_updated"] == 1 and job.result["items_updated"] == 0


def test_unmasked_contact_export_is_audited(data, users):
    content = catalog_export(actor=users["district"])
    sheet = load_workbook(io.BytesIO(content))["运营主体 operators"]
    assert sheet.cell(2, column(sheet, "contact_phone")).value == "13800001111"
    export = AuditLog.objects.get(action="export")
    assert export.actor == users["district"] and export.fields == ["contact_name", "contact_phone"]


def test_catalog_round_trip_and_bad_credit_code(data, users):
    content = catalog_export(actor=users["district"])
    assert run(users["district"], "catalog.xlsx", content).result.items() >= {
        "source": "catalog.xlsx", "items_created": 0, "items_updated": 0,
        "operators_created": 0, "operators_updated": 0,
    }.items()  # fmt: skip
    before = snapshot()

    def change(workbook) -> None:
        set_cell("服务项目 items", "reading", "name", "图书借阅与阅读推广")(workbook)
        set_cell("运营主体 operators", data["operator"].pk, "credit_code", "91990102MA000000X0")(workbook)
        workbook["运营主体 operators"].append([None, "新运营方", "company", credit_code("91990102MA0000002"), "4A"])

    job = run(users["district"], "catalog.xlsx", edit(content, change))

    assert problems(job) == {(2, "统一社会信用代码 credit_code"), (3, "注册区划代码 area_code"), (3, "评估等级 grade")}
    assert snapshot() == before
    assert data["reading"].__class__.objects.get(code="reading").name == "图书借阅"


def test_removing_a_host_type_still_offered_is_refused(data, users):
    content = edit(
        catalog_export(actor=users["district"]), set_cell("服务项目 items", "reading", "host_types", "nc-community")
    )
    job = run(users["district"], "catalog.xlsx", content)
    assert problems(job) == {(_item_row(content, "reading"), "可承载设施类型 host_types")}
    assert "西山小学" in job.error["detail"]["errors"][0]["message"]


def _item_row(content: bytes, code: str) -> int:
    sheet = load_workbook(io.BytesIO(content))["服务项目 items"]
    return next(row for row in range(2, sheet.max_row + 1) if sheet.cell(row, 1).value == code)


def test_the_catalogue_is_changed_by_the_district_only(data, users):
    with pytest.raises(ApplicationError) as refused:
        registry_import_start(actor=users["town"], name="c.xlsx", content=catalog_export(actor=users["town"]))
    assert refused.value.code == "forbidden"


# Scope -----------------------------------------------------------------------------------------------


def test_town_staff_export_only_their_facilities(data, users):
    sheet = load_workbook(io.BytesIO(facilities_export(actor=users["town"], fmt="xlsx")))["设施 facilities"]
    assert [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)] == [FACILITY]
    codes = [f["id"] for f in json.loads(facilities_export(actor=users["town"], fmt="geojson"))["features"]]
    assert codes == [FACILITY]


def test_community_staff_may_not_import_another_communitys_facility(data, users):
    content = facilities_export(actor=users["district"], fmt="xlsx")
    before = snapshot()

    job = run(users["other_community"], "f.xlsx", content)

    assert job.status == JobStatus.FAILED
    assert (2, "设施编码 code") in problems(job)
    assert snapshot() == before
    # Their own facility alone imports.
    own = facilities_export(actor=users["other_community"], fmt="xlsx")
    assert run(users["other_community"], "f.xlsx", own).status == JobStatus.SUCCEEDED


# Text form of opening hours, and the command line ------------------------------------------------------


def test_opening_hours_text_round_trip():
    text = "1-3,5 08:30-11:30,14:00-17:30; 6-7 9:00-12:00"
    rules = parse_opening_hours(text)
    assert len(rules) == 4 * 2 + 2
    assert rules[0] == {"weekday": 0, "opens": "08:30", "closes": "11:30"}
    parsed = [(r["weekday"], dt.time.fromisoformat(r["opens"]), dt.time.fromisoformat(r["closes"])) for r in rules]
    assert format_opening_hours(parsed) == "1-3,5 08:30-11:30,14:00-17:30; 6-7 09:00-12:00"
    assert parse_opening_hours("1－5 08:30～11:30；") == parse_opening_hours("1-5 08:30-11:30")
    for bad in ("Mon 09:00-12:00", "5-1 09:00-12:00", "1 9-12", "1"):
        with pytest.raises(ValueError):
            parse_opening_hours(bad)


def test_command_line_export_and_import(data, tmp_path, capsys):
    for fmt in ("xlsx", "geojson", "gpkg"):
        out = tmp_path / f"facilities.{fmt}"
        call_command("export_registry", "--format", fmt, str(out))
        assert out.stat().st_size > 0
    call_command("export_registry", "--catalog", str(tmp_path / "catalog.xlsx"))
    before = snapshot()
    call_command("import_registry", str(tmp_path / "facilities.xlsx"))
    call_command("import_registry", str(tmp_path / "catalog.xlsx"))
    assert snapshot() == before
    assert "Imported" in capsys.readouterr().out


def test_a_registry_preview_shows_each_change_by_its_header_and_label(data, users):
    facility = data["facility"]
    content = edit(
        facilities_export(actor=users["district"], fmt="xlsx"),
        lambda wb: (
            set_cell("设施 facilities", facility.code, "name", "新名字")(wb),
            set_cell("设施 facilities", facility.code, "status", "在建")(wb),
        ),
    )
    before = snapshot()
    with translation.override("zh-hans"):  # the preview speaks the uploader's language
        started = registry_import_start(actor=users["district"], name="f.xlsx", content=content, enqueue=False)
    job = job_run(job_id=str(started.pk))
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert snapshot() == before  # a preview writes nothing
    (row,) = [r for r in job.result["preview"]["rows"] if r["key"] == facility.code]
    changes = {c["field"]: (c["old"], c["new"]) for c in row["changes"]}
    assert changes["名称"] == (facility.name, "新名字")
    assert changes["建设状态"] == ("建成", "在建")  # labels, not the codes built / under_construction
    applied = job_run(job_id=str(job_confirm(actor=users["district"], job=job, enqueue=False).pk))
    assert applied.status == JobStatus.SUCCEEDED, applied.error
    facility.refresh_from_db()
    assert facility.name == "新名字"
