"""Purchase of services API (/api/procurement/): the guidance catalogue, projects and their six steps,
targets, tenders (bids sealed until the deadline), committee, scores, award, contracts, KPIs, payments,
rectifications, evaluations, residents' opinions, and OCDS release packages (public)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from linli.core.auth import OPTIONAL_AUTH
from linli.core.errors import ApplicationError
from linli.facilities.inputs import OperatorIn
from linli.procurement import ocds, selectors, services
from linli.procurement.models import Bid, CommitteeMember, Contract, Evaluation, Lot, Payment, Project, Rectification

router = Router(tags=["purchase of services (政府购买服务)"])


class GuidanceIn(Schema):
    year: int
    code: str = Field(description="classification code of the catalogue")
    name: str
    domain: str = Field(description="culture, sports, elderly, health, education or government")
    service_items: list[str] = Field(default_factory=list, description="codes of linked service items")
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    price_unit: str = ""
    eligible_kinds: list[str] = Field(default_factory=list, description="operator kinds that may bid")


class GuidanceOut(Schema):
    id: int
    year: int
    code: str
    name: str
    domain: str
    service_items: list[str]
    price_min: Decimal | None
    price_max: Decimal | None
    price_unit: str
    eligible_kinds: list[str]


def _guidance(g: Any) -> dict[str, Any]:
    return {
        "id": g.pk, "year": g.year, "code": g.code, "name": g.name, "domain": g.domain,
        "service_items": [i.code for i in g.service_items.all()], "price_min": g.price_min,
        "price_max": g.price_max, "price_unit": g.price_unit, "eligible_kinds": g.eligible_kinds,
    }  # fmt: skip


class ProjectIn(Schema):
    title: str
    year: int
    domain: str
    area_code: str = Field(description="12-digit code of the area the project serves")
    budget: Decimal
    guidance_id: int | None = None
    description: str = ""
    facility_ids: list[int] = Field(default_factory=list)


class TargetOut(Schema):
    metric: str
    baseline: Decimal
    target: Decimal


class ProjectOut(Schema):
    id: int
    title: str
    year: int
    domain: str
    area_code: str
    budget: Decimal
    stage: str
    targets: list[TargetOut]


def _project(p: Project) -> dict[str, Any]:
    return {
        "id": p.pk, "title": p.title, "year": p.year, "domain": p.domain, "area_code": p.area_code,
        "budget": p.budget, "stage": p.stage,
        "targets": [{"metric": t.metric, "baseline": t.baseline, "target": t.target} for t in p.targets.all()],
    }  # fmt: skip


class AdvanceIn(Schema):
    stage: str = Field(description="the next step: targets, tender, delivery, evaluation, tracking")
    note: str = ""


class TargetIn(Schema):
    metric: str = Field(description="sessions, checkins, attendance, on_time or satisfaction")
    baseline: Decimal = Decimal(0)
    target: Decimal
    confirm: bool = Field(False, description="change an existing target (refused with what would change otherwise)")


class LotIn(Schema):
    title: str
    budget: Decimal
    facility_ids: list[int] = Field(default_factory=list)
    item_ids: list[int] = Field(default_factory=list)


class TenderIn(Schema):
    notice: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    weight_technical: int
    weight_price: int
    weight_credit: int
    lots: list[LotIn]
    eligible_kinds: list[str] = Field(default_factory=list)
    min_grade: str = ""
    min_credit: str = "C"
    committee_size: int = 3
    standstill_days: int = 7


class LotOut(Schema):
    id: int
    number: int
    title: str
    budget: Decimal


class TenderOut(Schema):
    id: int
    project: int
    status: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    weight_technical: int
    weight_price: int
    weight_credit: int
    lots: list[LotOut]


def _tender(t: Any) -> dict[str, Any]:
    return {
        "id": t.pk, "project": t.project_id, "status": t.status, "opens_at": t.opens_at, "closes_at": t.closes_at,
        "weight_technical": t.weight_technical, "weight_price": t.weight_price, "weight_credit": t.weight_credit,
        "lots": [
            {"id": lot.pk, "number": lot.number, "title": lot.title, "budget": lot.budget} for lot in t.lots.all()
        ],
    }  # fmt: skip


class BidIn(Schema):
    price: Decimal
    proposal: str


class BidOut(Schema):
    id: int
    lot: int
    operator: str
    submitted_at: dt.datetime
    sealed: bool
    price: Decimal | None = Field(description="null while the bid is sealed (before the deadline)")
    proposal: str | None = Field(description="null while the bid is sealed (before the deadline)")
    award_score: Decimal | None


class ScoreIn(Schema):
    member_id: int
    bid_id: int
    technical: Decimal = Field(description="0-100")


class ContractIn(Schema):
    number: str
    starts_on: dt.date
    ends_on: dt.date
    kpi_weight: int = 70
    evaluation_weight: int = 30


class ContractOut(Schema):
    id: int
    number: str
    project: int
    operator: str
    amount: Decimal
    starts_on: dt.date
    ends_on: dt.date
    kpi_weight: int
    evaluation_weight: int


def _contract(c: Contract) -> dict[str, Any]:
    return {
        "id": c.pk, "number": c.number, "project": c.project_id, "operator": c.operator.name, "amount": c.amount,
        "starts_on": c.starts_on, "ends_on": c.ends_on, "kpi_weight": c.kpi_weight,
        "evaluation_weight": c.evaluation_weight,
    }  # fmt: skip


class ObservationOut(Schema):
    month: dt.date
    metric: str
    value: Decimal | None
    target: Decimal
    attainment: Decimal
    evidence: dict[str, Any]


class PaymentIn(Schema):
    milestone: str
    period_start: dt.date
    period_end: dt.date
    base: Decimal


class PaymentOut(Schema):
    id: int
    milestone: str
    period_start: dt.date
    period_end: dt.date
    base: Decimal
    kpi_attainment: Decimal
    evaluation_score: Decimal | None
    factor: Decimal
    amount: Decimal
    withheld: Decimal
    withheld_reasons: list[dict[str, Any]]
    evidence: dict[str, Any]
    status: str
    corrects: int | None


def _payment(p: Payment) -> dict[str, Any]:
    return {
        "id": p.pk, "milestone": p.milestone, "period_start": p.period_start, "period_end": p.period_end,
        "base": p.base, "kpi_attainment": p.kpi_attainment, "evaluation_score": p.evaluation_score,
        "factor": p.factor, "amount": p.amount, "withheld": p.withheld, "withheld_reasons": p.withheld_reasons,
        "evidence": p.evidence, "status": p.status, "corrects": p.corrects_id,
    }  # fmt: skip


class RectificationIn(Schema):
    issue: str
    due_on: dt.date


class AnswerIn(Schema):
    answer: str


class RectificationOut(Schema):
    id: int
    issue: str
    due_on: dt.date
    status: str
    answer: str


class EvaluationOut(Schema):
    id: int
    contract: int
    kind: str
    due_on: dt.date
    score: Decimal | None
    signed: bool


class SignIn(Schema):
    scores: dict[str, Decimal] = Field(
        description="delivery (0-40), quality (0-30), satisfaction (0-20), management (0-10)"
    )
    comment: str


class OpinionIn(Schema):
    kind: str = Field(description="comment, support, oppose, problem or rating")
    text: str = ""
    rating: int | None = None


class OpinionOut(Schema):
    id: int
    kind: str


class ConfirmIn(Schema):
    """The body of an action without other input: an optional note for the record."""

    note: str = Field("", description="a note for the record (optional)")


class QualifyIn(Schema):
    qualification: str
    licences: list[dict[str, str]] = Field(default_factory=list, description="[{name, number, valid_until}]")


class SanctionIn(Schema):
    kind: str = Field(description="suspension or exclusion")
    starts_on: dt.date
    ends_on: dt.date | None = Field(None, description="required for a suspension")
    reason: str


class CreditOut(Schema):
    operator: int
    credit_level: str
    credit_score: Decimal
    credit_reasons: list[dict[str, Any]]
    suspended: bool


def _credit(operator: Any) -> dict[str, Any]:
    profile = services.operator_profile(operator)
    return {
        "operator": operator.pk,
        "credit_level": profile.credit_level,
        "credit_score": profile.credit_score,
        "credit_reasons": profile.credit_reasons,
        "suspended": services.sanction_active(operator, timezone.localdate()) is not None,
    }


# Operators: entry, exit, credit ------------------------------------------------------------------------------


class RegisterIn(Schema):
    operator: OperatorIn
    qualification: str
    licences: list[dict[str, str]] = Field(default_factory=list)


@router.post(
    "/operators", response={201: CreditOut}, summary="Market entry of a new operator (registry + qualification)"
)
def operator_register(request: HttpRequest, payload: RegisterIn) -> Status:
    operator = services.operator_register(
        actor=request.user, operator=payload.operator, qualification=payload.qualification, licences=payload.licences
    )
    return Status(201, _credit(operator))


@router.post("/operators/{operator_id}/qualify", response=CreditOut, summary="Market entry: qualification, licences")
def operator_qualify(request: HttpRequest, operator_id: int, payload: QualifyIn) -> dict[str, Any]:
    operator = selectors.operator_get(viewer=request.user, pk=operator_id)
    services.operator_qualify(actor=request.user, operator=operator, **payload.dict())
    return _credit(operator)


@router.post("/operators/{operator_id}/sanctions", response={201: CreditOut}, summary="Market exit: suspend or exclude")
def operator_sanction(request: HttpRequest, operator_id: int, payload: SanctionIn) -> Status:
    operator = selectors.operator_get(viewer=request.user, pk=operator_id)
    services.operator_sanction(actor=request.user, operator=operator, **payload.dict())
    return Status(201, _credit(operator))


@router.post("/operators/{operator_id}/credit", response=CreditOut, summary="Recompute the credit record")
def operator_credit(request: HttpRequest, operator_id: int, payload: ConfirmIn) -> dict[str, Any]:
    operator = selectors.operator_get(viewer=request.user, pk=operator_id)
    services.credit_compute(actor=request.user, operator=operator)
    return _credit(operator)


@router.get("/my/credit", response=CreditOut, summary="My operator's credit record")
def my_credit(request: HttpRequest) -> dict[str, Any]:
    return _credit(selectors.operator_required(request.user))


class ExpertIn(Schema):
    name: str
    organization: str = ""
    speciality: str = ""
    linked_operator_ids: list[int] = Field(default_factory=list, description="operators the expert is linked to")


class ExpertOut(Schema):
    id: int
    name: str
    organization: str
    speciality: str
    linked_operator_ids: list[int]


def _expert(e: Any) -> dict[str, Any]:
    return {
        "id": e.pk,
        "name": e.name,
        "organization": e.organization,
        "speciality": e.speciality,
        "linked_operator_ids": [o.pk for o in e.linked_operators.all()],
    }


@router.get("/experts", response=list[ExpertOut], summary="The expert pool (专家库)")
def expert_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_expert(e) for e in selectors.experts(viewer=request.user)]


@router.post("/experts", response={201: ExpertOut}, summary="Add an expert to the pool, with their conflicts")
def expert_add(request: HttpRequest, payload: ExpertIn) -> Status:
    return Status(201, _expert(services.expert_add(actor=request.user, **payload.dict())))


# Catalogue and projects --------------------------------------------------------------------------------------


@router.get("/guidance", response=list[GuidanceOut], summary="The guidance catalogue (指导性目录) of a year")
def guidance_list(request: HttpRequest, year: int | None = None) -> list[dict[str, Any]]:
    return [_guidance(g) for g in selectors.guidance_items(year=year)]


@router.post("/guidance", response={201: GuidanceOut}, summary="Add a catalogue item")
def guidance_create(request: HttpRequest, payload: GuidanceIn) -> Status:
    data = payload.dict()
    data["service_item_codes"] = data.pop("service_items")
    return Status(201, _guidance(services.guidance_item_create(actor=request.user, **data)))


@router.get("/projects", response=list[ProjectOut], summary="Purchase projects of my scope")
def project_list(request: HttpRequest, stage: str | None = None) -> list[dict[str, Any]]:
    qs = selectors.projects_visible(viewer=request.user).prefetch_related("targets")
    if stage:
        qs = qs.filter(stage=stage)
    return [_project(p) for p in qs[:500]]


@router.post("/projects", response={201: ProjectOut}, summary="Open a purchase project (step 需求摸排)")
def project_create(request: HttpRequest, payload: ProjectIn) -> Status:
    return Status(201, _project(services.project_create(actor=request.user, **payload.dict())))


@router.get("/projects/{project_id}", response=ProjectOut, summary="A project")
def project_detail(request: HttpRequest, project_id: int) -> dict[str, Any]:
    return _project(selectors.project_get(viewer=request.user, pk=project_id))


@router.post("/projects/{project_id}/advance", response=ProjectOut, summary="Move a project to its next step")
def project_advance(request: HttpRequest, project_id: int, payload: AdvanceIn) -> dict[str, Any]:
    project = selectors.project_get(viewer=request.user, pk=project_id)
    return _project(
        services.project_advance(actor=request.user, project=project, to_stage=payload.stage, note=payload.note)
    )


@router.post("/projects/{project_id}/targets", response={201: TargetOut}, summary="Set a target bound to a metric")
def target_set(request: HttpRequest, project_id: int, payload: TargetIn) -> Status:
    project = selectors.project_get(viewer=request.user, pk=project_id)
    t = services.target_set(
        actor=request.user,
        project=project,
        metric=payload.metric,
        baseline=payload.baseline,
        target=payload.target,
        confirm=payload.confirm,
    )
    return Status(201, {"metric": t.metric, "baseline": t.baseline, "target": t.target})


@router.post(
    "/projects/{project_id}/opinions",
    response={201: OpinionOut},
    summary="A resident's comment, vote, report or rating",
)
def opinion_add(request: HttpRequest, project_id: int, payload: OpinionIn) -> Status:
    project = selectors.project_public(pk=project_id)
    o = services.opinion_add(
        actor=request.user, project=project, kind=payload.kind, text=payload.text, rating=payload.rating
    )
    return Status(201, {"id": o.pk, "kind": o.kind})


# Tender --------------------------------------------------------------------------------------------------------


@router.post("/projects/{project_id}/tenders", response={201: TenderOut}, summary="Publish a tender with its lots")
def tender_create(request: HttpRequest, project_id: int, payload: TenderIn) -> Status:
    project = selectors.project_get(viewer=request.user, pk=project_id)
    data = payload.dict()
    tender = services.tender_create(actor=request.user, project=project, **data)
    return Status(201, _tender(tender))


@router.get("/tenders/{tender_id}", response=TenderOut, summary="A tender")
def tender_detail(request: HttpRequest, tender_id: int) -> dict[str, Any]:
    return _tender(selectors.tender_get(viewer=request.user, pk=tender_id))


@router.get("/tenders/{tender_id}/bids", response=list[BidOut], summary="Bids (sealed until the deadline)")
def tender_bids(request: HttpRequest, tender_id: int) -> list[Any]:
    tender = selectors.tender_get(viewer=request.user, pk=tender_id)
    return [b.__dict__ for b in selectors.tender_bids(viewer=request.user, tender=tender)]


@router.post("/lots/{lot_id}/bids", response={201: BidOut}, summary="Bid for a lot (operators' accounts)")
def bid_submit(request: HttpRequest, lot_id: int, payload: BidIn) -> Status:
    bid = services.bid_submit(actor=request.user, lot_id=lot_id, price=payload.price, proposal=payload.proposal)
    return Status(201, selectors.bid_content(bid).__dict__)


@router.get("/my/bids", response=list[BidOut], summary="My operator's bids")
def my_bids(request: HttpRequest) -> list[Any]:
    return [b.__dict__ for b in selectors.bids_of(operator=selectors.operator_required(request.user))]


@router.post("/tenders/{tender_id}/committee", response={201: list[int]}, summary="Draw the evaluation committee")
def committee_draw(request: HttpRequest, tender_id: int, payload: ConfirmIn) -> Status:
    tender = selectors.tender_get(viewer=request.user, pk=tender_id)
    return Status(201, [m.pk for m in services.committee_draw(actor=request.user, tender=tender)])


@router.post("/tenders/{tender_id}/scores", response={201: dict[str, Any]}, summary="A committee member's score")
def score_submit(request: HttpRequest, tender_id: int, payload: ScoreIn) -> Status:
    member = CommitteeMember.objects.filter(pk=payload.member_id, tender_id=tender_id).select_related("expert").first()
    bid = Bid.objects.filter(pk=payload.bid_id, lot__tender_id=tender_id).select_related("lot").first()
    if member is None or bid is None:
        raise ApplicationError("not_found", "No such member or bid.", status=404)
    score = services.score_submit(actor=request.user, member=member, bid=bid, technical=payload.technical)
    return Status(201, {"id": score.pk, "technical": str(score.technical)})


@router.post("/tenders/{tender_id}/award", response=TenderOut, summary="Award (or fail) the tender")
def tender_award(request: HttpRequest, tender_id: int, payload: ConfirmIn) -> dict[str, Any]:
    tender = selectors.tender_get(viewer=request.user, pk=tender_id)
    return _tender(services.tender_award(actor=request.user, tender=tender))


@router.post("/lots/{lot_id}/contract", response={201: ContractOut}, summary="Sign the contract of an awarded lot")
def contract_create(request: HttpRequest, lot_id: int, payload: ContractIn) -> Status:
    lot = Lot.objects.filter(pk=lot_id, tender__project__in=selectors.projects_visible(viewer=request.user)).first()
    if lot is None:
        raise ApplicationError("not_found", "No such lot.", status=404)
    return Status(201, _contract(services.contract_create(actor=request.user, lot=lot, **payload.dict())))


# Contracts -------------------------------------------------------------------------------------------------------


@router.get("/contracts", response=list[ContractOut], summary="Contracts (staff: my scope; operators: their own)")
def contract_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_contract(c) for c in selectors.contracts_visible(viewer=request.user)[:500]]


@router.get("/contracts/{contract_id}/kpis", response=list[ObservationOut], summary="Monthly KPI observations")
def contract_kpis(request: HttpRequest, contract_id: int) -> list[dict[str, Any]]:
    contract = selectors.contract_get(viewer=request.user, pk=contract_id)
    return [
        {"month": o.month, "metric": o.target.metric, "value": o.value, "target": o.target.target,
         "attainment": o.attainment, "evidence": o.evidence}
        for row in selectors.kpi_table(contract) for o in row["cells"]
    ]  # fmt: skip


@router.get("/contracts/{contract_id}/payments", response=list[PaymentOut], summary="Payments with their formula")
def contract_payments(request: HttpRequest, contract_id: int) -> list[dict[str, Any]]:
    contract = selectors.contract_get(viewer=request.user, pk=contract_id)
    return [_payment(p) for p in selectors.payments_of(contract)]


@router.post("/contracts/{contract_id}/payments", response={201: PaymentOut}, summary="Calculate a milestone payment")
def payment_calculate(request: HttpRequest, contract_id: int, payload: PaymentIn) -> Status:
    contract = selectors.contract_get(viewer=request.user, pk=contract_id)
    return Status(201, _payment(services.payment_calculate(actor=request.user, contract=contract, **payload.dict())))


@router.post("/payments/{payment_id}/pay", response=PaymentOut, summary="Mark a payment paid (it never changes after)")
def payment_pay(request: HttpRequest, payment_id: int, payload: ConfirmIn) -> dict[str, Any]:
    payment = selectors.payment_get(viewer=request.user, pk=payment_id)
    return _payment(services.payment_pay(actor=request.user, payment=payment))


@router.post(
    "/contracts/{contract_id}/rectifications", response={201: RectificationOut}, summary="Issue a rectification order"
)
def rectification_issue(request: HttpRequest, contract_id: int, payload: RectificationIn) -> Status:
    contract = selectors.contract_get(viewer=request.user, pk=contract_id)
    r = services.rectification_issue(actor=request.user, contract=contract, issue=payload.issue, due_on=payload.due_on)
    return Status(201, {"id": r.pk, "issue": r.issue, "due_on": r.due_on, "status": r.status, "answer": r.answer})


@router.post("/rectifications/{order_id}/answer", response=RectificationOut, summary="The operator answers an order")
def rectification_answer(request: HttpRequest, order_id: int, payload: AnswerIn) -> dict[str, Any]:
    order = Rectification.objects.filter(pk=order_id).first()
    if order is None:
        raise ApplicationError("not_found", "No such rectification order.", status=404)
    r = services.rectification_answer(actor=request.user, order=order, answer=payload.answer)
    return {"id": r.pk, "issue": r.issue, "due_on": r.due_on, "status": r.status, "answer": r.answer}


# Evaluations ---------------------------------------------------------------------------------------------------------


@router.get("/evaluations", response=list[EvaluationOut], summary="Evaluations (evaluators: those assigned to them)")
def evaluation_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"id": e.pk, "contract": e.contract_id, "kind": e.kind, "due_on": e.due_on, "score": e.score,
         "signed": e.signed_at is not None}
        for e in selectors.evaluations_assigned(viewer=request.user)
    ]  # fmt: skip


@router.post("/evaluations/{evaluation_id}/sign", response=EvaluationOut, summary="Score and sign an evaluation")
def evaluation_sign(request: HttpRequest, evaluation_id: int, payload: SignIn) -> dict[str, Any]:
    evaluation: Evaluation = selectors.evaluation_get(viewer=request.user, pk=evaluation_id)
    e = services.evaluation_sign(
        actor=request.user, evaluation=evaluation, scores=payload.scores, comment=payload.comment
    )
    return {"id": e.pk, "contract": e.contract_id, "kind": e.kind, "due_on": e.due_on, "score": e.score, "signed": True}


# OCDS (public) -------------------------------------------------------------------------------------------------------


@router.get(
    "/ocds/releases", auth=OPTIONAL_AUTH, response=dict[str, Any], summary="OCDS 1.1.5 release package of every project"
)
def ocds_releases(request: HttpRequest, project: int | None = None) -> dict[str, Any]:
    projects = selectors.projects_public_all()
    if project is not None:
        projects = projects.filter(pk=project)
    return ocds.release_package(list(projects[:200]), request.build_absolute_uri())


@router.get(
    "/ocds/records/{project_id}", auth=OPTIONAL_AUTH, response=dict[str, Any], summary="OCDS record of a project"
)
def ocds_record(request: HttpRequest, project_id: int) -> dict[str, Any]:
    return ocds.project_record(selectors.project_public(pk=project_id))
