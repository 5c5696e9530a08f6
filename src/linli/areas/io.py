"""Reading area files (Excel and GeoJSON) into rows, and writing the Excel template.

Reading checks each row on its own (types, codes, numbers); `services.area_import` then checks the rows
together (duplicates, parents, scope) before writing anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from linli.areas.codes import CodeError, check_code
from linli.areas.enums import AgeGroup, AreaKind
from linli.core import tabular
from linli.core.errors import RowErrors
from linli.core.inputs import closed_rings
from linli.core.tabular import CHOICE, NUMBER, Column, Sheet, TableErrors

AGE_GROUPS = [g.value for g in AgeGroup]

KIND_WORDS = {
    "urban": AreaKind.URBAN,
    "城镇": AreaKind.URBAN,
    "城市": AreaKind.URBAN,
    "社区": AreaKind.URBAN,
    "街道": AreaKind.URBAN,
    "rural": AreaKind.RURAL,
    "乡村": AreaKind.RURAL,
    "农村": AreaKind.RURAL,
    "村": AreaKind.RURAL,
    "镇": AreaKind.RURAL,
    "乡": AreaKind.RURAL,
}
_AGE_LIKE = re.compile(r"^\d+\s*(-\s*\d+|\+|岁以上)?\s*岁?$")

Progress = Callable[[int, int, str], None]


@dataclass
class AreaRow:
    """One area as read from a file; `None` means "not given" (left as it is on an existing area)."""

    row: int
    code: str
    name: str
    kind: str | None = None
    households: int | None = None
    population: dict[str, int] = field(default_factory=dict)
    boundary: dict[str, Any] | None = None
    centroid: tuple[float, float] | None = None


def normalise_age_group(label: str) -> str | None:
    """'0-2', '0-2岁', '80+', '80岁以上' -> the AgeGroup value; None if it is not one of ours."""
    text = label.replace(" ", "").replace("岁以上", "+").replace("岁", "")
    return text if text in AGE_GROUPS else None


def _unknown_header(label: str) -> str | None:
    if _AGE_LIKE.match(label.replace(" ", "")):
        return _("unknown age group; the age groups are %(groups)s") % {"groups": ", ".join(AGE_GROUPS)}
    return None


def _age_header(group: str) -> str:
    return "80岁以上" if group == "80+" else f"{group}岁"


# The Excel template's columns, in its order; the area sheet may be named anything (the first is read).
AREA_SHEET = Sheet(
    "areas",
    "areas",
    (
        Column("code", "区划代码", "code", ("统计用区划代码", "统计代码"), width=16),
        Column("name", "名称", "name", width=14),
        Column("kind", "城乡类型", "kind", ("urban/rural",), kind=CHOICE, choices=AreaKind, width=10),
        Column("households", "户数", "households", kind=NUMBER, width=8),
        *(Column(g, _age_header(g), g, kind=NUMBER, width=10 if g == "80+" else 8) for g in AGE_GROUPS),
        Column("lon", "经度", "lon", ("longitude",), kind=NUMBER, width=10),
        Column("lat", "纬度", "lat", ("latitude",), kind=NUMBER, width=10),
    ),
    required=("code", "name"),
    match=normalise_age_group,
    unknown=_unknown_header,
)


def _code(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""


def _count(value: Any, row: int, fieldname: str, errors: RowErrors) -> int | None:
    """A non-negative whole number, or None when the cell is empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        errors.add(row, fieldname, _("not a number"), value)
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(str(value).replace(",", "").strip())
        except ValueError:
            errors.add(row, fieldname, _("not a number"), value)
            return None
    if not number.is_integer():
        errors.add(row, fieldname, _("not a whole number"), value)
        return None
    if number < 0:
        errors.add(row, fieldname, _("must not be negative"), value)
        return None
    return int(number)


def _coordinate(value: Any, row: int, fieldname: str, errors: RowErrors) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        errors.add(row, fieldname, _("not a number"), value)
        return None


def check_lon_lat(lon: float, lat: float) -> str | None:
    """A message when (lon, lat) cannot be a place in China; None when it can."""
    if 73 <= lat <= 136 and 3 <= lon <= 54:
        return _("longitude and latitude look swapped")
    if not (73 <= lon <= 136 and 3 <= lat <= 54):
        return _("outside China (longitude 73-136, latitude 3-54)")
    return None


def _row_from_values(row: int, values: dict[str, Any], errors: RowErrors) -> AreaRow | None:
    before = len(errors.errors)
    code = _code(values.get("code"))
    try:
        check_code(code)
    except CodeError as exc:
        errors.add(row, "code", _("not a valid 12-digit area code: %(why)s") % {"why": str(exc)}, code)
    name = str(values.get("name") or "").strip()
    if not name:
        errors.add(row, "name", _("required"))
    elif len(name) > 64:
        errors.add(row, "name", _("at most 64 characters"), name)
    kind_value = str(values.get("kind") or "").strip()
    kind = None
    if kind_value:
        kind = KIND_WORDS.get(kind_value.lower())
        if kind is None:
            errors.add(row, "kind", _("must be urban/城镇 or rural/乡村"), kind_value)
    households = _count(values.get("households"), row, "households", errors)
    population: dict[str, int] = {}
    for group in AGE_GROUPS:
        if group in values:
            count = _count(values[group], row, group, errors)
            if count is not None:
                population[group] = count
    centroid = None
    lon = _coordinate(values.get("lon"), row, "lon", errors)
    lat = _coordinate(values.get("lat"), row, "lat", errors)
    if (lon is None) != (lat is None):
        errors.add(row, "lon" if lon is None else "lat", _("give both longitude and latitude"))
    elif lon is not None and lat is not None:
        problem = check_lon_lat(lon, lat)
        if problem:
            errors.add(row, "lon", problem, f"{lon}, {lat}")
        else:
            centroid = (lon, lat)
    if len(errors.errors) > before:
        return None
    return AreaRow(
        row=row, code=code, name=name, kind=kind, households=households, population=population, centroid=centroid
    )


