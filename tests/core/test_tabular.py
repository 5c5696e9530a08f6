"""`linli.core.tabular`: every row read whatever the sheet's <dimension> says, guards against oversized
files and zip bombs, CSV in UTF-8 or GBK, problems named by the file's own headers, enum labels and
formula escaping that read back to the original values."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from linli.core import tabular
from linli.core.errors import ApplicationError
from linli.core.tabular import BOOLEAN, CHOICE, CHOICES, Column, Sheet, TableErrors, Writer
from linli.facilities.enums import Accessibility, ConstructionStatus


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


SHEET = Sheet(
    "things",
    "things",
    (
        Column("code", "编码", "code"),
        Column("count", "数量", "count", ("number",)),
        Column("status", "建设状态", "status", kind=CHOICE, choices=ConstructionStatus),
        Column("access", "无障碍设施", "access", kind=CHOICES, choices=Accessibility),
        Column("open", "是否开放", "open", kind=BOOLEAN),
    ),
    required=("code",),
)


def xlsx(rows: list[list[object]], title: str = "Sheet") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def stale_dimension(content: bytes) -> bytes:
    """The same workbook with every sheet's <dimension ref> rewritten to A1:A1, as some programs leave it."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data, n = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:A1"', data)
                assert n == 1
            target.writestr(info, data)
    return out.getvalue()


def test_a_stale_dimension_does_not_lose_rows():
    content = stale_dimension(xlsx([["编码", "数量"], *([f"c{i}", i] for i in range(5))]))
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    assert workbook.worksheets[0].max_row == 1  # what openpyxl's read-only mode would trust
    table = tabular.read_table(content, "x.xlsx", SHEET)
    assert [values["code"] for _row, values in table.rows] == ["c0", "c1", "c2", "c3", "c4"]
    assert [row for row, _values in table.rows] == [2, 3, 4, 5, 6]


def test_an_area_file_with_a_stale_dimension_imports_every_row(area_tree, users):
    from linli.areas.models import Area
    from linli.areas.services import area_import_start
    from linli.jobs.services import job_run

    rows = [["990102003000", "南湖街道", "城镇"]] + [[f"99010200300{i}", f"社区{i}", "城镇", 10] for i in range(1, 5)]
    content = stale_dimension(xlsx([["区划代码", "名称", "城乡类型", "户数"], *rows]))
    job = area_import_start(actor=users["district"], name="a.xlsx", content=content, enqueue=False, preview=False)
    job = job_run(job_id=str(job.pk))
    assert job.status == "succeeded", job.error
    assert job.result["rows"] == 5
    assert Area.objects.filter(code__startswith="990102003").count() == 5


def test_a_registry_workbook_with_a_stale_dimension_reads_every_row():
    from linli.interop.registry_io import FACILITY_SHEET, read_workbook

    header = FACILITY_SHEET.header()
    rows = [[f"F99010200100{i}-01", f"设施{i}"] + [None] * (len(header) - 2) for i in range(5)]
    data = read_workbook(stale_dimension(xlsx([header, *rows], title="设施 facilities")))
    assert len(data.sheets["facilities"]) == 5


def test_header_aliases_and_problems_named_by_the_files_own_headers():
    table = tabular.read_table(xlsx([["编码", "number", "建设状态"], ["a", "x", "在建"]]), "x.xlsx", SHEET)
    assert table.headers == {"code": "编码", "count": "number", "status": "建设状态"}
    errors = TableErrors()
    errors.name_by(table)
    errors.add(2, "count", "not a number", "x")
    errors.add(2, "status", "bad")
    errors.add(2, "access", "bad")  # not in the file: the template's header
    errors.add(2, "geometry", "bad")  # not a column: as given
    assert [e["field"] for e in errors.errors] == ["number", "建设状态", "无障碍设施", "geometry"]


def test_header_problems_refuse_the_file():
    workbook = Workbook()
    workbook.active.title = "x"
    for row in (["数量", "数量", "颜色"], [1, 2, "red", "stray"]):
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = tabular.read_table(buffer.getvalue(), "x.xlsx", SHEET)
    problems = {p["field"]: p["message"] for p in table.problems.errors}
    assert problems == {
        "数量": "column given twice in sheet x",
        "颜色": "unknown column in sheet x",
        "D": "a column without a header in sheet x",
        "编码": "required column is missing from sheet x",
    }
    with pytest.raises(ApplicationError) as refused:
        tabular.raise_header_problems(table)
    assert refused.value.code == "bad_header"


def test_only_the_first_problems_are_kept_and_the_rest_counted():
    errors = TableErrors(limit=3)
    for row in range(2, 12):
        errors.add(row, "code", "bad")
    assert len(errors.errors) == 3 and errors.more == 7 and errors.count() == 10
    refusal = ApplicationError("invalid_rows", "3 problem(s)", {"errors": errors.errors})
    errors.amend(refusal)
    assert refusal.extra["more"] == 7 and refusal.message.startswith("10 problem(s)")
    with pytest.raises(ApplicationError) as raised:
        errors.raise_if_any("invalid", "bad file")
    assert raised.value.extra["more"] == 7


