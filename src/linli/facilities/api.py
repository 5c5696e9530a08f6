"""Registry API of the facility level: facility types, operators, and the schemas of a facility that the
endpoints composed with the catalogue (`catalog.facility_api`: facilities with their offerings and
standard, services near me) return and take."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from linli.core.auth import OPTIONAL_AUTH
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError
from linli.core.inputs import Body
from linli.core.masking import operator_contact
from linli.core.permissions import Perm, can, has_perm, scope_q
from linli.core.services import audit_record
from linli.facilities import selectors, services
from linli.facilities.inputs import OperatorIn
from linli.facilities.models import Facility, Operator

router = Router(tags=["facilities"])


class FacilityTypeOut(Schema):
    code: str
    name: str
    name_en: str
    family: str
    tier: str
    setting: str
    living_circle: str
    service_radius_m: int | None
    domains: list[str]
    age_groups: list[str]
    has_beds: bool


class FacilityOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    code: str
    name: str
    type: str = Field(..., alias="facility_type.code")
    type_name: str = Field(..., alias="facility_type.name")
    area_code: str
    lon: float
    lat: float
    address: str
    floor_area_m2: int | None
    capacity: int | None
    beds: int | None
    served_persons: int | None
    staff_count: int | None
    operation_model: str
    operator: str | None = Field(None, alias="operator.credit_code")
    status: str
    planned_on: dt.date | None
    approved_on: dt.date | None
    construction_started_on: dt.date | None
    completed_on: dt.date | None
    closed_on: dt.date | None
    accessibility: list[str]
    closed_on_public_holidays: bool
    phone: str
    description: str


class OpeningRuleIO(Schema):
    weekday: int = Field(..., ge=0, le=6, description="0 = Monday … 6 = Sunday")
    opens: dt.time
    closes: dt.time


class OpeningExceptionIO(Schema):
    date: dt.date
    closed: bool = True
    opens: dt.time | None = None
    closes: dt.time | None = None
    reason: str = ""


class OpeningRuleIn(OpeningRuleIO, Body):
    """A weekly rule as sent (unknown fields refused)."""


class OpeningExceptionIn(OpeningExceptionIO, Body):
    """A dated exception as sent (unknown fields refused, dates in range)."""


class HoursIn(Body):
    rules: list[OpeningRuleIn]
    exceptions: list[OpeningExceptionIn] | None = None


class FacilityFilters(Schema):
    type: str | None = None
    status: str | None = None
    area: str | None = Field(None, description="12-digit area code: the area and everything below it")
    q: str | None = Field(None, description="part of the name, code or address")


class OperatorOut(Schema):
    id: int
    name: str
    kind: str
    credit_code: str | None
    grade: str
    area_code: str
    address: str
    contact_name: str
    contact_phone: str
    website: str


@router.get("/facility-types/", response=list[FacilityTypeOut], auth=OPTIONAL_AUTH, summary="Facility types and tiers")
def facility_types(request: HttpRequest) -> Any:
    return selectors.facility_types()


def _operators_worked_with(user: Any) -> set[int]:
    """Operators running a facility in the user's scope: those whose contact the user may need."""
    if not user.is_authenticated:
        return set()
    return set(Facility.objects.filter(scope_q(user), operator__isnull=False).values_list("operator_id", flat=True))


def _operator_out(
    request: HttpRequest, operator: Operator, shown: list[Operator] | None = None, worked_with: set[int] | None = None
) -> dict[str, Any]:
    """An operator with its contact unmasked only for a role that may see contacts and only where the user
    needs it (PIPL: minimum necessary): the operator is registered in the user's scope or runs a facility
    there (issue 12: community staff read every operator's phone district-wide). Each operator shown
    unmasked is added to `shown` (audited by the caller), or audited here."""
    user = request.user
    if worked_with is None:
        worked_with = _operators_worked_with(user)
    visible = has_perm(user, Perm.OPERATOR_CONTACT_VIEW) and (
        can(user, Perm.OPERATOR_CONTACT_VIEW, operator.area_code) or operator.pk in worked_with
    )
    if visible and (operator.contact_name or operator.contact_phone):
        if shown is None:
            _audit_contacts(request, [operator])
        else:
            shown.append(operator)
    return {**OperatorOut.from_orm(operator).dict(), **operator_contact(operator, visible=visible)}


def _audit_contacts(request: HttpRequest, operators: list[Operator]) -> None:
    """One audit row for the operator contacts a request showed unmasked."""
    if not operators:
        return
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        object_type="facilities.operator",
        object_id=str(operators[0].pk) if len(operators) == 1 else "",
        fields=["contact_name", "contact_phone"],
        detail={"operators": [o.pk for o in operators]},
        request=request,
    )


@router.get("/operators/", response=list[OperatorOut], summary="Operators (contact person and phone masked by role)")
def operator_list(request: HttpRequest) -> list[dict[str, Any]]:
    shown: list[Operator] = []
    worked_with = _operators_worked_with(request.user)
    answer = [_operator_out(request, o, shown, worked_with) for o in selectors.operators_visible(viewer=request.user)]
    _audit_contacts(request, shown)
    return answer


@router.post("/operators/", response={201: OperatorOut}, summary="Add an operator")
def operator_create(request: HttpRequest, payload: OperatorIn) -> Status:
    return Status(201, _operator_out(request, services.operator_create(actor=request.user, operator=payload)))


@router.patch("/operators/{operator_id}", response=OperatorOut, summary="Change an operator (the fields given)")
def operator_update(request: HttpRequest, operator_id: int, payload: OperatorIn) -> dict[str, Any]:
    operator = Operator.objects.filter(pk=operator_id).first()
    if operator is None:
        raise ApplicationError("not_found", _("No such operator."), status=404)
    return _operator_out(request, services.operator_update(actor=request.user, operator=operator, changes=payload))
