"""Open311 GeoReport v2 (/api/cases/open311/): request types as services, requests with their public fields
only (no description, address or person; coordinates rounded to about 100 m), and filing with a token."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from linli.cases import selectors, services
from linli.cases.models import ServiceRequest
from linli.core.auth import OPTIONAL_AUTH, REQUIRED_AUTH
from linli.core.errors import ApplicationError

router = Router(tags=["Open311 GeoReport v2"])


class ServiceOut(Schema):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class RequestOut(Schema):
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


class CreateIn(Schema):
    service_code: str
    description: str
    lat: float | None = None
    long: float | None = None
    address_string: str = ""


class CreatedOut(Schema):
    service_request_id: str
    service_notice: str


def _public(request: ServiceRequest) -> dict[str, Any]:
    return {
        "service_request_id": str(request.pk),
        "status": "open" if request.is_open else "closed",
        "status_notes": str(request.get_state_display()),
        "service_name": request.request_type.name,
        "service_code": request.request_type.code,
        "agency_responsible": request.department,
        "requested_datetime": request.submitted_at,
        "updated_datetime": request.updated_at,
        "expected_datetime": request.deadline_at if request.is_open else None,
        "lat": round(request.lat, 3) if request.lat is not None else None,
        "long": round(request.lon, 3) if request.lon is not None else None,
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


@router.get("/requests.json", response=list[RequestOut], auth=OPTIONAL_AUTH, summary="Requests (public fields)")
def request_list(
    request: HttpRequest, service_code: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    qs = ServiceRequest.objects.select_related("request_type").order_by("-submitted_at", "-id")
    if service_code:
        qs = qs.filter(request_type__code=service_code)
    rows = [_public(r) for r in qs[:1000]]
    return [r for r in rows if status is None or r["status"] == status]


@router.get("/requests/{int:request_id}.json", response=list[RequestOut], auth=OPTIONAL_AUTH, summary="A request")
def request_detail(request: HttpRequest, request_id: int) -> list[dict[str, Any]]:
    found = ServiceRequest.objects.select_related("request_type").filter(pk=request_id).first()
    if found is None:
        raise ApplicationError("not_found", _("No such request."), {"id": request_id}, status=404)
    return [_public(found)]


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
