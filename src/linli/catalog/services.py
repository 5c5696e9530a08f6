"""Changes to the catalogue: service items, which facility offers which item, tier standards."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from linli.catalog.enums import Domain, FeeType, ServiceClass, TargetGroup
from linli.catalog.hosting import host_problem, host_removal_problem
from linli.catalog.inputs import OfferingIn, ServiceItemIn
from linli.catalog.models import Offering, ServiceItem
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError, RowErrors
from linli.core.parsing import boolean, choice, count, text
from linli.core.permissions import Perm, require
from linli.core.services import audit_record
from linli.facilities.models import Facility, FacilityType

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
ITEM_FIELDS = (
    "code", "name", "domain", "service_class", "content", "duration_minutes", "frequency", "facility_requirement",
    "equipment", "staffing", "target_groups", "min_age", "max_age", "fee_type", "fee_amount", "fee_unit", "host_types",
)  # fmt: skip


def split_list(value: Any) -> list[str]:
    """A list given as a list, or as text separated by commas (either width) or 、."""
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in text(value).replace("，", ",").replace("、", ",").split(",") if p.strip()]


def service_item_check(
    *,
    item: ServiceItemIn,
    row: int,
    errors: RowErrors,
    types: dict[str, FacilityType],
    instance: ServiceItem | None = None,
) -> dict[str, Any] | None:
    """Model values of one service item as given (for an update of `instance`, the fields set; host_types
    as a list of FacilityType) or None with errors."""
    before = len(errors.errors)
    data = item.given(update=instance is not None)
    present = set(data)
    values: dict[str, Any] = {}
    if "code" in present:
        values["code"] = text(data.get("code"))
        if not values["code"]:
            errors.add(row, "code", _("required"))
        elif not SLUG.match(values["code"]) or len(values["code"]) > 64:
            errors.add(row, "code", _("use at most 64 letters, digits, - and _"), values["code"])
    if "name" in present:
        values["name"] = text(data.get("name"))[:100]
        if not values["name"]:
            errors.add(row, "name", _("required"))
    if "domain" in present:
        values["domain"] = choice(data.get("domain"), Domain, row, "domain", errors)
        if values["domain"] is None and not text(data.get("domain")):
            errors.add(row, "domain", _("required"))
    if "service_class" in present:
        values["service_class"] = (
            choice(data.get("service_class"), ServiceClass, row, "service_class", errors) or ServiceClass.BASIC
        )
    if "fee_type" in present:
        values["fee_type"] = choice(data.get("fee_type"), FeeType, row, "fee_type", errors) or FeeType.FREE
    for field in ("duration_minutes", "min_age", "max_age"):
        if field in present:
            values[field] = count(data.get(field), row, field, errors)
    if "fee_amount" in present:
        raw = text(data.get("fee_amount"))
        try:
            values["fee_amount"] = Decimal(raw) if raw else None
        except InvalidOperation:
            errors.add(row, "fee_amount", _("not a number"), raw)
        if values.get("fee_amount") is not None and values["fee_amount"] < 0:
            errors.add(row, "fee_amount", _("must not be negative"), raw)
    if "target_groups" in present:
        groups = [choice(g, TargetGroup, row, "target_groups", errors) for g in split_list(data.get("target_groups"))]
        values["target_groups"] = [g for g in groups if g]
    if "host_types" in present:
        hosts = []
        for code in split_list(data.get("host_types")):
            if code in types:
                hosts.append(types[code])
            else:
                errors.add(row, "host_types", _("unknown facility type"), code)
        values["host_types"] = hosts
    for field, limit in (
        ("content", 5000),
        ("frequency", 64),
        ("facility_requirement", 200),
        ("equipment", 200),
        ("staffing", 200),
        ("fee_unit", 32),
    ):
        if field in present:
            values[field] = text(data.get(field))[:limit]
    min_age = values.get("min_age", getattr(instance, "min_age", None))
    max_age = values.get("max_age", getattr(instance, "max_age", None))
    if min_age is not None and max_age is not None and max_age < min_age:
        errors.add(row, "max_age", _("must not be below the minimum age"), max_age)
    fee_type = values.get("fee_type", getattr(instance, "fee_type", None))
    if fee_type == FeeType.FREE and values.get("fee_amount"):
        errors.add(row, "fee_amount", _("a free service has no fee amount"), values["fee_amount"])
    return None if len(errors.errors) > before else values


def _save_item(item: ServiceItem, values: dict[str, Any]) -> None:
    hosts = values.pop("host_types", None)
    for field, value in values.items():
        setattr(item, field, value)
    item.save()
    if hosts is not None:
        item.host_types.set(hosts)


@transaction.atomic
def service_item_create(*, actor: AnyUser | None, item: ServiceItemIn) -> ServiceItem:
    if actor is not None:
        require(actor, Perm.CATALOG_CHANGE)
    errors = RowErrors()
    values = service_item_check(item=item, row=0, errors=errors, types={t.code: t for t in FacilityType.objects.all()})
    if values and ServiceItem.objects.filter(code=values["code"]).exists():
        errors.add(0, "code", _("a service item with this code exists"), values["code"])
    errors.raise_if_any("invalid", _("The service item was not saved."))
    assert values is not None
    created = ServiceItem()
    _save_item(created, values)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="catalog.serviceitem",
        object_id=created.code,
        fields=sorted(item.given(update=False)),
    )
    return created


@transaction.atomic
def service_item_update(*, actor: AnyUser | None, item: ServiceItem, changes: ServiceItemIn) -> ServiceItem:
    """Change the fields set in `changes`."""
    if actor is not None:
        require(actor, Perm.CATALOG_CHANGE)
    errors = RowErrors()
    values = service_item_check(
        item=changes, row=0, errors=errors, types={t.code: t for t in FacilityType.objects.all()}, instance=item
    )
    errors.raise_if_any("invalid", _("The service item was not saved."))
    assert values is not None
    hosts = values.get("host_types")
    problem = host_removal_problem(item, hosts) if hosts is not None else None
    if problem:
        raise ApplicationError("still_offered", problem, {"field": "host_types"})
    _save_item(item, values)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="catalog.serviceitem",
        object_id=item.code,
        fields=sorted(changes.given(update=True)),
    )
    return item


def offering_check(
    *, offering: OfferingIn, row: int, errors: RowErrors, update: bool, prefix: str = ""
) -> dict[str, Any]:
    """Model values of an offering as given (for an update, the fields set; otherwise every field, a blank
    one taking its default), problems added to `errors` named `prefix` + the field."""
    data = offering.given(update=update)
    values: dict[str, Any] = {}
    if "schedule" in data:
        values["schedule"] = text(data["schedule"])
        if len(values["schedule"]) > 200:
            errors.add(row, f"{prefix}schedule", _("at most %(n)d characters") % {"n": 200}, values["schedule"])
    if "fee_type" in data:
        values["fee_type"] = choice(data["fee_type"], FeeType, row, f"{prefix}fee_type", errors) or ""
    if "fee_amount" in data:
        raw = text(data["fee_amount"])
        try:
            values["fee_amount"] = Decimal(raw) if raw else None
        except InvalidOperation:
            errors.add(row, f"{prefix}fee_amount", _("not a number"), raw)
        else:
            amount = values["fee_amount"]
            if amount is not None and not (amount.is_finite() and Decimal(0) <= amount < Decimal(1_000_000)):
                errors.add(row, f"{prefix}fee_amount", _("must be between 0 and 999999.99"), raw)
    if "active" in data:
        active = boolean(data["active"], row, f"{prefix}active", errors)
        values["active"] = True if active is None else active
    return values


def offerings_audit(*, actor: AnyUser | None, facility: Facility, action: AuditAction, **detail: Any) -> None:
    """A change of a facility's offerings in the audit log: on the facility (by its code), field "offerings"."""
    audit_record(
        actor=actor, action=action, object_type="facilities.facility", object_id=facility.code,
        fields=["offerings"], detail=detail,
    )  # fmt: skip


