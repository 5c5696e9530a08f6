"""Open311 GeoReport v2 (/api/cases/open311/): request types as services, requests of the publicly listed
types with their public fields only (no description, address or person; dates to the day, coordinates
rounded to about 1 km; see `selectors.PublicRequest`), and filing with a token."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from linli.cases import selectors, services
from linli.core.auth import OPTIONAL_AUTH, REQUIRED_AUTH
from linli.core.inputs import Body

router = Router(tags=["Open311 GeoReport v2"])


class ServiceOut(Schema):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class Open311RequestOut(Schema):
    service_request_id: str
    status: str
    status_notes: str
    service_name: str
    service_code: str
    agency_responsible: str
    requested_datetime: dt.datetime
    updated_datetime: dt.datetime
    expected_datetime: dt.datetime | None
    lat: float | None
    long: float | None


class CreateIn(Body):
    service_code: str
    description: str
    lat: float | None = None
    long: float | None = None
    address_string: str = ""


class CreatedOut(Schema):
    service_request_id: str
    service_notice: str


def _public(request: selectors.PublicRequest) -> dict[str, Any]:
    return {
        "service_request_id": str(request.id),
        "status": "open" if request.is_open else "closed",
        "status_notes": request.state_label,
        "service_name": request.type_name,
        "service_code": request.type_code,
        "agency_responsible": request.department,
        "requested_datetime": request.submitted_at,
        "updated_datetime": request.updated_at,
        "expected_datetime": request.deadline_at,
        "lat": request.lat,
        "long": request.lon,
    }


@router.get("/services.json", response=list[ServiceOut], auth=OPTIONAL_AUTH, summary="Service list (request types)")
def service_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "service_code": t.code,
            "service_name": t.name,
            "description": t.description,
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": t.department,
        }
        for t in selectors.request_types()
    ]


@router.get("/requests.json", response=list[Open311RequestOut], auth=OPTIONAL_AUTH, summary="Requests (public fields)")
def request_list(
    request: HttpRequest, service_code: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    return [_public(r) for r in selectors.requests_public(service_code=service_code, status=status)]


@router.get(
    "/requests/{int:request_id}.json", response=list[Open311RequestOut], auth=OPTIONAL_AUTH, summary="A request"
)
def request_detail(request: HttpRequest, request_id: int) -> list[dict[str, Any]]:
    return [_public(selectors.request_get_public(pk=request_id))]


@router.post("/requests.json", response={201: list[CreatedOut]}, auth=REQUIRED_AUTH, summary="File a request")
def request_create(request: HttpRequest, payload: CreateIn) -> Status:
    filed = services.request_file(
        actor=request.user,
        request_type=selectors.request_types().filter(code=payload.service_code).first(),
        description=payload.description,
        address=payload.address_string,
        lon=payload.long,
        lat=payload.lat,
    )
    notice = _("Expected by %(when)s") % {"when": f"{filed.deadline_at:%Y-%m-%d %H:%M}"}
    return Status(201, [{"service_request_id": str(filed.pk), "service_notice": notice}])
