"""Reading and writing the registry as files: the facilities workbook (facilities and their offerings),
the catalogue workbook (service items and operators), GeoJSON and GeoPackage of facilities.

Reading only turns a file into rows of raw values keyed by column (`Row`), checking the file's shape
(sheets, header, geometry); `linli.interop.services.registry_import` checks the values and writes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from linli.catalog.services import ITEM_FIELDS
from linli.core.errors import ApplicationError, RowErrors
from linli.core.masking import OPERATOR_CONTACT_FIELDS, operator_contact
from linli.facilities.services import FACILITY_FIELDS, OPERATOR_FIELDS

if TYPE_CHECKING:
    from linli.catalog.models import Offering, ServiceItem
    from linli.facilities.models import Facility, Operator

Progress = Callable[[int, int, str], None]
# One record as read from a file: its row (Excel row, header = 1) or feature number (from 1), and its raw
# values by column key. A column missing from the file is missing from the mapping.
Row = tuple[int, dict[str, Any]]

FACILITIES, CATALOG = "facilities", "catalog"
GPKG_LAYER = "facilities"
CONTACT_FIELDS = OPERATOR_CONTACT_FIELDS


@dataclass(frozen=True)
class SheetSpec:
    """A sheet of a workbook: its key, its title and its columns (key -> Chinese label)."""

    key: str
    title: str
    columns: dict[str, str]
    required: tuple[str, ...]

    def header(self) -> list[str]:
        return [f"{label} {key}" for key, label in self.columns.items()]

    def aliases(self) -> dict[str, str]:
        """Every accepted way of writing each column's header, lower-cased: "名称 name", "名称", "name"."""
        names = {}
        for key, label in self.columns.items():
            for alias in (f"{label} {key}", label, key):
                names[alias.lower()] = key
        return names

    def names(self) -> set[str]:
        return {name for name in (self.title, *self.title.split(" ", 1)) if name}


FACILITY_LABELS = {
    "code": "设施编码", "name": "名称", "type": "设施类型", "area_code": "区划代码", "lon": "经度", "lat": "纬度",
    "crs": "坐标系", "address": "地址", "floor_area_m2": "建筑面积", "capacity": "容量", "beds": "床位",
    "served_persons": "登记服务人数", "staff_count": "工作人员数", "operation_model": "运营模式",
    "operator": "运营主体", "status": "建设状态", "planned_on": "规划日期", "approved_on": "立项日期",
    "construction_started_on": "开工日期", "completed_on": "建成日期", "closed_on": "关闭日期",
    "accessibility": "无障碍设施", "closed_on_public_holidays": "节假日闭馆", "phone": "电话",
    "description": "简介", "opening_hours": "开放时间",
}  # fmt: skip
ITEM_LABELS = {
    "code": "编码", "name": "名称", "domain": "领域", "service_class": "服务类别", "content": "服务内容",
    "duration_minutes": "时长分钟", "frequency": "服务频次", "facility_requirement": "设施要求",
    "equipment": "设备配置", "staffing": "人员配备", "target_groups": "服务对象", "min_age": "最低年龄",
    "max_age": "最高年龄", "fee_type": "收费类型", "fee_amount": "收费金额", "fee_unit": "计费单位",
    "host_types": "可承载设施类型",
}  # fmt: skip
OPERATOR_LABELS = {
    "id": "编号", "name": "名称", "kind": "类型", "credit_code": "统一社会信用代码", "grade": "评估等级",
    "area_code": "注册区划代码", "address": "地址", "contact_name": "联系人", "contact_phone": "联系电话",
    "website": "网站", "description": "简介",
}  # fmt: skip
assert tuple(FACILITY_LABELS) == (*FACILITY_FIELDS, "opening_hours")
assert tuple(ITEM_LABELS) == ITEM_FIELDS
assert tuple(OPERATOR_LABELS) == ("id", *OPERATOR_FIELDS)

