"""Open data (开放数据): facilities, the services they offer and the indicators, per area, as CSV, JSON and
GeoJSON, for anyone. Public fields only: no person's name, phone or ID number (an operator is named, its
contact person and phone are not)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.areas.codes import prefix_of
from linli.areas.models import Area
from linli.catalog.models import Offering
from linli.core.errors import ApplicationError
from linli.facilities.selectors import facilities_public
from linli.indicators.registry import definitions
from linli.indicators.selectors import parse_area, values_live, values_snapshot

LICENCE = (
    "知识共享署名 4.0 国际许可协议 (CC BY 4.0) - https://creativecommons.org/licenses/by/4.0/ ；"
    "引用请注明：linli 邻里开放数据"
)
DATASETS = ("facilities", "services", "indicators")
FORMATS = ("csv", "json", "geojson")

FACILITY_FIELDS = [
    "code", "name", "type_code", "type_name", "family", "tier", "area_code", "area_name", "lon", "lat", "address",
    "status", "completed_on", "operation_model", "operator", "operator_kind", "capacity", "beds", "floor_area_m2",
]  # fmt: skip
SERVICE_FIELDS = [
    "facility_code", "facility_name", "area_code", "item_code", "item_name", "domain", "service_class", "fee_type",
    "fee_amount", "schedule", "lon", "lat",
]  # fmt: skip
INDICATOR_FIELDS = [
    "code", "name_zh", "name_en", "unit", "area_code", "area_name", "level", "value", "numerator", "denominator",
    "as_of", "source",
]  # fmt: skip


def _area(code: str) -> Area:
    area = Area.objects.filter(code=parse_area(code)).first()
    if area is None:
        raise ApplicationError("not_found", _("No such area."), {"field": "area", "code": code}, status=404)
    return area


def facility_records(area: Area) -> list[dict[str, Any]]:
    qs = facilities_public().filter(area_code__startswith=prefix_of(area.code)).order_by("area_code", "code")
    return [
        {
            "code": f.code,
            "name": f.name,
            "type_code": f.facility_type.code,
            "type_name": f.facility_type.name,
            "family": f.facility_type.family,
            "tier": f.facility_type.tier,
            "area_code": f.area_code,
            "area_name": f.area.name,
            "lon": f.lon,
            "lat": f.lat,
            "address": f.address,
            "status": f.status,
            "completed_on": f.completed_on.isoformat() if f.completed_on else None,
            "operation_model": f.operation_model,
            "operator": f.operator.name if f.operator else None,
            "operator_kind": f.operator.kind if f.operator else None,
            "capacity": f.capacity,
            "beds": f.beds,
            "floor_area_m2": f.floor_area_m2,
        }
        for f in qs
    ]


def service_records(area: Area) -> list[dict[str, Any]]:
    qs = (
        Offering.objects.filter(
            active=True, facility__in=facilities_public(), area_code__startswith=prefix_of(area.code)
        )
        .select_related("facility", "item")
        .order_by("area_code", "facility__code", "item__code")
    )
    return [
        {
            "facility_code": o.facility.code,
            "facility_name": o.facility.name,
            "area_code": o.area_code,
            "item_code": o.item.code,
            "item_name": o.item.name,
            "domain": o.item.domain,
            "service_class": o.item.service_class,
            "fee_type": o.fee_type or o.item.fee_type,
            "fee_amount": float(o.fee_amount if o.fee_amount is not None else o.item.fee_amount or 0) or None,
            "schedule": o.schedule,
            "lon": o.facility.lon,
            "lat": o.facility.lat,
        }
        for o in qs
    ]


def indicator_records(area: Area, as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """The area's and its children's indicators: from the latest snapshot, else computed now."""
    day = as_of or timezone.localdate()
    children = list(Area.objects.filter(parent=area).order_by("code"))
    areas = {a.code: a for a in [area, *children]}
    cells = values_snapshot(list(areas), day) or values_live(area.code, day, list(areas))
    order = {ind.code: k for k, ind in enumerate(definitions())}
    cells.sort(key=lambda c: (c.area_code != area.code, c.area_code, order[c.indicator.code]))
    return [
        {
            "code": c.indicator.code,
            "name_zh": c.indicator.name_zh,
            "name_en": c.indicator.name_en,
            "unit": c.indicator.unit.value,
            "area_code": c.area_code,
            "area_name": areas[c.area_code].name,
            "level": areas[c.area_code].level,
            "value": None if c.value is None else round(c.value, 4),
            "numerator": c.numerator,
            "denominator": c.denominator,
            "as_of": c.as_of.isoformat(),
            "source": c.source,
        }
        for c in cells
        if c.indicator.applies_to(areas[c.area_code].level)
    ]


def _point(lon: Any, lat: Any) -> dict[str, Any] | None:
    return {"type": "Point", "coordinates": [lon, lat]} if lon is not None and lat is not None else None


def render(dataset: str, fmt: str, area_code: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of one dataset of one area in one format."""
    if dataset not in DATASETS:
        raise ApplicationError("invalid", _("Dataset: one of facilities, services, indicators."), {"field": "dataset"})
    if fmt not in FORMATS:
        raise ApplicationError("invalid", _("Format: one of csv, json, geojson."), {"field": "format"})
    area = _area(area_code)
    fields, records = {
        "facilities": (FACILITY_FIELDS, facility_records),
        "services": (SERVICE_FIELDS, service_records),
        "indicators": (INDICATOR_FIELDS, indicator_records),
    }[dataset]
    rows = records(area)
    name = f"linli-{dataset}-{area.code}.{fmt}"
    meta = {
        "dataset": dataset,
        "area_code": area.code,
        "area_name": area.name,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "licence": LICENCE,
    }
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write(f"# {LICENCE}\n")
        writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", name
    if fmt == "json":
        body = {**meta, "fields": fields, "records": rows}
        return json.dumps(body, ensure_ascii=False, default=str).encode(), "application/json", name
    if dataset == "indicators":
        centres = {
            code: (lon, lat)
            for code, lon, lat in Area.objects.filter(code__startswith=prefix_of(area.code)).values_list(
                "code", "centroid_lon", "centroid_lat"
            )
        }
        features = [
            {"type": "Feature", "geometry": _point(*centres.get(r["area_code"], (None, None))), "properties": r}
            for r in rows
        ]
    else:
        features = [{"type": "Feature", "geometry": _point(r["lon"], r["lat"]), "properties": r} for r in rows]
    body = {"type": "FeatureCollection", **meta, "features": features}
    return json.dumps(body, ensure_ascii=False, default=str).encode(), "application/geo+json", name