def read_excel(stream: IO[bytes], progress: Progress | None = None) -> tuple[list[AreaRow], TableErrors]:
    """Rows of the first sheet. The header is row 1; data rows are numbered as Excel shows them, and
    problems name the file's own headers."""
    table = tabular.read_table(stream.read(), "areas.xlsx", AREA_SHEET, progress)
    tabular.raise_header_problems(table)
    errors = TableErrors()
    errors.name_by(table)
    rows = [area_row for index, values in table.rows if (area_row := _row_from_values(index, values, errors))]
    return rows, errors


def read_geojson(stream: IO[bytes], progress: Progress | None = None) -> tuple[list[AreaRow], TableErrors]:
    """Features of a FeatureCollection; properties as in the Excel template (`code`, `name`, `kind`,
    `households`, the age groups, flat or under `population`), geometry a Polygon or MultiPolygon in
    WGS-84. Features are numbered from 1."""
    from shapely.geometry import shape

    content = stream.read()
    features = tabular.read_feature_collection(content)
    errors = TableErrors()
    rows: list[AreaRow] = []
    for index, feature in enumerate(features, start=1):
        props = dict((feature or {}).get("properties") or {})
        nested = props.pop("population", None)
        if isinstance(nested, dict):
            props.update(nested)
        values: dict[str, Any] = {}
        for key, value in props.items():
            label = str(key)
            mapped = AREA_SHEET.key_of(label)
            if mapped is None and _AGE_LIKE.match(label.replace(" ", "")):
                errors.add(
                    index,
                    label,
                    _("unknown age group; the age groups are %(groups)s") % {"groups": ", ".join(AGE_GROUPS)},
                )
            elif mapped is not None:
                values[mapped] = value
        area_row = _row_from_values(index, values, errors)
        geometry = (feature or {}).get("geometry")
        if area_row is None:
            continue
        if geometry is not None:
            if geometry.get("type") not in ("Polygon", "MultiPolygon"):
                errors.add(index, "geometry", _("must be a Polygon or MultiPolygon"), geometry.get("type"))
                continue
            try:
                geom = shape(geometry)
            except Exception as exc:  # shapely raises several kinds for malformed coordinates
                errors.add(index, "geometry", _("malformed coordinates"), exc)
                continue
            if geom.is_empty or not geom.is_valid:
                errors.add(index, "geometry", _("not a valid polygon (self-intersecting or empty)"))
                continue
            point = geom.representative_point()
            problem = check_lon_lat(point.x, point.y)
            if problem:
                errors.add(index, "geometry", problem, f"{point.x:.5f}, {point.y:.5f}")
                continue
            area_row.boundary = closed_rings(geometry)  # stored as checked (issue 12)
        rows.append(area_row)
        if progress and index % 200 == 0:
            progress(index, len(features), _("reading feature %(n)d") % {"n": index})
    return rows, errors


def template_workbook() -> bytes:
    """The Excel template: the header row, two example rows and a sheet explaining the columns. The
    examples have no code, so a template uploaded unchanged is refused (区划代码 required) and can never
    rename or overwrite a real area."""
    writer = tabular.Writer()
    examples = [
        {"code": "", "name": "示例街道（填写代码后使用，或删除本行）", "kind": "urban", "lon": 120.28, "lat": 30.21},
        {
            "code": "", "name": "示例社区（填写代码后使用，或删除本行）", "kind": "urban", "households": 2650,
            **dict(zip(AGE_GROUPS, (172, 207, 621, 4416, 1242, 242), strict=True)), "lon": 120.281, "lat": 30.212,
        },
    ]  # fmt: skip
    writer.table(AREA_SHEET, examples, freeze=None)
    writer.notes(
        "说明 notes",
        [
            (
                "区划代码 code",
                "12位统计用区划代码 / 12-digit statistical code; "
                "the parent (the code with its last segment zeroed) must exist or be in the file. "
                "示例行没有代码，原样上传会被拒绝 / the example rows have no code and are refused as they are",
            ),
            ("名称 name", "必填 / required"),
            ("城乡类型 kind", "城镇 urban / 乡村 rural"),
            ("户数 households", "社区、村填写 / communities and villages only; whole number ≥ 0"),
            (
                "0-2岁 … 80岁以上",
                "各年龄组人口，社区、村填写 / residents per age group, communities and villages only; "
                "whole numbers ≥ 0",
            ),
            ("经度、纬度 lon, lat", "WGS-84 中心点 / centre point, optional"),
        ],
        widths=(20, 100),
    )
    return writer.content()
