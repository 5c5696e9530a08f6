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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from linli.catalog.enums import Domain, FeeType, ServiceClass, TargetGroup
from linli.catalog.services import ITEM_FIELDS
from linli.core import tabular
from linli.core.errors import ApplicationError, RowErrors
from linli.core.masking import OPERATOR_CONTACT_FIELDS, operator_contact
from linli.core.tabular import BOOLEAN, CHOICE, CHOICES, DATE, NUMBER, TEXT, Column, Sheet, TableErrors
from linli.facilities.enums import Accessibility, ConstructionStatus, OperationModel, OperatorKind, OrgGrade
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


def _columns(labels: dict[str, str], kinds: dict[str, tuple[str, Any]]) -> tuple[Column, ...]:
    """Columns headed "<Chinese> <key>", of the kinds given (text otherwise)."""
    return tuple(
        Column(key, label, key, kind=kinds.get(key, (TEXT, None))[0], choices=kinds.get(key, (TEXT, None))[1])
        for key, label in labels.items()
    )


FACILITY_LABELS = {
    "code": "设施编码", "name": "名称", "type": "设施类型", "area_code": "区划代码", "lon": "经度", "lat": "纬度",
    "crs": "坐标系", "address": "地址", "floor_area_m2": "建筑面积", "capacity": "容量", "beds": "床位",
    "served_persons": "登记服务人数", "staff_count": "工作人员数", "operation_model": "运营模式",
    "operator": "运营主体", "status": "建设状态", "planned_on": "规划日期", "approved_on": "立项日期",
    "construction_started_on": "开工日期", "completed_on": "建成日期", "closed_on": "关闭日期",
    "accessibility": "无障碍设施", "closed_on_public_holidays": "节假日闭馆", "phone": "电话",
    "description": "简介", "opening_hours": "开放时间",
}  # fmt: skip
OFFERING_LABELS = {
    "facility": "设施编码", "item": "服务项目编码", "schedule": "服务时间", "fee_type": "收费类型",
    "fee_amount": "收费金额", "active": "是否提供",
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
COUNT_FIELDS = ("floor_area_m2", "capacity", "beds", "served_persons", "staff_count")
DATE_FIELDS = ("planned_on", "approved_on", "construction_started_on", "completed_on", "closed_on")

FACILITY_SHEET = Sheet(
    "facilities",
    "设施 facilities",
    _columns(
        FACILITY_LABELS,
        {
            "lon": (NUMBER, None), "lat": (NUMBER, None),
            **dict.fromkeys(COUNT_FIELDS, (NUMBER, None)), **dict.fromkeys(DATE_FIELDS, (DATE, None)),
            "operation_model": (CHOICE, OperationModel), "status": (CHOICE, ConstructionStatus),
            "accessibility": (CHOICES, Accessibility), "closed_on_public_holidays": (BOOLEAN, None),
        },
    ),
    required=("code",),
    bilingual=True,
)  # fmt: skip
OFFERING_SHEET = Sheet(
    "offerings",
    "服务项目 offerings",
    _columns(OFFERING_LABELS, {"fee_type": (CHOICE, FeeType), "fee_amount": (NUMBER, None), "active": (BOOLEAN, None)}),
    required=("facility", "item"),
    bilingual=True,
)
ITEM_SHEET = Sheet(
    "items",
    "服务项目 items",
    _columns(
        ITEM_LABELS,
        {
            "domain": (CHOICE, Domain), "service_class": (CHOICE, ServiceClass),
            "target_groups": (CHOICES, TargetGroup), "fee_type": (CHOICE, FeeType),
            "duration_minutes": (NUMBER, None), "min_age": (NUMBER, None), "max_age": (NUMBER, None),
            "fee_amount": (NUMBER, None),
        },
    ),
    required=("code",),
    bilingual=True,
)  # fmt: skip
OPERATOR_SHEET = Sheet(
    "operators",
    "运营主体 operators",
    _columns(OPERATOR_LABELS, {"kind": (CHOICE, OperatorKind), "grade": (CHOICE, OrgGrade)}),
    required=("name",),
    bilingual=True,
)
# The sheets of each workbook, the first being the one whose fields the services name without a prefix
# (the others' as "<sheet key>.<field>").
WORKBOOKS: dict[str, tuple[Sheet, ...]] = {
    FACILITIES: (FACILITY_SHEET, OFFERING_SHEET),
    CATALOG: (ITEM_SHEET, OPERATOR_SHEET),
}
# Facility attributes of a GeoJSON feature or GeoPackage row: the geometry carries lon and lat in WGS-84.
GEO_FIELDS = tuple(k for k in FACILITY_LABELS if k not in ("lon", "lat", "crs"))


@dataclass
class RegistryData:
    """What a file holds: its kind (facilities or catalogue), rows by sheet key, and problems found while
    reading (a feature without a point, an unknown property)."""

    kind: str
    sheets: dict[str, list[Row]]
    errors: TableErrors = field(default_factory=TableErrors)


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

XLSX = tabular.XLSX


def _cell(value: Any) -> Any:
    """A value of a GeoPackage text field: yes/no as 是/否, lists comma-separated."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return value


def _choices(column: Column) -> str:
    return ", ".join(column.labels.values())


def _offering_records(offerings: Iterable[Offering]) -> Iterator[dict[str, Any]]:
    """`offering_record` of each offering; a queryset is read as plain values (ten times faster than
    building ten thousand offerings with their facility and item)."""
    if isinstance(offerings, QuerySet):
        keys = tuple(OFFERING_LABELS)
        rows = offerings.values_list("facility__code", "item__code", "schedule", "fee_type", "fee_amount", "active")
        for values in rows:
            yield dict(zip(keys, values, strict=True))
    else:
        yield from (offering_record(o) for o in offerings)


def facilities_workbook(facilities: Iterable[Facility], offerings: Iterable[Offering]) -> bytes:
    """The facilities workbook: `设施 facilities`, `服务项目 offerings` and `说明 notes`."""
    facility, offering = FACILITY_SHEET.column, OFFERING_SHEET.column
    notes = [
        ("设施编码 code", "唯一；已有编码则更新，否则新建 / unique: an existing code is updated, a new one created"),
        ("设施类型 type", "设施类型编码 / facility type code"),
        ("经度、纬度 lon, lat", "WGS-84；坐标系 crs 可填 gcj02 / WGS-84, or GCJ-02 when crs is gcj02"),
        ("运营主体 operator", "统一社会信用代码 / the operator's unified social credit code"),
        ("运营模式 operation_model", _choices(facility("operation_model"))),
        ("建设状态 status", _choices(facility("status"))),
        ("无障碍设施 accessibility", "逗号分隔 / comma-separated: " + _choices(facility("accessibility"))),
        ("日期 dates", "YYYY-MM-DD"),
        ("开放时间 opening_hours", f"{OPENING_HOURS_EXAMPLE} (1 = 周一 Monday … 7 = 周日 Sunday)"),
        ("服务项目 offerings", "设施编码 + 服务项目编码；停止提供请填 否，导入不删除行 / set active to 否 to stop one"),
        ("收费类型 fee_type", _choices(offering("fee_type"))),
        ("表头 header", "请勿修改表头；可删除整列，该列保持原值 / keep the header; a removed column stays as it is"),
        ("导入 import", "任何一行有错则整个文件不导入 / a file with any bad row is rejected whole"),
    ]
    writer = tabular.Writer()
    writer.table(FACILITY_SHEET, (facility_record(f) for f in facilities))
    writer.table(OFFERING_SHEET, _offering_records(offerings))
    writer.notes("说明 notes", notes)
    return writer.content()


def catalog_workbook(items: Iterable[ServiceItem], operators: Iterable[Operator], *, contacts_visible: bool) -> bytes:
    """The catalogue workbook: `服务项目 items`, `运营主体 operators` and `说明 notes`."""
    item = ITEM_SHEET.column
    notes = [
        ("编码 code", "唯一；已有编码则更新，否则新建 / unique: an existing code is updated, a new one created"),
        ("领域 domain", _choices(item("domain"))),
        ("服务类别 service_class", _choices(item("service_class"))),
        ("服务对象 target_groups", "逗号分隔 / comma-separated: " + _choices(item("target_groups"))),
        ("可承载设施类型 host_types", "逗号分隔的设施类型编码 / comma-separated facility type codes"),
        ("运营主体 编号 id", "新运营主体留空 / blank for a new operator"),
        ("类型 kind", _choices(OPERATOR_SHEET.column("kind"))),
        ("联系人、联系电话", "带 * 的为脱敏值，导入时保持原值 / a masked value (with *) leaves the stored one"),
        ("导入 import", "任何一行有错则整个文件不导入 / a file with any bad row is rejected whole"),
    ]
    writer = tabular.Writer()
    writer.table(ITEM_SHEET, (item_record(i) for i in items))
    writer.table(OPERATOR_SHEET, (operator_record(o, contacts_visible=contacts_visible) for o in operators))
    writer.notes("说明 notes", notes)
    return writer.content()


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
    return tabular.open_xlsx(content)


def read_workbook(content: bytes, progress: Progress | None = None) -> RegistryData:
    """The rows of a facilities or catalogue workbook. A header that is not the template's (an unknown,
    repeated or missing column, a value under no header) refuses the file, naming the column; the rows'
    problems found later name their fields by the file's own headers."""
    workbook = _open_workbook(content)
    tables: list[tabular.Table] = []
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
                tables.append(tabular.read_sheet(workbook[title], spec, progress))
    finally:
        workbook.close()
    tabular.raise_header_problems(*tables)
    errors = TableErrors()
    main = WORKBOOKS[kind][0]
    for table in tables:
        errors.name_by(table, "" if table.sheet is main else table.sheet.key)
    return RegistryData(kind, {table.sheet.key: table.rows for table in tables}, errors)


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
    features = tabular.read_feature_collection(content)
    data = RegistryData(FACILITIES, {FACILITY_SHEET.key: []})
    for number, feature in enumerate(features, start=1):
        feature = feature if isinstance(feature, dict) else {}
        record: dict[str, Any] = {}
        for name, value in (feature.get("properties") or {}).items():
            key = FACILITY_SHEET.key_of(str(name))
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

    tabular.check_size(len(content))
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
    keys, header_errors = [], RowErrors()
    for name in meta["fields"]:
        key = FACILITY_SHEET.key_of(str(name))
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
