"""HSDS locations: a built facility as a physical location with its address, accessibility, phone and
weekly opening schedules."""

from __future__ import annotations

from collections import defaultdict
from datetime import time

from django.utils import timezone

from linli.areas.codes import SEGMENTS
from linli.facilities.enums import Accessibility
from linli.facilities.models import Facility
from linli.interop.hsds_common import (
    Json,
    Names,
    area_names,
    chinese_language,
    clean,
    facility_organization_id,
    hsds_id,
    zh_label,
)

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def _time(value: time) -> str:
    offset = timezone.localtime().strftime("%z")
    return f"{value:%H:%M}{offset[:3]}:{offset[3:]}"


def _opening_schedules(facility: Facility) -> list[Json]:
    location_id = hsds_id("location", facility.pk)
    days: dict[tuple[time, time], list[int]] = defaultdict(list)
    for rule in facility.opening_rules.all():
        days[(rule.opens, rule.closes)].append(rule.weekday)
    utc_offset = timezone.localtime().utcoffset()
    hours = utc_offset.total_seconds() / 3600 if utc_offset else 0.0
    zone = int(hours) if hours.is_integer() else hours
    notes = "法定节假日闭馆" if facility.closed_on_public_holidays else None
    return [
        clean(
            {
                "id": hsds_id("schedule", f"{facility.pk}:{opens:%H:%M}-{closes:%H:%M}"),
                "location_id": location_id,
                "freq": "WEEKLY",
                "wkst": "MO",
                "byday": ",".join(WEEKDAYS[day] for day in sorted(set(weekdays))),
                "opens_at": _time(opens),
                "closes_at": _time(closes),
                "timezone": zone,
                "description": "、".join(WEEKDAY_NAMES[day] for day in sorted(set(weekdays)))
                + f" {opens:%H:%M}-{closes:%H:%M}",
                "notes": notes,
            }
        )
        for (opens, closes), weekdays in days.items()
    ]


def _address(facility: Facility, names: Names) -> Json:
    code = facility.area_code
    starts = {end: start for _level, start, end in SEGMENTS}

    def name_at(end: int) -> str:
        return names.get(code[:end].ljust(12, "0"), "") if code[starts[end] : end].strip("0") else ""

    return clean(
        {
            "id": hsds_id("address", facility.pk),
            "location_id": hsds_id("location", facility.pk),
            "address_1": facility.address or facility.name,
            "address_2": (name_at(9) + name_at(12)) or None,
            "city": name_at(4),
            "region": name_at(6),
            "state_province": name_at(2),
            "postal_code": "",
            "country": "CN",
            "address_type": "physical",
        }
    )


def _location_fields(facility: Facility) -> Json:
    return {
        "id": hsds_id("location", facility.pk),
        "location_type": "physical",
        "organization_id": facility_organization_id(facility),
        "name": facility.name,
        "description": facility.description or facility.facility_type.name,
        "latitude": facility.lat,
        "longitude": facility.lon,
        "external_identifier": facility.code,
        "external_identifier_type": "linli facility code (设施编码)",
    }


def hsds_location(facility: Facility, *, names: Names | None = None, full: bool = True) -> Json:
    """A physical location; `full` adds address, languages, accessibility, phone and opening hours."""
    data = _location_fields(facility)
    if not full:
        return data
    if names is None:
        names = area_names([facility.area_code])
    location_id = data["id"]
    phone = {"id": hsds_id("phone", f"location:{facility.pk}"), "location_id": location_id, "type": "voice"}
    return {
        **data,
        "languages": [chinese_language("location", facility.pk, location_id=location_id)],
        "addresses": [_address(facility, names)],
        "accessibility": [
            {
                "id": hsds_id("accessibility", f"{facility.pk}:{feature}"),
                "location_id": location_id,
                "description": zh_label(Accessibility, feature),
                "details": str(dict(Accessibility.choices).get(feature, feature)),
            }
            for feature in facility.accessibility
        ],
        "phones": [{**phone, "number": facility.phone}] if facility.phone else [],
        "schedules": _opening_schedules(facility),
    }