FACILITY_SHEET = SheetSpec("facilities", "设施 facilities", FACILITY_LABELS, ("code",))
OFFERING_SHEET = SheetSpec(
    "offerings",
    "服务项目 offerings",
    {
        "facility": "设施编码",
        "item": "服务项目编码",
        "schedule": "服务时间",
        "fee_type": "收费类型",
        "fee_amount": "收费金额",
        "active": "是否提供",
    },
    ("facility", "item"),
)
ITEM_SHEET = SheetSpec("items", "服务项目 items", ITEM_LABELS, ("code",))
OPERATOR_SHEET = SheetSpec("operators", "运营主体 operators", OPERATOR_LABELS, ("name",))
WORKBOOKS: dict[str, tuple[SheetSpec, ...]] = {
    FACILITIES: (FACILITY_SHEET, OFFERING_SHEET),
    CATALOG: (ITEM_SHEET, OPERATOR_SHEET),
}
# Facility attributes of a GeoJSON feature or GeoPackage row: the geometry carries lon and lat in WGS-84.
GEO_FIELDS = tuple(k for k in FACILITY_LABELS if k not in ("lon", "lat", "crs"))
COUNT_FIELDS = ("floor_area_m2", "capacity", "beds", "served_persons", "staff_count")
DATE_FIELDS = ("planned_on", "approved_on", "construction_started_on", "completed_on", "closed_on")


@dataclass
class RegistryData:
    """What a file holds: its kind (facilities or catalogue), rows by sheet key, and problems found while
    reading (a feature without a point, an unknown property)."""

    kind: str
    sheets: dict[str, list[Row]]
    errors: RowErrors = field(default_factory=RowErrors)


# Opening hours as text ------------------------------------------------------------------------------

_DAYS = re.compile(r"^[1-7](-[1-7])?(,[1-7](-[1-7])?)*$")
_SPAN = re.compile(r"^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$")
_NORMALISE = str.maketrans(
    {"；": ";", "，": ",", "、": ",", "：": ":", "～": "-", "~": "-", "—": "-", "–": "-", "－": "-"}
)
OPENING_HOURS_EXAMPLE = "1-5 08:30-11:30,14:00-17:30; 6 09:00-12:00"


def format_opening_hours(rules: Iterable[tuple[int, dt.time, dt.time]]) -> str:
    """Weekly rules (weekday 0 = Monday) as text, days with the same hours together:
    "1-5 08:30-11:30,14:00-17:30; 6 09:00-12:00" (1 = Monday … 7 = Sunday)."""
    by_day: dict[int, list[str]] = {}
    for weekday, opens, closes in sorted(rules):
        by_day.setdefault(weekday, []).append(f"{opens:%H:%M}-{closes:%H:%M}")
    groups: dict[str, list[int]] = {}
    for weekday, spans in by_day.items():
        groups.setdefault(",".join(spans), []).append(weekday + 1)
    return "; ".join(f"{_days_text(days)} {spans}" for spans, days in sorted(groups.items(), key=lambda g: g[1][0]))


def _days_text(days: list[int]) -> str:
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)


def parse_opening_hours(value: str) -> list[dict[str, Any]]:
    """The text form back to rules [{weekday (0 = Monday), opens, closes}]; raises ValueError naming the
    part that cannot be read. Whether the hours make sense is `opening_hours_check`'s business."""
    rules: list[dict[str, Any]] = []
    for part in (p.strip() for p in value.translate(_NORMALISE).split(";")):
        if not part:
            continue
        days_text, _sep, spans_text = part.partition(" ")
        spans = spans_text.replace(" ", "").split(",")
        if not _DAYS.match(days_text) or not spans_text.strip():
            raise ValueError(part)
        days: list[int] = []
        for days_part in days_text.split(","):
            first, _sep, last = days_part.partition("-")
            if int(last or first) < int(first):
                raise ValueError(part)
            days.extend(range(int(first), int(last or first) + 1))
        for span in spans:
            match = _SPAN.match(span)
            if not match:
                raise ValueError(part)
            opens, closes = (t.zfill(5) for t in match.groups())
            rules.extend({"weekday": day - 1, "opens": opens, "closes": closes} for day in days)
    return rules


# Records: model instances as plain values -----------------------------------------------------------


