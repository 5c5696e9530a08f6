"""Reading area files (Excel and GeoJSON) into rows, and writing the Excel template.

Reading checks each row on its own (types, codes, numbers); `services.area_import` then checks the rows
together (duplicates, parents, scope) before writing anything.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from linli.areas.codes import CodeError, check_code
from linli.areas.enums import AgeGroup, AreaKind
from linli.core.errors import ApplicationError, RowErrors

AGE_GROUPS = [g.value for g in AgeGroup]

# Excel columns: the template's Chinese header first, then the other names accepted for it.
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("区划代码", "code", "统计用区划代码", "统计代码"),
    "name": ("名称", "name"),
    "kind": ("城乡类型", "kind", "urban/rural"),
    "households": ("户数", "households"),
    "lon": ("经度", "lon", "longitude"),
    "lat": ("纬度", "lat", "latitude"),
}
REQUIRED = ("code", "name")
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


def read_excel(stream: IO[bytes], progress: Progress | None = None) -> tuple[list[AreaRow], RowErrors]:
    """Rows of the first sheet. The header is row 1; data rows are numbered as Excel shows them."""
    from openpyxl import load_workbook

    data = stream.read()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ApplicationError("bad_file", _("This is not an Excel (.xlsx) file."), {"field": "file"})
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ApplicationError(
            "bad_file", _("This Excel file cannot be read."), {"field": "file", "why": str(exc)}
        ) from exc
    sheet = workbook.worksheets[0]
    total = max((sheet.max_row or 1) - 1, 0)
    rows_iter: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
    header = next(rows_iter, None)
    errors = RowErrors()
    columns = _map_header(header or (), errors)
    if errors.errors:
        raise ApplicationError(
            "bad_header", _("The header row does not match the template."), {"errors": errors.errors}
        )
    rows: list[AreaRow] = []
    for index, values in enumerate(rows_iter, start=2):
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        record = {key: values[col] if col < len(values) else None for key, col in columns.items()}
        area_row = _row_from_values(index, record, errors)
        if area_row is not None:
            rows.append(area_row)
        if progress and index % 500 == 0:
            progress(index - 1, total, _("reading row %(n)d") % {"n": index})
    workbook.close()
    return rows, errors


def _map_header(header: tuple[Any, ...], errors: RowErrors) -> dict[str, int]:
    aliases = {alias.lower(): key for key, names in COLUMNS.items() for alias in names}
    columns: dict[str, int] = {}
    for col, cell in enumerate(header):
        label = str(cell).strip() if cell is not None else ""
        if not label:
            continue
        key = aliases.get(label.lower()) or normalise_age_group(label)
        if key is None:
            if _AGE_LIKE.match(label.replace(" ", "")):
                errors.add(
                    1, label, _("unknown age group; the age groups are %(groups)s") % {"groups": ", ".join(AGE_GROUPS)}
                )
            else:
                errors.add(1, label, _("unknown column"))
            continue
        if key in columns:
            errors.add(1, label, _("column given twice"))
        columns[key] = col
    for key in REQUIRED:
        if key not in columns:
            errors.add(1, COLUMNS[key][0], _("required column is missing"))
    return columns


def read_geojson(stream: IO[bytes], progress: Progress | None = None) -> tuple[list[AreaRow], RowErrors]:
    """Features of a FeatureCollection; properties as in the Excel template (`code`, `name`, `kind`,
    `households`, the age groups, flat or under `population`), geometry a Polygon or MultiPolygon in
    WGS-84. Features are numbered from 1."""
    from shapely.geometry import shape

    try:
        document = json.loads(stream.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApplicationError(
            "bad_file", _("This is not a GeoJSON file."), {"field": "file", "why": str(exc)}
        ) from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise ApplicationError("bad_file", _("A GeoJSON FeatureCollection is expected."), {"field": "file"})
    features = document.get("features") or []
    errors = RowErrors()
    rows: list[AreaRow] = []
    for index, feature in enumerate(features, start=1):
        props = dict((feature or {}).get("properties") or {})
        nested = props.pop("population", None)
        if isinstance(nested, dict):
            props.update(nested)
        values: dict[str, Any] = {}
        for key, value in props.items():
            label = str(key)
            mapped = {a.lower(): k for k, names in COLUMNS.items() for a in names}.get(label.lower())
            mapped = mapped or normalise_age_group(label)
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
            area_row.boundary = geometry
        rows.append(area_row)
        if progress and index % 200 == 0:
            progress(index, len(features), _("reading feature %(n)d") % {"n": index})
    return rows, errors


def template_workbook() -> bytes:
    """The Excel template: the header row, two example rows and a sheet explaining the columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "areas"
    header = (
        [COLUMNS[k][0] for k in ("code", "name", "kind", "households")]
        + [f"{g}岁" if g[-1] != "+" else "80岁以上" for g in AGE_GROUPS]
        + [COLUMNS["lon"][0], COLUMNS["lat"][0]]
    )
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(["990102001000", "东湖街道", "城镇", None, None, None, None, None, None, None, 120.28, 30.21])
    sheet.append(["990102001001", "东湖社区", "城镇", 2650, 172, 207, 621, 4416, 1242, 242, 120.281, 30.212])
    for column, width in zip("ABCDEFGHIJKL", (16, 14, 10, 8, 8, 8, 8, 8, 8, 10, 10, 10), strict=True):
        sheet.column_dimensions[column].width = width
    notes = workbook.create_sheet("说明 notes")
    for line in (
        (
            "区划代码 code",
            "12位统计用区划代码 / 12-digit statistical code; "
            "the parent (the code with its last segment zeroed) must exist or be in the file",
        ),
        ("名称 name", "必填 / required"),
        ("城乡类型 kind", "城镇 urban / 乡村 rural"),
        ("户数 households", "社区、村填写 / communities and villages only; whole number ≥ 0"),
        (
            "0-2岁 … 80岁以上",
            "各年龄组人口，社区、村填写 / residents per age group, communities and villages only; whole numbers ≥ 0",
        ),
        ("经度、纬度 lon, lat", "WGS-84 中心点 / centre point, optional"),
    ):
        notes.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
