"""Changes to facility types and their tier standards (what a facility of the type must offer and have).
District staff edit them; every change is checked whole and recorded in the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from linli.areas.enums import AgeGroup
from linli.catalog.enums import Domain
from linli.catalog.hosting import Hosting
from linli.catalog.inputs import FacilityTypeIn, TierStandardIn
from linli.catalog.models import ServiceItem, TierStandard
from linli.catalog.services import split_list
from linli.core.enums import AuditAction
from linli.core.errors import RowErrors
from linli.core.parsing import boolean, choice, count, text
from linli.core.permissions import Perm, require
from linli.core.services import audit_record
from linli.facilities.enums import FacilityFamily, LivingCircle, Setting
from linli.facilities.models import FacilityType

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

TYPE_FIELDS = (
    "name", "name_en", "family", "tier", "setting", "living_circle", "service_radius_m", "domains", "age_groups",
    "has_beds", "sort_order", "description",
)  # fmt: skip
STANDARD_FIELDS = (
    "required_domains", "min_domains", "required_items", "min_floor_area_m2", "recommended_floor_area_m2",
    "min_staff", "source",
)  # fmt: skip


def _choices(value: Any, choices: type[Any], row: int, field: str, errors: RowErrors) -> list[str]:
    """Every value of a list checked against `choices`, duplicates left out."""
    found = [choice(v, choices, row, field, errors) for v in split_list(value)]
    return list(dict.fromkeys(v for v in found if v))


def facility_type_check(
    *, facility_type: FacilityTypeIn, row: int, errors: RowErrors, instance: FacilityType | None = None
) -> dict[str, Any] | None:
    """Model values of a facility type as given (only the fields set, for an update), or None with every
    problem added to `errors`."""
    before = len(errors.errors)
    data = facility_type.given(update=instance is not None)
    present = set(data)
    values: dict[str, Any] = {}
    if "name" in present:
        values["name"] = text(data.get("name"))
        if not values["name"]:
            errors.add(row, "name", _("required"))
    for field, limit in (("name", 64), ("name_en", 100), ("tier", 32), ("description", 5000)):
        if field in present:
            value = text(data.get(field))
            if len(value) > limit:
                errors.add(row, field, _("at most %(n)d characters") % {"n": limit}, value)
            values[field] = value
    if "family" in present:
        values["family"] = choice(data.get("family"), FacilityFamily, row, "family", errors)
        if values["family"] is None and not text(data.get("family")):
            errors.add(row, "family", _("required"))
    if "setting" in present:
        values["setting"] = choice(data.get("setting"), Setting, row, "setting", errors) or Setting.URBAN
    if "living_circle" in present:
        values["living_circle"] = choice(data.get("living_circle"), LivingCircle, row, "living_circle", errors) or ""
    if "service_radius_m" in present:
        values["service_radius_m"] = count(data.get("service_radius_m"), row, "service_radius_m", errors)
        if values["service_radius_m"] is not None and not 50 <= values["service_radius_m"] <= 20_000:
            errors.add(row, "service_radius_m", _("must be 50 to 20000 m"), values["service_radius_m"])
    if "sort_order" in present:
        values["sort_order"] = count(data.get("sort_order"), row, "sort_order", errors) or 0
    if "domains" in present:
        values["domains"] = _choices(data.get("domains"), Domain, row, "domains", errors)
    if "age_groups" in present:
        values["age_groups"] = _choices(data.get("age_groups"), AgeGroup, row, "age_groups", errors)
    if "has_beds" in present:
        values["has_beds"] = bool(boolean(data.get("has_beds"), row, "has_beds", errors))
    return None if len(errors.errors) > before else values


@transaction.atomic
def facility_type_update(
    *, actor: AnyUser | None, facility_type: FacilityType, changes: FacilityTypeIn
) -> FacilityType:
    """Change the fields of the type set in `changes` (the code stays: facilities and files refer to it)."""
    if actor is not None:
        require(actor, Perm.CATALOG_CHANGE)
    errors = RowErrors()
    values = facility_type_check(facility_type=changes, row=0, errors=errors, instance=facility_type)
    errors.raise_if_any("invalid", _("The facility type was not saved."))
    assert values is not None
    changed = {k: (getattr(facility_type, k), v) for k, v in values.items() if getattr(facility_type, k) != v}
    for field, (_old, new) in changed.items():
        setattr(facility_type, field, new)
    if changed:
        facility_type.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="facilities.facilitytype",
            object_id=facility_type.code,
            fields=sorted(changed),
            detail={field: [str(a), str(b)] for field, (a, b) in changed.items()},
        )
    return facility_type


def tier_standard_check(
    *,
    standard: TierStandardIn,
    row: int,
    errors: RowErrors,
    facility_type: FacilityType,
    instance: TierStandard | None = None,
) -> dict[str, Any] | None:
    """Model values of the type's standard (required_items as a list of ServiceItem), or None with errors.
    A required item must be one the type can host, else no facility of the type could ever meet it."""
    before = len(errors.errors)
    data = standard.given(update=instance is not None)
    present = set(data)
    values: dict[str, Any] = {}
    if "required_domains" in present:
        values["required_domains"] = _choices(data.get("required_domains"), Domain, row, "required_domains", errors)
    for field in ("min_domains", "min_floor_area_m2", "recommended_floor_area_m2", "min_staff"):
        if field in present:
            values[field] = count(data.get(field), row, field, errors)
    if values.get("min_domains") is not None and values["min_domains"] > len(Domain.values):
        errors.add(row, "min_domains", _("there are only %(n)d domains") % {"n": len(Domain.values)})
    if values.get("min_staff") is not None and values["min_staff"] > 32767:
        errors.add(row, "min_staff", _("too large"), values["min_staff"])
    if "source" in present:
        values["source"] = text(data.get("source"))
        if len(values["source"]) > 200:
            errors.add(row, "source", _("at most %(n)d characters") % {"n": 200}, values["source"])
    if "required_items" in present:
        codes = split_list(data.get("required_items"))
        items = {i.code: i for i in ServiceItem.objects.filter(code__in=codes).prefetch_related("host_types")}
        values["required_items"] = []
        hosting = Hosting()
        for code in dict.fromkeys(codes):
            item = items.get(code)
            if item is None:
                errors.add(row, "required_items", _("unknown service item"), code)
            elif problem := hosting.problem(facility_type, item):
                errors.add(row, "required_items", problem, code)
            else:
                values["required_items"].append(item)

    def current(field: str) -> Any:
        return values[field] if field in values else getattr(instance, field, None)

    wanted, required = current("min_domains"), current("required_domains") or []
    if wanted is not None and wanted < len(required):
        errors.add(
            row,
            "min_domains",
            _("must be at least the %(n)d required domains") % {"n": len(required)},
            wanted,
        )
    least, recommended = current("min_floor_area_m2"), current("recommended_floor_area_m2")
    if least is not None and recommended is not None and recommended < least:
        errors.add(row, "recommended_floor_area_m2", _("must not be below the minimum floor area"), recommended)
    return None if len(errors.errors) > before else values


@transaction.atomic
def tier_standard_update(
    *, actor: AnyUser | None, facility_type: FacilityType, changes: TierStandardIn
) -> TierStandard:
    """Set the fields of the type's standard set in `changes`, creating the standard if the type has none."""
    if actor is not None:
        require(actor, Perm.CATALOG_CHANGE)
    standard = TierStandard.objects.filter(facility_type=facility_type).first()
    errors = RowErrors()
    values = tier_standard_check(standard=changes, row=0, errors=errors, facility_type=facility_type, instance=standard)
    errors.raise_if_any("invalid", _("The standard was not saved."))
    assert values is not None
    created = standard is None
    if standard is None:
        standard = TierStandard(facility_type=facility_type)
    items = values.pop("required_items", None)
    before = set(standard.required_items.values_list("code", flat=True)) if not created else set()
    changed = sorted(k for k, v in values.items() if created or getattr(standard, k) != v)
    for field, value in values.items():
        setattr(standard, field, value)
    if created or changed:
        standard.save()
    if items is not None and {i.code for i in items} != before:
        standard.required_items.set(items)
        changed.append("required_items")
    if created or changed:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            object_type="catalog.tierstandard",
            object_id=facility_type.code,
            fields=sorted(changed),
            detail={"required_items": sorted(i.code for i in items)} if items is not None else {},
        )
    return standard


@transaction.atomic
def facility_type_standard_update(
    *,
    actor: AnyUser | None,
    facility_type: FacilityType,
    type_changes: FacilityTypeIn,
    standard_changes: TierStandardIn,
) -> FacilityType:
    """`facility_type_update` and `tier_standard_update` together, as one page saves them: the problems of
    both are listed, and nothing is written unless both are right."""
    if actor is not None:
        require(actor, Perm.CATALOG_CHANGE)
    errors = RowErrors()
    facility_type_check(facility_type=type_changes, row=0, errors=errors, instance=facility_type)
    standard = TierStandard.objects.filter(facility_type=facility_type).first()
    # A type without a standard gets one only when some value of it is given.
    given = standard_changes.given(update=True).values()
    with_standard = standard is not None or any(v not in (None, "", [], ()) for v in given)
    if with_standard:
        tier_standard_check(
            standard=standard_changes, row=0, errors=errors, facility_type=facility_type, instance=standard
        )
    errors.raise_if_any("invalid", _("The facility type was not saved."))
    facility_type_update(actor=actor, facility_type=facility_type, changes=type_changes)
    if with_standard:
        tier_standard_update(actor=actor, facility_type=facility_type, changes=standard_changes)
    return facility_type