def test_csv_in_utf8_with_bom_and_in_gbk():
    text = "编码,数量\nA1,3\n甲,4\n"
    for content in ("\ufeff" + text).encode("utf-8"), text.encode("gbk"):
        table = tabular.read_table(content, "x.csv", SHEET)
        assert [(row, v["code"], v["count"]) for row, v in table.rows] == [(2, "A1", "3"), (3, "甲", "4")]
    with pytest.raises(ApplicationError) as refused:
        tabular.read_table(b"\xff\xfe\x00\xd8\x00", "x.csv", SHEET)
    assert refused.value.code == "bad_file"


def test_size_zip_bomb_row_and_cell_limits(monkeypatch):
    content = xlsx([["编码"], ["a"], ["b"], ["c"]])
    monkeypatch.setattr(tabular, "MAX_FILE_BYTES", len(content) - 1)
    with pytest.raises(ApplicationError) as refused:
        tabular.read_table(content, "x.xlsx", SHEET)
    assert refused.value.code == "file_too_large"
    monkeypatch.undo()

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in zipfile.ZipFile(io.BytesIO(content)).infolist():
            archive.writestr(info, zipfile.ZipFile(io.BytesIO(content)).read(info.filename))
        archive.writestr("xl/media/zeros.bin", b"\0" * (8 * 1024 * 1024))  # 8 MB in about 8 kB
    with pytest.raises(ApplicationError) as refused:
        tabular.open_xlsx(bomb.getvalue())
    assert refused.value.code == "file_too_large"

    monkeypatch.setattr(tabular, "MAX_ROWS", 2)
    with pytest.raises(ApplicationError) as refused:
        tabular.read_table(content, "x.xlsx", SHEET)
    assert refused.value.code == "too_many_rows"
    monkeypatch.setattr(tabular, "MAX_ROWS", 100)
    monkeypatch.setattr(tabular, "MAX_CELLS", 3)
    with pytest.raises(ApplicationError) as refused:
        tabular.read_table(content, "x.xlsx", SHEET)
    assert refused.value.code == "too_many_cells"


def test_not_an_xlsx_is_refused():
    with pytest.raises(ApplicationError) as refused:
        tabular.open_xlsx(b"PK\x03\x04garbage")
    assert refused.value.code == "bad_file"


@pytest.mark.parametrize("text", ["=1+1", "+86 571", "-5", "@SUM(A1)", "\tx", '=HYPERLINK("http://x")'])
def test_formula_like_text_is_escaped_and_reads_back(text):
    writer = Writer()
    writer.table(SHEET, [{"code": text, "count": -5}])
    content = writer.content()
    cell = load_workbook(io.BytesIO(content)).worksheets[0].cell(2, 1)
    assert cell.data_type == "s" and cell.value == "'" + text
    number = load_workbook(io.BytesIO(content)).worksheets[0].cell(2, 2)
    assert number.value == -5  # numbers are not text: left alone
    [(_row, values)] = tabular.read_table(content, "x.xlsx", SHEET).rows
    assert values["code"] == text
    assert tabular.unescape("'plain") == "'plain"  # an apostrophe before ordinary text stays
    assert tabular.escape("\rx") == "'\rx"  # (XML turns a stored carriage return into a line feed)


def test_enums_are_written_as_chinese_labels_with_drop_downs_and_read_back_as_values():
    writer = Writer()
    writer.table(SHEET, [{"code": "a", "status": "under_construction", "access": ["ramp", "lift"], "open": True}])
    content = writer.content()
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    assert [c.value for c in ws[1]] == ["编码", "数量", "建设状态", "无障碍设施", "是否开放"]
    assert [c.value for c in ws[2]] == ["a", None, "在建", "坡道,电梯", "是"]
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in ws.data_validations.dataValidation}
    assert lists["C2"] == '"规划,已立项,在建,建成,暂停,关闭"'
    assert lists["E2"] == '"是,否"'
    assert "D2" not in lists  # several values in one cell: no single-choice list
    [(_row, values)] = tabular.read_table(content, "x.xlsx", SHEET).rows
    assert values["status"] == "under_construction" and values["access"] == ["ramp", "lift"]
    # A value typed as its code or its English label reads the same; an unknown word is left for the check.
    table = tabular.read_table(
        xlsx([["编码", "建设状态", "无障碍设施"], ["b", "built", "ramp、电梯"], ["c", "火星", "翅膀"]]), "x.xlsx", SHEET
    )
    assert [(v["status"], v["access"]) for _r, v in table.rows] == [("built", ["ramp", "lift"]), ("火星", ["翅膀"])]


def test_bilingual_headers():
    sheet = Sheet("s", "s", (Column("name", "名称", "name"),), bilingual=True)
    assert sheet.header() == ["名称 name"]
    assert {sheet.key_of(h) for h in ("名称 name", "名称", "NAME")} == {"name"}
