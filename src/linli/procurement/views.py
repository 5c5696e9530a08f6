"""Pages of the purchase of services: staff (projects with their computed evidence, tenders, contracts,
payments, catalogue), the operator's workspace, the evaluator's evaluations, and the public 三务公开 pages
with the printable notice and residents' say."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from linli.catalog.enums import Domain
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, has_perm
from linli.procurement import selectors, services
from linli.procurement.enums import STAGE_ORDER, EvaluationKind, Metric, OpinionKind, Stage
from linli.procurement.models import Bid, CommitteeMember, Lot


def _date(value: str | None, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise ApplicationError("invalid", _("%(field)s: not a date (YYYY-MM-DD).") % {"field": label}) from None


def _datetime(value: str | None, label: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat((value or "").strip())
    except ValueError:
        raise ApplicationError(
            "invalid", _("%(field)s: not a date and time (YYYY-MM-DDTHH:MM).") % {"field": label}
        ) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _int(value: str | None, label: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise ApplicationError("invalid", _("%(field)s: not a whole number.") % {"field": label}) from None


def _labels() -> dict[str, str]:
    """Fields that other apps' services name in a refusal (the registry's operator), as the form labels them."""
    return {
        "name": _("Name"),
        "kind": _("Kind"),
        "credit_code": _("Unified social credit code"),
        "grade": _("Social-organisation grade"),
        "area_code": _("Registered area code (12 digits)"),
    }


def _act(request: HttpRequest, action: Callable[[], Any], done: str) -> list[str]:
    """Run a service for a form; its refusal (which names the field) is shown on the page, nothing saved."""
    try:
        action()
    except ApplicationError as exc:
        if exc.status in (401, 404):
            raise
        labels = _labels()
        details = [
            f"{labels.get(str(e.get('field')), str(e.get('field')))}: {e.get('message')}"
            for e in exc.extra.get("errors", [])
        ]
        return [str(exc.message), *details]
    messages.success(request, done)
    return []


# Staff --------------------------------------------------------------------------------------------------------


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = selectors.projects_visible(viewer=request.user)
    errors: list[str] = []
    if request.method == "POST":
        p = request.POST
        created: list[Any] = []
        errors = _act(
            request,
            lambda: created.append(
                services.project_create(
                    actor=request.user,
                    title=p.get("title", ""),
                    year=_int(p.get("year"), _("Year")),
                    domain=p.get("domain", ""),
                    area_code=p.get("area_code", "").strip(),
                    budget=p.get("budget", ""),
                    description=p.get("description", ""),
                )
            ),
            _("Project opened."),
        )
        if not errors:
            return redirect("procurement:project", pk=created[0].pk)
    stage = request.GET.get("stage")
    if stage:
        projects = projects.filter(stage=stage)
    return render(
        request,
        "procurement/projects.html",
        {
            "projects": projects[:300],
            "stages": Stage.choices,
            "domains": Domain.choices,
            "may_manage": has_perm(request.user, Perm.PROCUREMENT_MANAGE),
            "errors": errors,
            "year": timezone.localdate().year,
            "scope": str(getattr(request.user, "scope", "") or "").ljust(12, "0"),
        },
        status=400 if errors else 200,
    )


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(viewer=request.user, pk=pk)
    errors: list[str] = []
    if request.method == "POST":
        p, user = request.POST, request.user
        what = p.get("do")
        if what == "advance":
            errors = _act(
                request,
                lambda: services.project_advance(
                    actor=user, project=project, to_stage=p.get("stage", ""), note=p.get("note", "")
                ),
                _("Moved to the next step."),
            )
        elif what == "target":
            errors = _act(
                request,
                lambda: services.target_set(
                    actor=user,
                    project=project,
                    metric=p.get("metric", ""),
                    baseline=p.get("baseline") or 0,
                    target=p.get("target", ""),
                    confirm=p.get("confirm") == "1",
                ),
                _("Target saved."),
            )
        elif what == "tender":
            errors = _act(
                request,
                lambda: services.tender_create(
                    actor=user,
                    project=project,
                    notice=p.get("notice", ""),
                    opens_at=_datetime(p.get("opens_at"), _("Bids from")),
                    closes_at=_datetime(p.get("closes_at"), _("Bid deadline")),
                    weight_technical=_int(p.get("weight_technical"), _("Weight of the technical score (%)")),
                    weight_price=_int(p.get("weight_price"), _("Weight of the price (%)")),
                    weight_credit=_int(p.get("weight_credit"), _("Weight of the credit (%)")),
                    min_credit=p.get("min_credit") or "C",
                    lots=[
                        {
                            "title": p.get("lot_title") or project.title,
                            "budget": p.get("lot_budget") or project.budget,
                            "facility_ids": [f.pk for f in project.facilities.all()],
                        }
                    ],
                ),
                _("Tender published."),
            )
        elif what in ("committee", "award", "fail"):
            tender = selectors.tender_get(viewer=user, pk=_int(p.get("tender"), _("Tender")))
            if what == "committee":
                errors = _act(
                    request, lambda: services.committee_draw(actor=user, tender=tender), _("Committee drawn.")
                )
            elif what == "award":
                errors = _act(request, lambda: services.tender_award(actor=user, tender=tender), _("Tender decided."))
            else:
                errors = _act(
                    request,
                    lambda: services.tender_fail(actor=user, tender=tender, reason=p.get("reason", "")),
                    _("Tender declared failed."),
                )
        elif what == "score":
            member = CommitteeMember.objects.filter(
                pk=_int(p.get("member"), _("Committee member")), tender__project=project
            ).first()
            bid = Bid.objects.filter(pk=_int(p.get("bid"), _("Bid")), lot__tender__project=project).first()
            if member is None or bid is None:
                raise ApplicationError("not_found", _("No such member or bid."), status=404)
            errors = _act(
                request,
                lambda: services.score_submit(actor=user, member=member, bid=bid, technical=p.get("technical", "")),
                _("Score saved."),
            )
        elif what == "contract":
            lot = Lot.objects.filter(pk=_int(p.get("lot"), _("Lot")), tender__project=project).first()
            if lot is None:
                raise ApplicationError("not_found", _("No such lot."), status=404)
            errors = _act(
                request,
                lambda: services.contract_create(
                    actor=user,
                    lot=lot,
                    number=p.get("number", ""),
                    starts_on=_date(p.get("starts_on"), _("From")),
                    ends_on=_date(p.get("ends_on"), _("Until")),
                    kpi_weight=_int(p.get("kpi_weight") or "70", _("Weight of KPI attainment in payments (%)")),
                    evaluation_weight=_int(
                        p.get("evaluation_weight") or "30", _("Weight of the evaluation score in payments (%)")
                    ),
                ),
                _("Contract signed."),
            )
        if not errors:
            return redirect("procurement:project", pk=project.pk)
        project = selectors.project_get(viewer=request.user, pk=pk)
    here = STAGE_ORDER.index(Stage(project.stage))
    tenders = []
    for t in selectors.tenders_of(project):
        committee = list(t.committee.select_related("expert"))
        bids = selectors.tender_bids(viewer=request.user, tender=t)
        tenders.append(
            {
                "tender": t,
                "sealed": selectors.sealed(t),
                "bids": bids,
                "committee": committee,
                "standstill": services.standstill_ends(t),
                "lots": list(t.lots.select_related("winner__operator")),
            }
        )
    return render(
        request,
        "procurement/project.html",
        {
            "project": project,
            "evidence": selectors.project_evidence(viewer=request.user, project=project),
            "stages": [(s, s.label, i < here, i == here) for i, s in enumerate(STAGE_ORDER)],
            "next_stage": STAGE_ORDER[here + 1] if here + 1 < len(STAGE_ORDER) else None,
            "history": project.stage_changes.select_related("actor"),
            "targets": project.targets.all(),
            "metrics": Metric.choices,
            "tenders": tenders,
            "contracts": project.contracts.select_related("operator"),
            "may_manage": has_perm(request.user, Perm.PROCUREMENT_MANAGE),
            "errors": errors,
            "now": timezone.now(),
        },
        status=400 if errors else 200,
    )


@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(viewer=request.user, pk=pk)
    operator = services.operator_of(request.user)
    errors: list[str] = []
    if request.method == "POST":
        p, user = request.POST, request.user
        what = p.get("do")
        if what == "payment":
            errors = _act(
                request,
                lambda: services.payment_calculate(
                    actor=user,
                    contract=contract,
                    milestone=p.get("milestone", ""),
                    period_start=_date(p.get("period_start"), _("Period from")),
                    period_end=_date(p.get("period_end"), _("Period until")),
                    base=p.get("base", ""),
                ),
                _("Payment calculated."),
            )
        elif what == "pay":
            payment = selectors.payment_get(viewer=user, pk=_int(p.get("payment"), _("Payment")))
            errors = _act(request, lambda: services.payment_pay(actor=user, payment=payment), _("Payment marked paid."))
        elif what == "rectification":
            errors = _act(
                request,
                lambda: services.rectification_issue(
                    actor=user, contract=contract, issue=p.get("issue", ""), due_on=_date(p.get("due_on"), _("Due on"))
                ),
                _("Rectification order issued."),
            )
        elif what in ("answer", "close"):
            order = (
                selectors.rectifications_of(contract)
                .filter(pk=_int(p.get("order"), pgettext("rectification", "Order")))
                .first()
            )
            if order is None:
                raise ApplicationError("not_found", _("No such rectification order."), status=404)
            if what == "answer":
                errors = _act(
                    request,
                    lambda: services.rectification_answer(actor=user, order=order, answer=p.get("answer", "")),
                    _("Answer sent."),
                )
            else:
                errors = _act(
                    request, lambda: services.rectification_close(actor=user, order=order), _("Order closed.")
                )
        elif what == "evaluation":
            from linli.core.models import User

            evaluator = User.objects.filter(pk=_int(p.get("evaluator"), _("Evaluator"))).first()
            if evaluator is None:
                raise ApplicationError("not_found", _("No such evaluator."), status=404)
            errors = _act(
                request,
                lambda: services.evaluation_assign(
                    actor=user,
                    contract=contract,
                    kind=p.get("kind", ""),
                    evaluator=evaluator,
                    due_on=_date(p.get("due_on"), _("Due on")),
                ),
                _("Evaluation assigned."),
            )
        if not errors:
            return redirect("procurement:contract", pk=contract.pk)
    from linli.core.enums import Role
    from linli.core.models import User

    return render(
        request,
        "procurement/contract.html",
        {
            "contract": contract,
            "kpis": selectors.kpi_table(contract),
            "payments": selectors.payments_of(contract),
            "totals": selectors.payment_totals(contract),
            "rectifications": selectors.rectifications_of(contract),
            "evaluations": contract.evaluations.select_related("evaluator"),
            "facilities": contract.facilities.all(),
            "flags": selectors.red_flags(contract) if operator is None else [],
            "may_manage": operator is None and has_perm(request.user, Perm.PROCUREMENT_MANAGE),
            "is_operator": operator is not None,
            "evaluators": User.objects.filter(role=Role.EVALUATOR, is_active=True).order_by("username")
            if operator is None
            else [],
            "kinds": EvaluationKind.choices,
            "errors": errors,
            "today": timezone.localdate(),
        },
        status=400 if errors else 200,
    )


@login_required
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    payment = selectors.payment_get(viewer=request.user, pk=pk)
    return render(
        request,
        "procurement/payment.html",
        {
            "payment": payment,
            "observations": selectors.payment_evidence(payment),
            "contract": payment.contract,
            "reasons": [
                {**r, "metric_label": Metric(r["metric"]).label if r.get("metric") in Metric.values else ""}
                for r in payment.withheld_reasons
            ],
        },
    )


@login_required
def guidance(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    if request.method == "POST":
        p = request.POST

        def price(name: str, label: str) -> Decimal | None:
            raw = (p.get(name) or "").strip()
            if not raw:
                return None
            try:
                return Decimal(raw)
            except ArithmeticError:
                raise ApplicationError("invalid", _("%(field)s: not an amount.") % {"field": label}) from None

        errors = _act(
            request,
            lambda: services.guidance_item_create(
                actor=request.user,
                year=_int(p.get("year"), _("Year")),
                code=p.get("code", ""),
                name=p.get("name", ""),
                domain=p.get("domain", ""),
                service_item_codes=p.getlist("service_items"),
                price_min=price("price_min", _("Guide price from (yuan)")),
                price_max=price("price_max", _("Guide price to (yuan)")),
                price_unit=p.get("price_unit", ""),
                eligible_kinds=p.getlist("eligible_kinds"),
            ),
            _("Catalogue item added."),
        )
        if not errors:
            return redirect("procurement:guidance")
    from linli.facilities.enums import OperatorKind

    return render(
        request,
        "procurement/guidance.html",
        {
            "items": selectors.guidance_items(),
            "domains": Domain.choices,
            "kinds": OperatorKind.choices,
            "may_manage": has_perm(request.user, Perm.PROCUREMENT_MANAGE),
            "errors": errors,
            "year": timezone.localdate().year,
        },
        status=400 if errors else 200,
    )


@login_required
def operators(request: HttpRequest) -> HttpResponse:
    """Market entry and exit: each operator's qualification, credit level with its reasons, and sanctions;
    the district suspends or excludes, and recomputes the credit record."""
    errors: list[str] = []
    if request.method == "POST":
        p, user = request.POST, request.user
        if p.get("do") == "register":
            from linli.facilities.inputs import OperatorIn

            errors = _act(
                request,
                lambda: services.operator_register(
                    actor=user,
                    operator=OperatorIn.parse(
                        {
                            k: p.get(k, "")
                            for k in (
                                "name",
                                "kind",
                                "credit_code",
                                "grade",
                                "area_code",
                                "contact_name",
                                "contact_phone",
                            )
                        }
                    ),
                    qualification=p.get("qualification", ""),
                ),
                _("Operator entered and qualified."),
            )
            if not errors:
                return redirect("procurement:operators")
            return _operators_page(request, errors)
        operator = selectors.operator_get(viewer=user, pk=_int(p.get("operator"), _("Operator")))
        if p.get("do") == "credit":
            errors = _act(
                request, lambda: services.credit_compute(actor=user, operator=operator), _("Credit record recomputed.")
            )
        else:
            errors = _act(
                request,
                lambda: services.operator_sanction(
                    actor=user,
                    operator=operator,
                    kind=p.get("kind", ""),
                    starts_on=_date(p.get("starts_on"), _("From")),
                    ends_on=_date(p.get("ends_on"), _("Until")) if p.get("ends_on") else None,
                    reason=p.get("reason", ""),
                ),
                _("Sanction recorded."),
            )
        if not errors:
            return redirect("procurement:operators")
    return _operators_page(request, errors)


def _operators_page(request: HttpRequest, errors: list[str]) -> HttpResponse:
    from linli.facilities.enums import OperatorKind, OrgGrade
    from linli.procurement.enums import SanctionKind

    return render(
        request,
        "procurement/operators.html",
        {
            "rows": selectors.operators_overview(viewer=request.user),
            "kinds": SanctionKind.choices,
            "operator_kinds": OperatorKind.choices,
            "grades": OrgGrade.choices,
            "errors": errors,
            "today": timezone.localdate(),
        },
        status=400 if errors else 200,
    )


# Operator's workspace -------------------------------------------------------------------------------------------


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    operator = selectors.operator_required(request.user)
    errors: list[str] = []
    if request.method == "POST":
        p = request.POST
        errors = _act(
            request,
            lambda: services.bid_submit(
                actor=request.user,
                lot_id=_int(p.get("lot"), _("Lot")),
                price=p.get("price", ""),
                proposal=p.get("proposal", ""),
            ),
            _("Bid submitted; it stays sealed until the deadline."),
        )
        if not errors:
            return redirect("procurement:workspace")
    contracts = list(selectors.contracts_visible(viewer=request.user))
    profile = services.operator_profile(operator)
    return render(
        request,
        "procurement/workspace.html",
        {
            "operator": operator,
            "profile": profile,
            "sanction": services.sanction_active(operator, timezone.localdate()),
            "tenders": selectors.tenders_open_for(operator=operator),
            "bids": selectors.bids_of(operator=operator),
            "contracts": contracts,
            "orders": [r for c in contracts for r in selectors.rectifications_of(c)],
            "errors": errors,
        },
        status=400 if errors else 200,
    )


# Evaluators ---------------------------------------------------------------------------------------------------


@login_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "procurement/evaluations.html", {"evaluations": selectors.evaluations_assigned(viewer=request.user)}
    )


@login_required
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(viewer=request.user, pk=pk)
    errors: list[str] = []
    if request.method == "POST":
        scores = {key: request.POST.get(key, "") for key, _top in services.SHEET}
        errors = _act(
            request,
            lambda: services.evaluation_sign(
                actor=request.user, evaluation=evaluation, scores=scores, comment=request.POST.get("comment", "")
            ),
            _("Evaluation signed."),
        )
        if not errors:
            return redirect("procurement:evaluation", pk=evaluation.pk)
    sheet = [(key, services.sheet_label(key), top) for key, top in services.SHEET]
    return render(
        request,
        "procurement/evaluation.html",
        {
            "evaluation": evaluation,
            "pack": selectors.evidence_pack(evaluation=evaluation),
            "sheet": sheet,
            "signed_sheet": [(services.sheet_label(r["item"]), r["score"], r["max"]) for r in evaluation.sheet],
            "may_sign": evaluation.evaluator_id == request.user.pk and evaluation.signed_at is None,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


# Public (三务公开) and residents' say -------------------------------------------------------------------------------


def public_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "procurement/public_list.html",
        {
            "projects": selectors.projects_public()[:300],
            "mine": selectors.projects_for_resident(viewer=request.user) if request.user.is_authenticated else [],
        },
    )


def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_public(pk=pk)
    errors: list[str] = []
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/login/?next={request.path}")
        p = request.POST
        rating = p.get("rating") or None
        errors = _act(
            request,
            lambda: services.opinion_add(
                actor=request.user,
                project=project,
                kind=p.get("kind", ""),
                text=p.get("text", ""),
                rating=_int(rating, _("Rating")) if rating else None,
            ),
            _("Thank you, your opinion is recorded."),
        )
        if not errors:
            return redirect("procurement:public", pk=project.pk)
    here = STAGE_ORDER.index(Stage(project.stage))
    return render(
        request,
        "procurement/public.html",
        {
            "project": project,
            "d": selectors.project_disclosure(project),
            "stages": [(s.label, i <= here) for i, s in enumerate(STAGE_ORDER)],
            "may_vote": project.stage in (Stage.NEEDS, Stage.TARGETS),
            "may_report": project.stage == Stage.DELIVERY,
            "may_rate": here >= STAGE_ORDER.index(Stage.DELIVERY),
            "kinds": OpinionKind,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def public_notice(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_public(pk=pk)
    return render(
        request,
        "procurement/notice.html",
        {"project": project, "d": selectors.project_disclosure(project), "today": timezone.localdate()},
    )