@transaction.atomic
def offering_set(
    *,
    actor: AnyUser | None,
    facility: Facility,
    item: ServiceItem,
    schedule: str = "",
    fee_type: str = "",
    fee_amount: Decimal | None = None,
    active: bool = True,
) -> Offering:
    """Facility offers item (created or replaced). Refused when the facility's type cannot host it
    (`catalog.hosting`) or a value is wrong (`offering_check`, as for a file's rows)."""
    offering = OfferingIn(schedule=schedule, fee_type=fee_type, fee_amount=fee_amount, active=active)
    if actor is not None:
        require(actor, Perm.FACILITY_CHANGE, facility.area_code)
    problem = host_problem(facility.facility_type, item)
    if problem:
        raise ApplicationError("cannot_host", problem, {"field": "item"})
    errors = RowErrors()
    values = offering_check(offering=offering, row=0, errors=errors, update=False)
    errors.raise_if_any("invalid", _("The offering was not saved."))
    saved, _created = Offering.objects.update_or_create(
        facility=facility, item=item, defaults={"area_code": facility.area_code, **values}
    )
    offerings_audit(actor=actor, facility=facility, action=AuditAction.UPDATE, item=item.code, active=saved.active)
    return saved


@transaction.atomic
def offering_remove(*, actor: AnyUser | None, facility: Facility, item: ServiceItem) -> None:
    if actor is not None:
        require(actor, Perm.FACILITY_CHANGE, facility.area_code)
    Offering.objects.filter(facility=facility, item=item).delete()
    offerings_audit(actor=actor, facility=facility, action=AuditAction.DELETE, item=item.code)
