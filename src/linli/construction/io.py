"""The year's construction targets as a spreadsheet (`core.tabular`): Chinese headers, the area and type
names beside their codes for people, read back by code. Errors name the file's own headers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from linli.core import tabular
from linli.core.parsing import text
from linli.core.tabular import NUMBER, Column, Sheet, TableErrors
from linli.facilities.models import ConstructionTarget

TARGET_SHEET = Sheet(
    key="targets",
    title="建设任务",
    columns=(
        Column("year", "年度", "year", kind=NUMBER, width=8),
        Column("area_code", "区划代码", "area code", aliases=("区域代码", "area_code"), width=16),
        Column("area_name", "区域", "area", aliases=("区域名称",), width=16),
        Column("facility_type", "设施类型代码", "type code", aliases=("facility_type",), width=22),
        Column("facility_type_name", "设施类型", "type", width=22),
        Column("tier", "层级", "tier", width=10),
        Column("target", "任务数", "target", aliases=("目标",), kind=NUMBER, width=10),
    ),
    required=("year", "area_code", "facility_type", "target"),
    strict=False,
)
# read back from these; the names are for people
READ_KEYS = ("year", "area_code", "facility_type", "target")


def targets_workbook(rows: Iterable[ConstructionTarget]) -> bytes:
    writer = tabular.Writer()
    writer.table(
        TARGET_SHEET,
        (
            {
                "year": t.year,
                "area_code": t.area_code,
                "area_name": t.area.name,
                "facility_type": t.facility_type.code,
                "facility_type_name": t.facility_type.name,
                "tier": t.facility_type.tier,
                "target": t.target,
            }
            for t in rows
        ),
    )
    return writer.content()


def targets_read(content: bytes, name: str) -> tuple[list[tuple[int, dict[str, Any]]], TableErrors]:
    """The rows of a targets file (codes as text: a code typed in a number cell is read as its digits), and
    the errors object that names fields by the file's headers. A bad header row refuses the file."""
    tabular.check_size(len(content))
    table = tabular.read_table(content, name, TARGET_SHEET)
    tabular.raise_header_problems(table)
    errors = TableErrors()
    errors.name_by(table)
    rows = []
    for number, values in table.rows:
        row = {key: values.get(key) for key in READ_KEYS}
        for key in ("area_code", "facility_type"):
            row[key] = text(row[key]) or None
        rows.append((number, row))
    return rows, errors
