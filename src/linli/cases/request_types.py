"""Request types (办件类型): the catalogue of what residents may file, with a deadline in working days and
the level that handles it. District admins change them (`TYPE_CHANGE`); pages and the API share
`request_type_check`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from linli.cases.enums import HandlingLevel
from linli.cases.models import RequestType
from linli.core.enums import AuditAction
from linli.core.errors import RowErrors
from linli.core.parsing import choice, count, text
from linli.core.permissions import Perm, require
from linli.core.services import audit_record

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


# Request types are catalogue data: district admins edit them.
TYPE_CHANGE = Perm.REQUEST_TYPE_CHANGE
MAX_DEADLINE_DAYS = 365

# Request types -----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RequestTypeInput:
    """The fields of a request type as given by a form, the API or a spreadsheet: values are checked (and
    text turned into numbers) by `request_type_check`, the one validation path. `None` means "not given":
    on creation every field is checked (a missing required one is named), on an update only the given
    fields change."""

    code: str | None = None
    name: str | None = None
    description: str | None = None
    deadline_days: int | str | None = None
    department: str | None = None
    handling_level: str | None = None
    active: bool | str | None = None
    public_listing: bool | str | None = None

    def given(self) -> set[str]:
        return {name for name in TYPE_FIELDS if getattr(self, name) is not None}


TYPE_FIELDS = (
    "code",
    "name",
    "description",
    "deadline_days",
    "department",
    "handling_level",
    "active",
    "public_listing",
)
# A checkbox or spreadsheet cell that means "yes"; anything else (a missing field included) is "no".
YES = (True, "true", "1", "on", "yes", "是")


def request_type_check(
    *, fields: RequestTypeInput, errors: RowErrors, instance: RequestType | None = None
) -> dict[str, Any]:
    """The checked values of `fields` (all of them for a new type, the given ones for `instance`); each
    problem is added to `errors` under its field's name."""
    present = fields.given() if instance is not None else set(TYPE_FIELDS)
    values: dict[str, Any] = {}
    if "code" in present:
        code = text(fields.code)
        if not code:
            errors.add(0, "code", _("required"))
        elif len(code) > 64 or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
            errors.add(0, "code", _("letters, digits, - and _ only, at most 64"), code)
        elif RequestType.objects.filter(code=code).exclude(pk=instance.pk if instance else 0).exists():
            errors.add(0, "code", _("a request type with this code exists"), code)
        else:
            values["code"] = code
    if "name" in present:
        values["name"] = text(fields.name)
        if not values["name"]:
            errors.add(0, "name", _("required"))
        elif len(values["name"]) > 100:
            errors.add(0, "name", _("at most %(n)d characters") % {"n": 100}, values["name"])
    if "deadline_days" in present:
        days = count(fields.deadline_days, 0, "deadline_days", errors)
        if days is None and not [e for e in errors.errors if e["field"] == "deadline_days"]:
            errors.add(0, "deadline_days", _("required: every request type has a deadline in working days"))
        elif days is not None and not 1 <= days <= MAX_DEADLINE_DAYS:
            errors.add(0, "deadline_days", _("between 1 and %(n)d working days") % {"n": MAX_DEADLINE_DAYS}, days)
        else:
            values["deadline_days"] = days
    if "department" in present:
        values["department"] = text(fields.department)
        if len(values["department"]) > 64:
            errors.add(0, "department", _("at most %(n)d characters") % {"n": 64}, values["department"])
    if "handling_level" in present:
        level = choice(fields.handling_level, HandlingLevel, 0, "handling_level", errors)
        values["handling_level"] = level or HandlingLevel.COMMUNITY
    if "description" in present:
        values["description"] = text(fields.description)
    if "active" in present:
        values["active"] = fields.active not in (False, "false", "0", "off", "")
    if "public_listing" in present:
        # Private unless said otherwise: a request type is listed publicly only when asked for explicitly.
        values["public_listing"] = fields.public_listing in YES
    return values


@transaction.atomic
def request_type_create(*, actor: AnyUser, fields: RequestTypeInput) -> RequestType:
    require(actor, TYPE_CHANGE)
    errors = RowErrors()
    values = request_type_check(fields=fields, errors=errors)
    errors.raise_if_any("invalid", _("The request type was not saved."))
    request_type = RequestType.objects.create(**values)
    audit_record(actor=actor, action=AuditAction.CREATE, object_type="cases.requesttype", object_id=request_type.code)
    return request_type


@transaction.atomic
def request_type_update(*, actor: AnyUser, request_type: RequestType, changes: RequestTypeInput) -> RequestType:
    """Change the given fields of `request_type` (the others stay)."""
    require(actor, TYPE_CHANGE)
    errors = RowErrors()
    values = request_type_check(fields=changes, errors=errors, instance=request_type)
    errors.raise_if_any("invalid", _("The request type was not saved."))
    changed = sorted(k for k, v in values.items() if getattr(request_type, k) != v)
    for field in changed:
        setattr(request_type, field, values[field])
    if changed:
        request_type.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="cases.requesttype",
            object_id=request_type.code,
            fields=changed,
        )
    return request_type