def facility_record(facility: Facility) -> dict[str, Any]:
    """A facility's values by column key (type and operator by code, dates as dates, accessibility as a
    list). Expects `opening_rules` prefetched."""
    record: dict[str, Any] = {key: getattr(facility, key, None) for key in FACILITY_LABELS}
    record["type"] = facility.facility_type.code
    record["operator"] = facility.operator.credit_code if facility.operator else None
    record["crs"] = "wgs84"
    record["accessibility"] = list(facility.accessibility or [])
    record["opening_hours"] = format_opening_hours((r.weekday, r.opens, r.closes) for r in facility.opening_rules.all())
    return record


def offering_record(offering: Offering) -> dict[str, Any]:
    return {
        "facility": offering.facility.code,
        "item": offering.item.code,
        "schedule": offering.schedule,
        "fee_type": offering.fee_type,
        "fee_amount": offering.fee_amount,
        "active": offering.active,
    }


def item_record(item: ServiceItem) -> dict[str, Any]:
    """Expects `host_types` prefetched."""
    record = {key: getattr(item, key) for key in ITEM_FIELDS if key != "host_types"}
    record["host_types"] = sorted(t.code for t in item.host_types.all())
    return record


def operator_record(operator: Operator, *, contacts_visible: bool) -> dict[str, Any]:
    """Contact person and phone are personal data: masked unless `contacts_visible`."""
    record = {key: getattr(operator, key) for key in OPERATOR_LABELS}
    return {**record, **operator_contact(operator, visible=contacts_visible)}


# Excel ----------------------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return value


