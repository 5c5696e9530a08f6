"""Requests API (/api/cases/): request types, filing (also for a resident, 代办), my requests, the staff
queue by working time left, a request with its event log, its actions, transfer and rating; consultations
and the public FAQ; Open311 GeoReport v2 under /open311/."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from linli.cases import consultations, request_types, selectors, services
from linli.cases.models import ServiceRequest
from linli.cases.open311 import router as open311_router
from linli.core.auth import OPTIONAL_AUTH
from linli.core.inputs import Body
from linli.core.services import person_contact

router = Router(tags=["requests (办件)"])
router.add_router("/open311/", open311_router)


class RequestTypeOut(Schema):
    code: str
    name: str
    description: str
    deadline_days: int
    department: str
    handling_level: str
    active: bool
    public_listing: bool


class RequestTypeIn(Body):
    """A request type's fields. Creating one needs code, name and deadline_days; an update (PATCH) changes
    only the fields sent (a field sent as null is left as it is)."""

    code: str | None = Field(None, description="letters, digits, - and _, at most 64 (required to create)")
    name: str | None = Field(None, description="at most 100 characters (required to create)")
    description: str | None = None
    deadline_days: int | str | None = Field(
        None, description="deadline in working days, 1-365 (required to create)", examples=[5]
    )
    department: str | None = Field(None, description="the department that handles it, at most 64 characters")
    handling_level: str | None = Field(None, description="community, town or district (default community)")
    active: bool | None = Field(None, description="offered for filing (default true)")
    public_listing: bool | None = Field(
        None,
        description="requests of this kind appear in the public Open311 list, place to ~1 km and date only "
        "(default false; only for matters of a public place, never for personal ones)",
    )

    def fields(self) -> request_types.RequestTypeInput:
        return request_types.RequestTypeInput(**self.dict(exclude_unset=True))


class FileIn(Body):
    request_type: str
    description: str
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    resident_id: int | None = Field(None, description="staff filing for a resident of their scope (代办)")


class EventOut(Schema):
    at: dt.datetime
    actor: str | None
    action: str
    from_state: str
    to_state: str
    note: str
    detail: dict[str, Any]


class RequestOut(Schema):
    id: int
    request_type: str
    request_type_name: str
    state: str
    level: str
    department: str
    handler: str | None
    resident: str
    filed_by: str
    on_behalf: bool
    area_code: str
    description: str
    address: str
    submitted_at: dt.datetime
    deadline_at: dt.datetime
    deadline_provisional: bool = Field(
        description="the deadline lies in a year whose official holiday notice is not loaded yet: it is counted "
        "on the statutory holidays and moves when the notice is loaded"
    )
    time_left_hours: float | None
    overdue: bool
    paused: bool
    escalations: int
    resolution: str
    rating: int | None
    rating_comment: str


class RequestDetailOut(RequestOut):
    resident_phone: str
    actions: list[str]
    events: list[EventOut]


class ActionIn(Body):
    action: str
    note: str = ""


class TransferIn(Body):
    department: str | None = None
    handler_id: int | None = None
    note: str = ""


class RatingIn(Body):
    rating: int
    comment: str = ""


def request_row(request: ServiceRequest, clock: selectors.Clock | None = None) -> dict[str, Any]:
    clock = clock or selectors.request_clock(request, timezone.now())
    return {
        "id": request.pk,
        "request_type": request.request_type.code,
        "request_type_name": request.request_type.name,
        "state": request.state,
        "level": request.level,
        "department": request.department,
        "handler": str(request.handler) if request.handler else None,
        "resident": str(request.resident),
        "filed_by": str(request.filed_by),
        "on_behalf": request.on_behalf,
        "area_code": request.area_code,
        "description": request.description,
        "address": request.address,
        "submitted_at": request.submitted_at,
        "deadline_at": request.deadline_at,
        "deadline_provisional": clock.provisional,
        "time_left_hours": round(clock.left.total_seconds() / 3600, 2) if clock.running or clock.paused else None,
        "overdue": clock.overdue,
        "paused": clock.paused,
        "escalations": request.escalations,
        "resolution": request.resolution,
        "rating": request.rating,
        "rating_comment": request.rating_comment,
    }


def _detail(http: HttpRequest, request: ServiceRequest) -> dict[str, Any]:
    request = selectors.request_get(viewer=http.user, pk=request.pk)
    return {
        **request_row(request),
        "resident_phone": person_contact(viewer=http.user, subject=request.resident, request=http, fields=("phone",))[
            "phone"
        ],
        "actions": [str(a) for a in services.allowed_actions(http.user, request)],
        "events": [
            {
                "at": e.at,
                "actor": str(e.actor) if e.actor else None,
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": e.note,
                "detail": e.detail,
            }
            for e in selectors.request_events(request=request)
        ],
    }


@router.get("/types", response=list[RequestTypeOut], auth=OPTIONAL_AUTH, summary="Request types and deadlines")
def type_list(request: HttpRequest) -> Any:
    return selectors.request_types()


@router.post("/types", response={201: RequestTypeOut}, summary="Add a request type (district admins)")
def type_create(request: HttpRequest, payload: RequestTypeIn) -> Status:
    return Status(201, request_types.request_type_create(actor=request.user, fields=payload.fields()))


@router.patch("/types/{code}", response=RequestTypeOut, summary="Change a request type")
def type_update(request: HttpRequest, code: str, payload: RequestTypeIn) -> Any:
    found = selectors.request_type_get(code=code)
    return request_types.request_type_update(actor=request.user, request_type=found, changes=payload.fields())


@router.post("/requests", response={201: RequestDetailOut}, summary="File a request (or file one for a resident)")
def request_file(request: HttpRequest, payload: FileIn) -> Status:
    request_type = selectors.request_types().filter(code=payload.request_type).first()
    filed = services.request_file(
        actor=request.user,
        request_type=request_type,
        resident_id=payload.resident_id,
        description=payload.description,
        address=payload.address,
        lon=payload.lon,
        lat=payload.lat,
    )
    return Status(201, _detail(request, filed))


@router.get("/requests", response=list[RequestOut], summary="My requests (staff: every request of my scope)")
def request_list(request: HttpRequest, state: str | None = None) -> list[dict[str, Any]]:
    qs = selectors.requests_visible(viewer=request.user)
    if state:
        qs = qs.filter(state=state)
    return [request_row(r) for r in qs[:200]]


@router.get("/queue", response=list[RequestOut], summary="Staff queue: open requests at my level, overdue first")
def request_queue(request: HttpRequest, all_levels: bool = False) -> list[dict[str, Any]]:
    rows = selectors.request_queue(viewer=request.user, all_levels=all_levels)
    return [request_row(row.request, row.clock) for row in rows]


@router.get("/requests/{request_id}", response=RequestDetailOut, summary="A request with its event log")
def request_detail(request: HttpRequest, request_id: int) -> dict[str, Any]:
    return _detail(request, selectors.request_get(viewer=request.user, pk=request_id))


@router.post("/requests/{request_id}/actions", response=RequestDetailOut, summary="Move a request on")
def request_action(request: HttpRequest, request_id: int, payload: ActionIn) -> dict[str, Any]:
    found = selectors.request_get(viewer=request.user, pk=request_id)
    services.request_transition(actor=request.user, request=found, action=payload.action, note=payload.note)
    return _detail(request, found)


@router.post("/requests/{request_id}/transfer", response=RequestDetailOut, summary="Transfer a request")
def request_transfer(request: HttpRequest, request_id: int, payload: TransferIn) -> dict[str, Any]:
    found = selectors.request_get(viewer=request.user, pk=request_id)
    services.request_transfer(
        actor=request.user,
        request=found,
        department=payload.department,
        handler_id=payload.handler_id,
        note=payload.note,
    )
    return _detail(request, found)


@router.post("/requests/{request_id}/rating", response=RequestDetailOut, summary="Rate a closed request")
def request_rate(request: HttpRequest, request_id: int, payload: RatingIn) -> dict[str, Any]:
    found = selectors.request_get(viewer=request.user, pk=request_id)
    services.request_rate(actor=request.user, request=found, rating=payload.rating, comment=payload.comment)
    return _detail(request, found)


# Consultations -----------------------------------------------------------------------------------------


class ConsultationOut(Schema):
    id: int
    area_code: str
    question: str
    answer: str
    answered_at: dt.datetime | None
    is_faq: bool
    public_question: str


class FaqOut(Schema):
    id: int
    question: str = Field(..., alias="public_question")
    answer: str
    answered_at: dt.datetime | None


class AskIn(Body):
    question: str
    request_type: str | None = None


class AnswerIn(Body):
    answer: str


class PublishIn(Body):
    public: bool = True
    public_question: str = ""


@router.post("/consultations", response={201: ConsultationOut}, summary="Ask a question")
def consultation_ask(request: HttpRequest, payload: AskIn) -> Status:
    request_type = selectors.request_types().filter(code=payload.request_type).first() if payload.request_type else None
    return Status(
        201, consultations.consultation_ask(actor=request.user, question=payload.question, request_type=request_type)
    )


@router.get("/consultations", response=list[ConsultationOut], summary="My questions (staff: of my scope)")
def consultation_list(request: HttpRequest) -> Any:
    return selectors.consultations_visible(viewer=request.user)[:200]


@router.post("/consultations/{pk}/answer", response=ConsultationOut, summary="Answer a question")
def consultation_answer(request: HttpRequest, pk: int, payload: AnswerIn) -> Any:
    found = selectors.consultation_get(viewer=request.user, pk=pk)
    return consultations.consultation_answer(actor=request.user, consultation=found, answer=payload.answer)


@router.post("/consultations/{pk}/publish", response=ConsultationOut, summary="Publish (or withdraw) as FAQ")
def consultation_publish(request: HttpRequest, pk: int, payload: PublishIn) -> Any:
    found = selectors.consultation_get(viewer=request.user, pk=pk)
    return consultations.consultation_publish(
        actor=request.user, consultation=found, public=payload.public, public_question=payload.public_question
    )


@router.get("/faq", response=list[FaqOut], auth=OPTIONAL_AUTH, summary="Public FAQ")
def faq(request: HttpRequest) -> Any:
    return selectors.faq_public()
