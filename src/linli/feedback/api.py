"""Needs and surveys API: residents list, propose and support needs of their area and answer the surveys aimed
at them; staff answer needs, create surveys and read results of their scope."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from linli.core.inputs import Body
from linli.feedback import selectors, services
from linli.feedback.enums import SurveyKind
from linli.feedback.models import Need, Survey

router = Router(tags=["feedback"])


class NeedOut(Schema):
    id: int
    title: str
    description: str
    domain: str
    area_code: str
    area_name: str
    status: str
    reply: str
    supports: int
    supported_by_me: bool
    proposer: str | None
    created_at: dt.datetime


class NeedIn(Body):
    title: str = Field(description="at most 100 characters")
    description: str = ""
    domain: str = Field(description="one of the six service domains (value or label)")


class NeedStatusIn(Body):
    status: str = Field(description="accepted, planned, done or declined")
    reply: str = Field(description="what the residents read: why")


class NeedFilters(Schema):
    area: str | None = None
    status: str | None = None


class QuestionIO(Schema):
    kind: str = Field(description="single, multiple, rating or text")
    text: str
    required: bool = True
    options: list[str] = Field([], description="the choices of a single or multiple choice question")

    def as_input(self) -> services.QuestionInput:
        return services.QuestionInput(kind=self.kind, text=self.text, required=self.required, options=self.options)


class QuestionOut(QuestionIO):
    id: int
    position: int
    overall: bool


class QuestionIn(QuestionIO, Body):
    """A question as sent (unknown fields refused)."""


class SurveyIn(Body):
    title: str
    description: str = ""
    area_code: str
    opens_on: dt.date
    closes_on: dt.date
    kind: str = SurveyKind.GENERAL
    facility: str = ""
    service_item: str = ""
    questions: list[QuestionIn] = []


class SurveyOut(Schema):
    id: int
    title: str
    description: str
    kind: str
    area_code: str
    opens_on: dt.date
    closes_on: dt.date
    facility: str | None
    service_item: str | None
    answered: bool | None = None
    responses: int | None = None


class SurveyDetailOut(SurveyOut):
    questions: list[QuestionOut]


class AnswerIn(Body):
    question: int
    value: str | int | list[str] | None = None


class AnswersIn(Body):
    answers: list[AnswerIn]


class ResponseOut(Schema):
    id: int
    survey: int
    area_code: str
    created_at: dt.datetime


class OptionOut(Schema):
    option: str
    count: int
    percent: float


class RatingOut(Schema):
    rating: int
    count: int
    percent: float


class TextOut(Schema):
    text: str
    respondent: str | None
    area_code: str


class QuestionResultOut(Schema):
    id: int
    position: int
    kind: str
    text: str
    answered: int
    options: list[OptionOut]
    ratings: list[RatingOut]
    mean: float | None
    texts: list[TextOut]


class AreaResultOut(Schema):
    area_code: str
    area_name: str
    respondents: int
    percent: float
    means: dict[int, float | None]


class ResultsOut(Schema):
    survey: int
    area_code: str | None
    respondents: int
    questions: list[QuestionResultOut]
    areas: list[AreaResultOut]


class SatisfactionOut(Schema):
    code: str
    name: str
    area_code: str
    surveys: int
    count: int
    mean: float | None


class SatisfactionListOut(Schema):
    facilities: list[SatisfactionOut]
    service_items: list[SatisfactionOut]


def _need_out(request: HttpRequest, need: Need, supported: set[int]) -> NeedOut:
    return NeedOut(
        id=need.pk,
        title=need.title,
        description=need.description,
        domain=need.domain,
        area_code=need.area_code,
        area_name=need.area.name,
        status=need.status,
        reply=need.reply,
        supports=getattr(need, "support_count", 0),
        supported_by_me=need.pk in supported,
        proposer=selectors.proposer_name(viewer=request.user, need=need),
        created_at=need.created_at,
    )


def _survey_out(survey: Survey, **extra: Any) -> dict[str, Any]:
    return {
        "id": survey.pk,
        "title": survey.title,
        "description": survey.description,
        "kind": survey.kind,
        "area_code": survey.area_code,
        "opens_on": survey.opens_on,
        "closes_on": survey.closes_on,
        "facility": survey.facility.code if survey.facility else None,
        "service_item": survey.service_item.code if survey.service_item else None,
        **extra,
    }


@router.get("/needs", response=list[NeedOut], summary="Needs of my area (residents) or my scope (staff), ranked")
@paginate
def need_list(request: HttpRequest, filters: Query[NeedFilters]) -> list[NeedOut]:
    needs = list(selectors.needs_ranked(viewer=request.user, area=filters.area, status=filters.status))
    supported = selectors.needs_supported_by(viewer=request.user, needs=needs)
    return [_need_out(request, n, supported) for n in needs]


@router.post("/needs", response={201: NeedOut}, summary="Propose a need of my home area")
def need_propose(request: HttpRequest, payload: NeedIn) -> Status:
    need = services.need_propose(
        actor=request.user,  # type: ignore[arg-type]
        title=payload.title,
        description=payload.description,
        domain=payload.domain,
    )
    need = selectors.need_get(viewer=request.user, need_id=need.pk)
    return Status(201, _need_out(request, need, {need.pk}))


@router.get("/needs/{need_id}", response=NeedOut, summary="One need")
def need_detail(request: HttpRequest, need_id: int) -> NeedOut:
    need = selectors.need_get(viewer=request.user, need_id=need_id)
    return _need_out(request, need, selectors.needs_supported_by(viewer=request.user, needs=[need]))


@router.post("/needs/{need_id}/support", response={201: NeedOut}, summary="Support a need of my area (once)")
def need_support(request: HttpRequest, need_id: int) -> Status:
    need = selectors.need_get(viewer=request.user, need_id=need_id)
    services.need_support(actor=request.user, need=need)  # type: ignore[arg-type]
    need = selectors.need_get(viewer=request.user, need_id=need_id)
    return Status(201, _need_out(request, need, {need.pk}))


@router.post("/needs/{need_id}/status", response=NeedOut, summary="Staff: accept, plan, finish or decline a need")
def need_status(request: HttpRequest, need_id: int, payload: NeedStatusIn) -> NeedOut:
    need = selectors.need_get(viewer=request.user, need_id=need_id)
    services.need_status_set(actor=request.user, need=need, status=payload.status, reply=payload.reply)  # type: ignore[arg-type]
    need = selectors.need_get(viewer=request.user, need_id=need_id)
    return _need_out(request, need, selectors.needs_supported_by(viewer=request.user, needs=[need]))


@router.get("/surveys", response=list[SurveyOut], summary="Surveys open for me (residents) or of my scope (staff)")
@paginate
def survey_list(request: HttpRequest) -> list[dict[str, Any]]:
    if selectors.is_staff_viewer(request.user):
        return [
            _survey_out(s, responses=getattr(s, "response_count", 0))
            for s in selectors.surveys_visible(viewer=request.user)
        ]
    return [
        _survey_out(s, answered=getattr(s, "answered", False))
        for s in selectors.surveys_for_resident(viewer=request.user)
    ]


@router.post("/surveys", response={201: SurveyDetailOut}, summary="Staff: create a survey")
def survey_create(request: HttpRequest, payload: SurveyIn) -> Status:
    survey = services.survey_create(
        actor=request.user,  # type: ignore[arg-type]
        title=payload.title,
        description=payload.description,
        area_code=payload.area_code,
        opens_on=payload.opens_on,
        closes_on=payload.closes_on,
        kind=payload.kind,
        facility_code=payload.facility,
        service_item_code=payload.service_item,
        questions=[q.as_input() for q in payload.questions],
    )
    return Status(201, _survey_detail(survey))


def _survey_detail(survey: Survey, **extra: Any) -> dict[str, Any]:
    questions = [
        {
            "id": q.pk,
            "position": q.position,
            "kind": q.kind,
            "text": q.text,
            "required": q.required,
            "options": q.options,
            "overall": q.overall,
        }
        for q in selectors.survey_questions(survey)
    ]
    return _survey_out(survey, questions=questions, **extra)


@router.get("/surveys/{survey_id}", response=SurveyDetailOut, summary="A survey with its questions")
def survey_detail(request: HttpRequest, survey_id: int) -> dict[str, Any]:
    survey = selectors.survey_get(viewer=request.user, survey_id=survey_id)
    return _survey_detail(survey, answered=selectors.has_answered(viewer=request.user, survey=survey))


@router.post("/surveys/{survey_id}/answers", response={201: ResponseOut}, summary="Answer a survey (once)")
def survey_answer(request: HttpRequest, survey_id: int, payload: AnswersIn) -> Status:
    survey = selectors.survey_get(viewer=request.user, survey_id=survey_id)
    answers = {a.question: a.value for a in payload.answers}
    response = services.survey_answer(respondent=request.user, survey=survey, answers=answers)  # type: ignore[arg-type]
    return Status(
        201,
        {"id": response.pk, "survey": survey.pk, "area_code": response.area_code, "created_at": response.created_at},
    )


@router.get("/surveys/{survey_id}/results", response=ResultsOut, summary="Staff: results, per question and per area")
def survey_results(request: HttpRequest, survey_id: int, area: str | None = None) -> dict[str, Any]:
    results = selectors.survey_results(viewer=request.user, survey_id=survey_id, area_code=area, request=request)
    return {
        "survey": results.survey.pk,
        "area_code": results.area.code if results.area else None,
        "respondents": results.respondents,
        "questions": [
            {
                "id": r.question.pk,
                "position": r.question.position,
                "kind": r.question.kind,
                "text": r.question.text,
                "answered": r.answered,
                "options": [{"option": o, "count": n, "percent": p} for o, n, p in r.options],
                "ratings": [{"rating": v, "count": n, "percent": p} for v, n, p in r.ratings],
                "mean": r.mean,
                "texts": [{"text": t, "respondent": who, "area_code": code} for t, who, code in r.texts],
            }
            for r in results.questions
        ],
        "areas": [
            {
                "area_code": row.area.code,
                "area_name": row.area.name,
                "respondents": row.respondents,
                "percent": row.percent,
                "means": row.means,
            }
            for row in results.areas
        ],
    }


@router.get("/satisfaction", response=SatisfactionListOut, summary="Staff: satisfaction per facility and item")
def satisfaction(request: HttpRequest) -> dict[str, Any]:
    return {
        "facilities": [vars(s) for s in selectors.satisfaction_by_facility(viewer=request.user)],
        "service_items": [vars(s) for s in selectors.satisfaction_by_item(viewer=request.user)],
    }
