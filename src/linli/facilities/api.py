"""Registry API: facilities (scoped for staff, built ones public), opening hours, offerings, operators,
facility types, and the public search "services near me"."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from linli.areas.models import Area
from linli.catalog.models import ServiceItem
from linli.catalog.selectors import facility_compliance
from linli.catalog.services import offering_remove, offering_set
from linli.core.auth import OPTIONAL_AUTH
from linli.core.errors import ApplicationError
from linli.core.masking import mask_phone
from linli.core.permissions import Perm, has_perm
from linli.facilities import selectors, services
from linli.facilities.hours import OpeningHours
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


class OfferingOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    item: str = Field(..., alias="item.code")
    item_name: str = Field(..., alias="item.name")
    domain: str = Field(..., alias="item.domain")
    schedule: str
    fee_type: str
    fee_amount: Decimal | None
    active: bool


class CheckOut(Schema):
    rule: str
    ok: bool
    message: str


class FacilityDetailOut(FacilityOut):
    open_now: bool
    opening_status: str
    opening_hours: list[OpeningRuleIO]
    exceptions: list[OpeningExceptionIO]
    offerings: list[OfferingOut]
    compliance_summary: str
    compliance: list[CheckOut]


class HoursIn(Schema):
    rules: list[OpeningRuleIO]
    exceptions: list[OpeningExceptionIO] | None = None


class OfferingIn(Schema):
    item: str
    schedule: str = ""
    fee_type: str = ""
    fee_amount: Decimal | None = None
    active: bool = True


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


class FacilityFilters(Schema):
    type: str | None = None
    status: str | None = None
    area: str | None = Field(None, description="area-code prefix")
    q: str | None = None


def _detail(facility: Facility) -> dict[str, Any]:
    facility = selectors.with_details(Facility.objects.filter(pk=facility.pk)).select_related(
        "facility_type", "operator"
    )[0]
    status = selectors.opening_status(facility)
    compliance = facility_compliance(facility)
    return {
        **FacilityOut.from_orm(facility).dict(),
        "open_now": status.open_now,
        "opening_status": status.text,
        "opening_hours": list(facility.opening_rules.all()),
        "exceptions": selectors.upcoming_exceptions(facility),
        "offerings": list(facility.offerings.all()),
        "compliance_summary": compliance.summary(facility.facility_type.name),
        "compliance": compliance.checks,
    }


@router.get("/facilities/", response=list[FacilityOut], summary="Facilities in my scope (any status)")
@paginate
def facility_list(request: HttpRequest, filters: Query[FacilityFilters]) -> Any:
    qs = selectors.facilities_visible(viewer=request.user)
    if filters.type:
        qs = qs.filter(facility_type__code=filters.type)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.area:
        qs = qs.filter(area_code__startswith=filters.area)
    if filters.q:
        qs = qs.filter(name__icontains=filters.q) | qs.filter(code__icontains=filters.q)
    return qs.order_by("area_code", "code")


@router.post("/facilities/", response={201: FacilityDetailOut}, summary="Add a facility")
def facility_create(request: HttpRequest, payload: Body[dict[str, Any]]) -> Status:
    facility = services.facility_create(actor=request.user, data=payload)
    return Status(201, _detail(facility))


@router.get(
    "/facilities/{code}",
    response=FacilityDetailOut,
    auth=OPTIONAL_AUTH,
    summary="One facility: hours, offerings, standard",
)
def facility_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return _detail(selectors.facility_for_viewer(viewer=request.user, code=code))


@router.patch("/facilities/{code}", response=FacilityDetailOut, summary="Change some fields of a facility")
def facility_update(request: HttpRequest, code: str, payload: Body[dict[str, Any]]) -> dict[str, Any]:
    facility = selectors.facility_get(viewer=request.user, code=code)
    return _detail(services.facility_update(actor=request.user, facility=facility, data=payload))


@router.put("/facilities/{code}/hours", response=FacilityDetailOut, summary="Replace the opening hours")
def facility_hours(request: HttpRequest, code: str, payload: HoursIn) -> dict[str, Any]:
    facility = selectors.facility_get(viewer=request.user, code=code)
    services.opening_hours_set(
        actor=request.user,
        facility=facility,
        rules=[r.dict() for r in payload.rules],
        exceptions=None if payload.exceptions is None else [e.dict() for e in payload.exceptions],
    )
    return _detail(facility)


@router.put("/facilities/{code}/offerings", response=FacilityDetailOut, summary="Offer a service item (or change it)")
def facility_offering(request: HttpRequest, code: str, payload: OfferingIn) -> dict[str, Any]:
    facility = selectors.facility_get(viewer=request.user, code=code)
    item = _item(payload.item)
    offering_set(
        actor=request.user,
        facility=facility,
        item=item,
        schedule=payload.schedule,
        fee_type=payload.fee_type,
        fee_amount=payload.fee_amount,
        active=payload.active,
    )
    return _detail(facility)


@router.delete("/facilities/{code}/offerings/{item}", response=FacilityDetailOut, summary="Stop offering an item")
def facility_offering_remove(request: HttpRequest, code: str, item: str) -> dict[str, Any]:
    facility = selectors.facility_get(viewer=request.user, code=code)
    offering_remove(actor=request.user, facility=facility, item=_item(item))
    return _detail(facility)


def _item(code: str) -> ServiceItem:
    item = ServiceItem.objects.filter(code=code).first()
    if item is None:
        raise ApplicationError("not_found", _("No such service item."), {"field": "item", "code": code}, status=404)
    return item


@router.get("/facility-types/", response=list[FacilityTypeOut], auth=OPTIONAL_AUTH, summary="Facility types and tiers")
def facility_types(request: HttpRequest) -> Any:
    return selectors.facility_types()


def _operator_out(request: HttpRequest, operator: Operator) -> dict[str, Any]:
    data = OperatorOut.from_orm(operator).dict()
    if not has_perm(request.user, Perm.OPERATOR_CONTACT_VIEW):
        data["contact_phone"] = mask_phone(operator.contact_phone)
    return data


@router.get("/operators/", response=list[OperatorOut], summary="Operators (contact phones masked by role)")
def operator_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_operator_out(request, o) for o in selectors.operators_visible(viewer=request.user)]


@router.post("/operators/", response={201: OperatorOut}, summary="Add an operator")
def operator_create(request: HttpRequest, payload: Body[dict[str, Any]]) -> Status:
    return Status(201, _operator_out(request, services.operator_create(actor=request.user, data=payload)))


@router.patch("/operators/{operator_id}", response=OperatorOut, summary="Change an operator")
def operator_update(request: HttpRequest, operator_id: int, payload: Body[dict[str, Any]]) -> dict[str, Any]:
    operator = Operator.objects.filter(pk=operator_id).first()
    if operator is None:
        raise ApplicationError("not_found", _("No such operator."), status=404)
    return _operator_out(request, services.operator_update(actor=request.user, operator=operator, data=payload))


class NearbyOut(Schema):
    code: str
    name: str
    type: str
    type_name: str
    lon: float
    lat: float
    address: str
    distance_m: int
    open_now: bool
    opening_status: str
    offerings: list[OfferingOut]
    target_groups: list[str]


class NearQuery(Schema):
    lon: float | None = None
    lat: float | None = None
    area: str | None = Field(None, description="a community or village code: search from its centre")
    domain: str | None = None
    radius_m: float = Field(2000, gt=0, le=20000)
    limit: int = Field(30, ge=1, le=100)


@router.get(
    "/services/near",
    response=list[NearbyOut],
    auth=OPTIONAL_AUTH,
    tags=["services near me"],
    summary="Built facilities near a point, nearest first",
)
def services_near(request: HttpRequest, query: Query[NearQuery]) -> list[dict[str, Any]]:
    return nearby_rows(query.lon, query.lat, query.area, query.domain, query.radius_m, query.limit)


def nearby_rows(
    lon: float | None, lat: float | None, area: str | None, domain: str | None, radius_m: float, limit: int
) -> list[dict[str, Any]]:
    """The rows of the "services near me" list, shared by the API and the page."""
    lon, lat = search_point(lon, lat, area)
    found = selectors.facilities_near(lon=lon, lat=lat, radius_m=radius_m, domain=domain, limit=limit)
    detailed = {f.pk: f for f in selectors.with_details(Facility.objects.filter(pk__in=[n.facility.pk for n in found]))}
    now = timezone.now()
    today = timezone.localdate(now)
    hours = OpeningHours.for_facilities(detailed.values(), today, today)  # one read of the calendar for the whole list
    rows = []
    for near in found:
        facility = detailed[near.facility.pk]
        status = selectors.opening_status(facility, now, hours=hours)
        offerings = [o for o in facility.offerings.all() if not domain or o.item.domain == domain]
        groups = sorted({g for o in offerings for g in o.item.target_groups})
        rows.append(
            {
                "code": facility.code,
                "name": facility.name,
                "type": near.facility.facility_type.code,
                "type_name": near.facility.facility_type.name,
                "lon": facility.lon,
                "lat": facility.lat,
                "address": facility.address,
                "distance_m": round(near.distance_m),
                "open_now": status.open_now,
                "opening_status": status.text,
                "offerings": offerings,
                "target_groups": groups,
            }
        )
    return rows


def search_point(lon: float | None, lat: float | None, area: str | None) -> tuple[float, float]:
    """The point to search from: given, or the centre of a community or village."""
    if lon is not None and lat is not None:
        return lon, lat
    if area:
        found = Area.objects.filter(code=area).values_list("centroid_lon", "centroid_lat").first()
        if found is None or found[0] is None or found[1] is None:
            raise ApplicationError("not_found", _("No such area."), {"field": "area", "code": area}, status=404)
        return float(found[0]), float(found[1])
    raise ApplicationError("invalid", _("Give lon and lat, or an area code."), {"field": "lon"})