def _write_workbook(sheets: list[tuple[SheetSpec, Iterable[Mapping[str, Any]]]], notes: list[tuple[str, str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    default = workbook.active
    assert default is not None
    workbook.remove(default)
    for spec, records in sheets:
        sheet = workbook.create_sheet(spec.title)
        sheet.append(spec.header())
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "B2"
        for index, record in enumerate(records, start=2):
            for column, key in enumerate(spec.columns, start=1):
                cell = sheet.cell(row=index, column=column, value=_cell(record.get(key)))
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text typed by a person, never a formula
        for column_cells in sheet.iter_cols(min_row=1, max_row=1):
            letter = column_cells[0].column_letter
            sheet.column_dimensions[letter].width = max(10, min(40, len(str(column_cells[0].value)) + 4))
    sheet = workbook.create_sheet("说明 notes")
    for line in notes:
        sheet.append(line)
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def facilities_workbook(facilities: Iterable[Facility], offerings: Iterable[Offering]) -> bytes:
    """The facilities workbook: `设施 facilities`, `服务项目 offerings` and `说明 notes`."""
    from linli.catalog.enums import FeeType
    from linli.facilities.enums import Accessibility, ConstructionStatus, OperationModel

    notes = [
        ("设施编码 code", "唯一；已有编码则更新，否则新建 / unique: an existing code is updated, a new one created"),
        ("设施类型 type", "设施类型编码 / facility type code"),
        ("经度、纬度 lon, lat", "WGS-84；坐标系 crs 可填 gcj02 / WGS-84, or GCJ-02 when crs is gcj02"),
        ("运营主体 operator", "统一社会信用代码 / the operator's unified social credit code"),
        ("运营模式 operation_model", ", ".join(OperationModel.values)),
        ("建设状态 status", ", ".join(ConstructionStatus.values)),
        ("无障碍设施 accessibility", "逗号分隔 / comma-separated: " + ", ".join(Accessibility.values)),
        ("日期 dates", "YYYY-MM-DD"),
        ("开放时间 opening_hours", f"{OPENING_HOURS_EXAMPLE} (1 = 周一 Monday … 7 = 周日 Sunday)"),
        ("服务项目 offerings", "设施编码 + 服务项目编码；停止提供请填 否，导入不删除行 / set active to 否 to stop one"),
        ("收费类型 fee_type", ", ".join(FeeType.values)),
        ("表头 header", "请勿修改表头；可删除整列，该列保持原值 / keep the header; a removed column stays as it is"),
        ("导入 import", "任何一行有错则整个文件不导入 / a file with any bad row is rejected whole"),
    ]
    return _write_workbook(
        [
            (FACILITY_SHEET, (facility_record(f) for f in facilities)),
            (OFFERING_SHEET, (offering_record(o) for o in offerings)),
        ],
        notes,
    )


def catalog_workbook(items: Iterable[ServiceItem], operators: Iterable[Operator], *, contacts_visible: bool) -> bytes:
    """The catalogue workbook: `服务项目 items`, `运营主体 operators` and `说明 notes`."""
    from linli.catalog.enums import Domain, ServiceClass, TargetGroup
    from linli.facilities.enums import OperatorKind

    notes = [
        ("编码 code", "唯一；已有编码则更新，否则新建 / unique: an existing code is updated, a new one created"),
        ("领域 domain", ", ".join(Domain.values)),
        ("服务类别 service_class", ", ".join(ServiceClass.values)),
        ("服务对象 target_groups", "逗号分隔 / comma-separated: " + ", ".join(TargetGroup.values)),
        ("可承载设施类型 host_types", "逗号分隔的设施类型编码 / comma-separated facility type codes"),
        ("运营主体 编号 id", "新运营主体留空 / blank for a new operator"),
        ("类型 kind", ", ".join(OperatorKind.values)),
        ("联系人、联系电话", "带 * 的为脱敏值，导入时保持原值 / a masked value (with *) leaves the stored one"),
        ("导入 import", "任何一行有错则整个文件不导入 / a file with any bad row is rejected whole"),
    ]
    return _write_workbook(
        [
            (ITEM_SHEET, (item_record(i) for i in items)),
            (OPERATOR_SHEET, (operator_record(o, contacts_visible=contacts_visible) for o in operators)),
        ],
        notes,
    )


def workbook_kind(content: bytes) -> str | None:
    """FACILITIES or CATALOG by the workbook's sheet names; None when it is neither."""
    workbook = _open_workbook(content)
    try:
        return _kind_of(workbook.sheetnames)
    finally:
        workbook.close()


def _kind_of(sheet_names: Iterable[str]) -> str | None:
    names = set(sheet_names)
    return next((kind for kind, specs in WORKBOOKS.items() if names & specs[0].names()), None)


def _open_workbook(content: bytes) -> Any:
    from openpyxl import load_workbook

    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise ApplicationError("bad_file", _("This is not an Excel (.xlsx) file."), {"field": "file"})
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ApplicationError(
            "bad_file", _("This Excel file cannot be read."), {"field": "file", "why": str(exc)}
        ) from exc


def read_workbook(content: bytes, progress: Progress | None = None) -> RegistryData:
    """The rows of a facilities or catalogue workbook. A header that is not the template's (an unknown,
    repeated or missing column) refuses the file, naming the column."""
    workbook = _open_workbook(content)
    header_errors = RowErrors()
    sheets: dict[str, list[Row]] = {}
    try:
        kind = _kind_of(workbook.sheetnames)
        if kind is None:
            raise ApplicationError(
                "bad_file",
                _("This workbook has neither a facilities sheet nor a service items sheet."),
                {"field": "file"},
            )
        titles = {name: title for title in workbook.sheetnames for name in (title, *title.split(" ", 1))}
        for spec in WORKBOOKS[kind]:
            title = next((titles[n] for n in spec.names() if n in titles), None)
            if title is not None:
                sheets[spec.key] = _read_sheet(workbook[title], spec, header_errors, progress)
    finally:
        workbook.close()
    if header_errors:
        raise ApplicationError(
            "bad_header",
            _("The header row does not match the template; nothing was imported."),
            {"errors": header_errors.errors},
        )
    return RegistryData(kind, sheets)


def _read_sheet(sheet: Any, spec: SheetSpec, errors: RowErrors, progress: Progress | None) -> list[Row]:
    rows_iter: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
    header = next(rows_iter, None) or ()
    columns = _map_header(header, spec, errors)
    headed = {col for col, cell in enumerate(header) if cell is not None and str(cell).strip()}
    total = max((sheet.max_row or 1) - 1, 0)
    rows: list[Row] = []
    for index, values in enumerate(rows_iter, start=2):
        if values is None or all(_empty(v) for v in values):
            continue
        for col in sorted({col for col, v in enumerate(values) if not _empty(v)} - headed):
            message = _("a column without a header in sheet %(sheet)s") % {"sheet": spec.title}
            errors.add(1, _column_letter(col), message)
            headed.add(col)  # reported once
        rows.append((index, {key: values[col] if col < len(values) else None for key, col in columns.items()}))
        if progress and index % 500 == 0:
            progress(index - 1, total, _("reading row %(n)d") % {"n": index})
    return rows


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _column_letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col + 1)


def _map_header(header: tuple[Any, ...], spec: SheetSpec, errors: RowErrors) -> dict[str, int]:
    aliases = spec.aliases()
    columns: dict[str, int] = {}
    for col, cell in enumerate(header):
        label = str(cell).strip() if cell is not None else ""
        if not label:
            continue
        key = aliases.get(label.lower())
        if key is None:
            errors.add(1, label, _("unknown column in sheet %(sheet)s") % {"sheet": spec.title})
        elif key in columns:
            errors.add(1, label, _("column given twice in sheet %(sheet)s") % {"sheet": spec.title})
        else:
            columns[key] = col
    for key in spec.required:
        if key not in columns:
            errors.add(
                1,
                f"{spec.columns[key]} {key}",
                _("required column is missing from sheet %(sheet)s") % {"sheet": spec.title},
            )
    return columns


# GeoJSON --------------------------------------------------------------------------------------------

GEOJSON = "application/geo+json"


def _plain(value: Any) -> Any:
    """A JSON value: dates as YYYY-MM-DD, amounts as numbers."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def facilities_geojson(facilities: Iterable[Facility]) -> bytes:
    """A FeatureCollection of Point features (WGS-84) with every attribute as a property."""
    features = []
    for facility in facilities:
        record = facility_record(facility)
        features.append(
            {
                "type": "Feature",
                "id": facility.code,
                "geometry": {"type": "Point", "coordinates": [facility.lon, facility.lat]},
                "properties": {key: _plain(record[key]) for key in GEO_FIELDS},
            }
        )
    document = {"type": "FeatureCollection", "name": "facilities", "features": features}
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def read_geojson(content: bytes, progress: Progress | None = None) -> RegistryData:
    """Facilities from a FeatureCollection of Points; properties named as the Excel columns (key or
    Chinese label). Features are numbered from 1."""
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApplicationError(
            "bad_file", _("This is not a GeoJSON file."), {"field": "file", "why": str(exc)}
        ) from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise ApplicationError("bad_file", _("A GeoJSON FeatureCollection is expected."), {"field": "file"})
    features = document.get("features") or []
    data = RegistryData(FACILITIES, {FACILITY_SHEET.key: []})
    aliases = FACILITY_SHEET.aliases()
    for number, feature in enumerate(features, start=1):
        feature = feature if isinstance(feature, dict) else {}
        record: dict[str, Any] = {}
        for name, value in (feature.get("properties") or {}).items():
            key = aliases.get(str(name).lower())
            if key is None:
                data.errors.add(number, str(name), _("unknown property"))
            else:
                record[key] = value
        geometry = feature.get("geometry")
        if geometry is not None:
            coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if geometry.get("type") != "Point" or not isinstance(coordinates, list) or len(coordinates) < 2:
                data.errors.add(number, "geometry", _("must be a Point [longitude, latitude]"), geometry.get("type"))
                continue
            record["lon"], record["lat"] = coordinates[0], coordinates[1]
        data.sheets[FACILITY_SHEET.key].append((number, record))
        if progress and number % 500 == 0:
            progress(number, len(features), _("reading feature %(n)d") % {"n": number})
    return data


# GeoPackage -----------------------------------------------------------------------------------------

GPKG = "application/geopackage+sqlite3"


def facilities_geopackage(facilities: Iterable[Facility]) -> bytes:
    """A GeoPackage with one point layer "facilities" in EPSG:4326: counts as integers, dates as dates,
    yes/no as booleans, the rest as text (accessibility comma-separated)."""
    import numpy as np
    import shapely
    from pyogrio.raw import write

    facilities = list(facilities)
    records = [facility_record(f) for f in facilities]
    geometry = np.array([shapely.to_wkb(shapely.Point(f.lon, f.lat)) for f in facilities], dtype=object)
    field_data, field_mask = [], []
    for key in GEO_FIELDS:
        values = [r[key] for r in records]
        mask = None
        if key in COUNT_FIELDS:
            mask = np.array([v is None for v in values], dtype=bool)
            array = np.array([v or 0 for v in values], dtype=np.int64)
        elif key in DATE_FIELDS:
            array = np.array([v if v is not None else "NaT" for v in values], dtype="datetime64[D]")
        elif key == "closed_on_public_holidays":
            array = np.array(values, dtype=bool)
        else:
            array = np.array([_cell(v) for v in values], dtype=object)
        field_data.append(array)
        field_mask.append(mask)
    buffer = io.BytesIO()
    write(
        buffer,
        geometry,
        field_data,
        list(GEO_FIELDS),
        field_mask=field_mask,
        layer=GPKG_LAYER,
        driver="GPKG",
        geometry_type="Point",
        crs="EPSG:4326",
    )
    return buffer.getvalue()


def read_geopackage(content: bytes, progress: Progress | None = None) -> RegistryData:
    """Facilities from the "facilities" point layer of a GeoPackage (or its only layer), in EPSG:4326;
    fields named as the Excel columns. Features are numbered from 1."""
    import shapely
    from pyogrio import list_layers
    from pyogrio.raw import read

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL notes the missing .gpkg extension
            layers = [str(name) for name, _type in list_layers(io.BytesIO(content))]
            layer = GPKG_LAYER if GPKG_LAYER in layers else layers[0] if len(layers) == 1 else None
            if layer is None:
                raise ApplicationError(
                    "bad_file", _("The GeoPackage needs a layer named “facilities”."), {"field": "file"}
                )
            meta, _fids, geometry, field_data = read(io.BytesIO(content), layer=layer)
    except ApplicationError:
        raise
    except Exception as exc:  # GDAL errors on a damaged file
        raise ApplicationError(
            "bad_file", _("This GeoPackage cannot be read."), {"field": "file", "why": str(exc)}
        ) from exc
    crs = str(meta.get("crs") or "")
    if crs and crs.upper() not in ("EPSG:4326", "OGC:CRS84"):
        raise ApplicationError(
            "bad_file", _("The layer must be in WGS-84 (EPSG:4326), not %(crs)s.") % {"crs": crs}, {"field": "file"}
        )
    aliases = FACILITY_SHEET.aliases()
    keys, header_errors = [], RowErrors()
    for name in meta["fields"]:
        key = aliases.get(str(name).lower())
        if key is None:
            header_errors.add(0, str(name), _("unknown field"))
        keys.append(key)
    if header_errors:
        raise ApplicationError(
            "bad_header",
            _("The fields of the layer do not match the export; nothing was imported."),
            {"errors": header_errors.errors},
        )
    columns = [array.astype(object) if array.dtype.kind == "M" else array for array in field_data]
    data = RegistryData(FACILITIES, {FACILITY_SHEET.key: []})
    total = len(geometry) if geometry is not None else 0
    for index in range(total):
        number = index + 1
        record = {key: _python(column[index]) for key, column in zip(keys, columns, strict=True) if key}
        if geometry[index] is not None:
            point = shapely.from_wkb(geometry[index])
            if point.geom_type != "Point" or point.is_empty:
                data.errors.add(number, "geometry", _("must be a Point [longitude, latitude]"), point.geom_type)
                continue
            record["lon"], record["lat"] = point.x, point.y
        data.sheets[FACILITY_SHEET.key].append((number, record))
        if progress and number % 500 == 0:
            progress(number, total, _("reading feature %(n)d") % {"n": number})
    return data


def _python(value: Any) -> Any:
    """A numpy scalar as a plain value; NaN as None."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


# Which reader ---------------------------------------------------------------------------------------

READERS: dict[str, Callable[[bytes, Progress | None], RegistryData]] = {
    "xlsx": read_workbook,
    "geojson": read_geojson,
    "gpkg": read_geopackage,
}


def sniff(name: str, content: bytes) -> str | None:
    """The file's format ("xlsx", "geojson", "gpkg") by its name and first bytes, or None."""
    lower = name.lower()
    if lower.endswith(".xlsx") and content[:2] == b"PK":
        return "xlsx"
    if lower.endswith((".geojson", ".json")) and content.lstrip()[:1] == b"{":
        return "geojson"
    if lower.endswith(".gpkg") and content[:16] == b"SQLite format 3\x00":
        return "gpkg"
    return None
