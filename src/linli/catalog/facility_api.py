"""Registry API of facilities as the public and staff see them: a facility with its opening hours, the
service items it offers and its compliance with the standard of its tier; changing it, its hours and its
offerings; the public search "services near me". It lives in catalog because a facility's offerings and
standard are catalogue records (facilities, below catalog, knows nothing of them)."""

from decimal import Decimal
from typing import Any, ClassVar

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from linli.catalog import selectors as catalog_selectors
from linli.catalog.models import ServiceItem
from linli.catalog.services import offering_remove, offering_set
from linli.core.auth import OPTIONAL_AUTH
from linli.core.errors import ApplicationError
from linli.core.inputs import Input
from linli.facilities import selectors, services
from linli.facilities.api import FacilityFilters, FacilityOut, HoursIn, OpeningExceptionIO, OpeningRuleIO
from linli.facilities.inputs import FacilityIn
from linli.facilities.models import Facility

router = Router(tags=["facilities"])


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


class OfferingIn(Input):
    """A service item the facility offers, by code, with how it offers it."""

    refusal: ClassVar[str] = gettext_noop("The offering was not saved.")

    item: str
    schedule: str = ""
    fee_type: str = ""
    fee_amount: Decimal | None = None
    active: bool = True


def _detail(facility: Facility) -> dict[str, Any]:
    facility = catalog_selectors.with_details(Facility.objects.filter(pk=facility.pk)).select_related(
        "facility_type", "operator"
    )[0]
    status = selectors.opening_status(facility)
    compliance = catalog_selectors.facility_compliance(facility)
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
    return selectors.facilities_filtered(viewer=request.user, **filters.dict())


@router.post("/facilities/", response={201: FacilityDetailOut}, summary="Add a facility")
def facility_create(request: HttpRequest, payload: FacilityIn) -> Status:
    facility = services.facility_create(actor=request.user, facility=payload)
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
def facility_update(request: HttpRequest, code: str, payload: FacilityIn) -> dict[str, Any]:
    facility = selectors.facility_get(viewer=request.user, code=code)
    return _detail(services.facility_update(actor=request.user, facility=facility, changes=payload))


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
    lon, lat = selectors.search_point(query.lon, query.lat, query.area)
    return catalog_selectors.nearby_rows(lon, lat, query.domain, query.radius_m, query.limit)
