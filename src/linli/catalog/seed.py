"""The registry's default data: facility types, service items with their standards, and the standards each
facility type must meet, loaded from the JSON files shipped with linli (`facilities/data/`, `catalog/data/`).

Loading creates what is missing, matched by code, and never changes what is there: a reseed keeps every
edit an admin made. The files are checked completely before anything is written; a bad entry is refused
with a message naming the file, the entry and the field."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from linli.areas.enums import AgeGroup
from linli.catalog.enums import Domain, FeeType, ServiceClass, TargetGroup
from linli.catalog.models import ServiceItem, TierStandard
from linli.core.errors import ApplicationError
from linli.facilities.enums import FacilityFamily, LivingCircle, Setting
from linli.facilities.models import FacilityType

FACILITY_TYPES_FILE = Path(__file__).resolve().parent.parent / "facilities" / "data" / "facility_types.json"
SERVICE_ITEMS_FILE = Path(__file__).resolve().parent / "data" / "service_items.json"
TIER_STANDARDS_FILE = Path(__file__).resolve().parent / "data" / "tier_standards.json"


@dataclass(frozen=True)
class _Field:
    """What one key of an entry may hold: `kind` is str, int, bool or list (a list of strings); `choices`
    limits a string or every string of a list."""

    kind: type
    required: bool = False
    choices: frozenset[str] | None = None
    nullable: bool = False


def _values(choices: Any) -> frozenset[str]:
    return frozenset(str(v) for v in choices.values)


_TYPE_FIELDS = {
    "code": _Field(str, required=True),
    "name": _Field(str, required=True),
    "name_en": _Field(str),
    "family": _Field(str, required=True, choices=_values(FacilityFamily)),
    "tier": _Field(str),
    "setting": _Field(str, choices=_values(Setting)),
    "living_circle": _Field(str, choices=_values(LivingCircle) | {""}),
    "service_radius_m": _Field(int, nullable=True),
    "domains": _Field(list, choices=_values(Domain)),
    "age_groups": _Field(list, choices=_values(AgeGroup)),
    "has_beds": _Field(bool),
    "sort_order": _Field(int),
    "description": _Field(str),
}
_ITEM_FIELDS = {
    "code": _Field(str, required=True),
    "name": _Field(str, required=True),
    "domain": _Field(str, required=True, choices=_values(Domain)),
    "service_class": _Field(str, choices=_values(ServiceClass)),
    "content": _Field(str),
    "duration_minutes": _Field(int, nullable=True),
    "frequency": _Field(str),
    "facility_requirement": _Field(str),
    "equipment": _Field(str),
    "staffing": _Field(str),
    "target_groups": _Field(list, choices=_values(TargetGroup)),
    "min_age": _Field(int, nullable=True),
    "max_age": _Field(int, nullable=True),
    "fee_type": _Field(str, choices=_values(FeeType)),
    "fee_amount": _Field(float, nullable=True),
    "fee_unit": _Field(str),
    "host_types": _Field(list),
}
_STANDARD_FIELDS = {
    "facility_type": _Field(str, required=True),
    "required_domains": _Field(list, choices=_values(Domain)),
    "min_domains": _Field(int, nullable=True),
    "required_items": _Field(list),
    "min_floor_area_m2": _Field(int, nullable=True),
    "recommended_floor_area_m2": _Field(int, nullable=True),
    "min_staff": _Field(int, nullable=True),
    "source": _Field(str),
}


def _value_problem(value: Any, spec: _Field) -> str | None:
    if value is None:
        return None if spec.nullable else "must not be null"
    if spec.kind is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be a list of strings"
        if len(set(value)) != len(value):
            return "lists a value twice"
        unknown = [v for v in value if spec.choices is not None and v not in spec.choices]
        if unknown:
            return f"unknown value(s) {', '.join(unknown)} (allowed: {', '.join(sorted(spec.choices or ()))})"
        return None
    if spec.kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
        return None if ok else "must be a number >= 0"
    if spec.kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return None if ok else "must be a whole number >= 0"
    if not isinstance(value, spec.kind):
        return f"must be a {spec.kind.__name__}"
    if spec.choices is not None and value not in spec.choices:
        return f"unknown value {value!r} (allowed: {', '.join(sorted(spec.choices))})"
    return None


class _Checker:
    """Collects every problem of the three files, each naming file, entry and field."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: Path, index: int, key: str, field: str, message: str) -> None:
        self.problems.append(f"{path.name}, entry {index + 1} ({key}): {field}: {message}")

    def entries(self, path: Path, fields: dict[str, _Field], key: str) -> list[tuple[int, dict[str, Any]]]:
        """The well-formed entries of one file with their position, by `key` unique; the others are
        reported."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.problems.append(f"{path.name}: cannot be read as JSON: {exc}")
            return []
        if not isinstance(data, list):
            self.problems.append(f"{path.name}: must be a JSON list of entries")
            return []
        good, seen = [], set()
        for index, entry in enumerate(data):
            if not isinstance(entry, dict):
                self.problems.append(f"{path.name}, entry {index + 1}: must be a JSON object")
                continue
            name = str(entry.get(key, "?"))
            before = len(self.problems)
            for field in entry.keys() - fields.keys():
                self.add(path, index, name, field, "unknown field")
            for field, spec in fields.items():
                if field not in entry:
                    if spec.required:
                        self.add(path, index, name, field, "is missing")
                    continue
                problem = _value_problem(entry[field], spec)
                if problem:
                    self.add(path, index, name, field, problem)
            if name in seen:
                self.add(path, index, name, key, "appears twice in the file")
            seen.add(name)
            if len(self.problems) == before:
                good.append((index, entry))
        return good

    def references(
        self, path: Path, entries: list[tuple[int, dict[str, Any]]], key: str, field: str, known: set[str], what: str
    ) -> None:
        for index, entry in entries:
            values = entry.get(field, [])
            unknown = [v for v in ([values] if isinstance(values, str) else values) if v not in known]
            if unknown:
                self.add(path, index, entry[key], field, f"unknown {what} {', '.join(unknown)}")


def _check_items(checker: _Checker, path: Path, items: list[tuple[int, dict[str, Any]]]) -> None:
    for index, item in items:
        low, high = item.get("min_age"), item.get("max_age")
        if low is not None and high is not None and high < low:
            checker.add(path, index, item["code"], "max_age", "is below min_age")


def _check_standards(
    checker: _Checker,
    path: Path,
    standards: list[tuple[int, dict[str, Any]]],
    hosts: dict[str, set[str]],
) -> None:
    """A required item must be one the type can host (by the items file or, for items already in the
    database and not in the file, by the database)."""
    for index, standard in standards:
        code = standard["facility_type"]
        for item_code in standard.get("required_items", []):
            if item_code in hosts and code not in hosts[item_code]:
                checker.add(path, index, code, "required_items", f"{item_code} cannot be hosted by {code}")
        low, recommended = standard.get("min_floor_area_m2"), standard.get("recommended_floor_area_m2")
        if low is not None and recommended is not None and recommended < low:
            checker.add(path, index, code, "recommended_floor_area_m2", "is below min_floor_area_m2")


def registry_seed(
    *,
    facility_types_file: Path = FACILITY_TYPES_FILE,
    service_items_file: Path = SERVICE_ITEMS_FILE,
    tier_standards_file: Path = TIER_STANDARDS_FILE,
) -> dict[str, int]:
    """Create the facility types, service items and tier standards that are missing; return how many of
    each were created. Raises ApplicationError("registry_data_invalid") listing every bad entry."""
    checker = _Checker()
    types = checker.entries(facility_types_file, _TYPE_FIELDS, "code")
    items = checker.entries(service_items_file, _ITEM_FIELDS, "code")
    standards = checker.entries(tier_standards_file, _STANDARD_FIELDS, "facility_type")

    type_codes = {t["code"] for _i, t in types} | set(FacilityType.objects.values_list("code", flat=True))
    checker.references(service_items_file, items, "code", "host_types", type_codes, "facility type(s)")
    _check_items(checker, service_items_file, items)
    item_codes = {i["code"] for _i, i in items} | set(ServiceItem.objects.values_list("code", flat=True))
    checker.references(tier_standards_file, standards, "facility_type", "facility_type", type_codes, "facility type")
    checker.references(tier_standards_file, standards, "facility_type", "required_items", item_codes, "item(s)")
    hosts = {i["code"]: set(i.get("host_types", [])) for _i, i in items}
    in_file = set(hosts)
    for code, host in ServiceItem.host_types.through.objects.values_list("serviceitem__code", "facilitytype__code"):
        if code not in in_file:
            hosts.setdefault(code, set()).add(host)
    _check_standards(checker, tier_standards_file, standards, hosts)
    if checker.problems:
        raise ApplicationError(
            "registry_data_invalid",
            "The registry's data files have bad entries:\n" + "\n".join(checker.problems),
            {"errors": checker.problems},
        )
    return _write([t for _i, t in types], [i for _i, i in items], [s for _i, s in standards])


def _missing(model: Any, entries: list[dict[str, Any]], key: str, lookup: str) -> list[dict[str, Any]]:
    present = set(model.objects.filter(**{f"{lookup}__in": [e[key] for e in entries]}).values_list(lookup, flat=True))
    return [e for e in entries if e[key] not in present]


def _link(
    through: Any, owner_field: str, target_field: str, pairs: list[tuple[str, str]], owners: Any, targets: Any
) -> None:
    """Bulk-create M2M rows for (owner code, target code) pairs; `owners`/`targets` map codes to ids."""
    through.objects.bulk_create(
        [through(**{owner_field: owners[a], target_field: targets[b]}) for a, b in pairs], batch_size=1000
    )


def _service_item(entry: dict[str, Any]) -> ServiceItem:
    fields = {k: v for k, v in entry.items() if k != "host_types"}
    if fields.get("fee_amount") is not None:
        fields["fee_amount"] = Decimal(str(fields["fee_amount"]))
    return ServiceItem(**fields)


@transaction.atomic
def _write(types: list[dict[str, Any]], items: list[dict[str, Any]], standards: list[dict[str, Any]]) -> dict[str, int]:
    new_types = _missing(FacilityType, types, "code", "code")
    FacilityType.objects.bulk_create([FacilityType(**t) for t in new_types])
    type_ids = dict(FacilityType.objects.values_list("code", "id"))

    new_items = _missing(ServiceItem, items, "code", "code")
    ServiceItem.objects.bulk_create([_service_item(i) for i in new_items])
    item_ids = dict(ServiceItem.objects.values_list("code", "id"))
    _link(
        ServiceItem.host_types.through,
        "serviceitem_id",
        "facilitytype_id",
        [(i["code"], host) for i in new_items for host in i.get("host_types", [])],
        item_ids,
        type_ids,
    )

    new_standards = _missing(TierStandard, standards, "facility_type", "facility_type__code")
    TierStandard.objects.bulk_create(
        [
            TierStandard(
                facility_type_id=type_ids[s["facility_type"]],
                **{k: v for k, v in s.items() if k not in {"facility_type", "required_items"}},
            )
            for s in new_standards
        ]
    )
    standard_ids = dict(TierStandard.objects.values_list("facility_type__code", "id"))
    _link(
        TierStandard.required_items.through,
        "tierstandard_id",
        "serviceitem_id",
        [(s["facility_type"], code) for s in new_standards for code in s.get("required_items", [])],
        standard_ids,
        item_ids,
    )
    return {"facility_types": len(new_types), "service_items": len(new_items), "tier_standards": len(new_standards)}
