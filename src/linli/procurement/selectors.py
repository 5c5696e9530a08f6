"""Every read of the purchase of services, scoped: staff see their area's projects and contracts
(`visible_to`), an operator's account its own operator's bids, contracts and payments, an evaluator the
evaluations assigned to them, the public the disclosed (三务公开) fields only. Out of scope answers 404.

Bids are sealed: `bid_content` is the only way to read a bid's price or proposal and it refuses before the
tender's deadline, whoever asks."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.enums import Role
from linli.core.errors import ApplicationError
from linli.core.masking import mask_name, mask_phone
from linli.core.permissions import Perm, has_perm, require, scope_q
from linli.facilities.models import Facility, Operator
from linli.feedback.models import Need
from linli.procurement.enums import STAGE_ORDER, OpinionKind, Stage, TenderStatus
from linli.procurement.models import (
    Bid,
    Contract,
    Evaluation,
    GuidanceItem,
    KpiObservation,
    Lot,
    Opinion,
    Payment,
    Project,
    Rectification,
    Tender,
)
from linli.procurement.services import area_prefix, eligibility_problem, operator_of

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


def _not_found(what: str) -> ApplicationError:
    return ApplicationError("not_found", what, status=404)


# Staff ------------------------------------------------------------------------------------------------------


def guidance_items(*, year: int | None = None) -> QuerySet[GuidanceItem]:
    qs = GuidanceItem.objects.prefetch_related("service_items")
    return qs.filter(year=year) if year else qs


def projects_visible(*, viewer: AnyUser) -> QuerySet[Project]:
    require(viewer, Perm.PROCUREMENT_VIEW)
    return Project.objects.visible_to(viewer).select_related("guidance")


def project_get(*, viewer: AnyUser, pk: int) -> Project:
    project = projects_visible(viewer=viewer).filter(pk=pk).first()
    if project is None:
        raise _not_found(_("No such project."))
    return project


@dataclass(frozen=True)
class Gap:
    facility_type: str
    age_groups: list[str]
    covered: int
    total: int
    uncovered: int


def project_evidence(*, viewer: AnyUser, project: Project) -> dict[str, Any]:
    """What linli already knows about the project's area, computed: the needs list with its supports, the
    latest coverage run's uncovered residents by facility type and age group, the facilities without an
    operator, and the residents' votes on the proposal."""
    prefix = area_prefix(project.area_code)
    needs = list(
        Need.objects.filter(area_code__startswith=prefix, domain=project.domain)
        .annotate(supports_n=Count("supports", distinct=True))
        .order_by("-supports_n", "created_at")[:10]
    )
    gaps: list[Gap] = []
    run_info: dict[str, Any] | None = None
    from linli.planning.models import PlanningRun

    run = (
        PlanningRun.objects.filter(result__isnull=False, kind="coverage")
        .filter(Q(scenario__area_code__startswith=project.area_code[:6]))
        .filter(scope_q(viewer, "scenario__area_code"))
        .order_by("-created_at")
        .first()
    )
    if run is not None and run.result:
        run_info = {"id": run.pk, "at": run.created_at}
        from linli.facilities.models import FacilityType

        names = dict(FacilityType.objects.values_list("code", "name"))
        for row in run.result.get("types", []):
            total, covered = int(row.get("total") or 0), int(row.get("covered") or 0)
            name = names.get(str(row.get("type")), str(row.get("type")))
            gaps.append(Gap(name, list(row.get("age_groups") or []), covered, total, total - covered))
    unoperated = list(
        Facility.objects.visible_to(viewer)
        .filter(area_code__startswith=prefix, operator__isnull=True)
        .select_related("facility_type")
        .order_by("code")[:50]
    )
    votes = Opinion.objects.filter(project=project).aggregate(
        support=Count("id", filter=Q(kind=OpinionKind.SUPPORT)),
        oppose=Count("id", filter=Q(kind=OpinionKind.OPPOSE)),
        comments=Count("id", filter=Q(kind=OpinionKind.COMMENT)),
        problems=Count("id", filter=Q(kind=OpinionKind.PROBLEM)),
    )
    return {"needs": needs, "gaps": gaps, "run": run_info, "unoperated": unoperated, "votes": votes}


def tenders_of(project: Project) -> QuerySet[Tender]:
    return project.tenders.prefetch_related("lots").order_by("-opens_at")


def sealed(tender: Tender, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) < tender.closes_at


@dataclass(frozen=True)
class BidView:
    id: int
    lot: int
    operator: str
    submitted_at: dt.datetime
    price: Decimal | None
    proposal: str | None
    award_score: Decimal | None
    sealed: bool


def bid_content(bid: Bid, now: dt.datetime | None = None) -> BidView:
    """A bid as anyone may see it: before the deadline only that it exists (no price, no proposal)."""
    closed = not sealed(bid.lot.tender, now)
    return BidView(
        id=bid.pk,
        lot=bid.lot.number,
        operator=bid.operator.name if closed else _("(sealed)"),
        submitted_at=bid.submitted_at,
        price=bid.price if closed else None,
        proposal=bid.proposal if closed else None,
        award_score=bid.award_score if closed else None,
        sealed=not closed,
    )


def tender_get(*, viewer: AnyUser, pk: int) -> Tender:
    tender = Tender.objects.filter(pk=pk, project__in=projects_visible(viewer=viewer)).select_related("project").first()
    if tender is None:
        raise _not_found(_("No such tender."))
    return tender


def tender_bids(*, viewer: AnyUser, tender: Tender) -> list[BidView]:
    """The bids of a tender for staff of its area; sealed ones show only that they exist."""
    require(viewer, Perm.PROCUREMENT_VIEW, tender.project.area_code)
    bids = (
        Bid.objects.filter(lot__tender=tender).select_related("lot__tender", "operator").order_by("lot__number", "id")
    )
    return [bid_content(b) for b in bids]


def contracts_visible(*, viewer: AnyUser) -> QuerySet[Contract]:
    """Staff: their area's contracts; an operator's account: its operator's."""
    operator = operator_of(viewer)
    if operator is not None:
        qs = Contract.objects.filter(operator=operator)
    else:
        require(viewer, Perm.PROCUREMENT_VIEW)
        qs = Contract.objects.visible_to(viewer)
    return qs.select_related("project", "operator", "lot")


def contract_get(*, viewer: AnyUser, pk: int) -> Contract:
    contract = contracts_visible(viewer=viewer).filter(pk=pk).first()
    if contract is None:
        raise _not_found(_("No such contract."))
    return contract


def kpi_table(contract: Contract) -> list[dict[str, Any]]:
    """Month by month, each target's value and attainment with its evidence."""
    rows: dict[dt.date, dict[str, Any]] = {}
    for o in KpiObservation.objects.filter(contract=contract).select_related("target").order_by("month", "target_id"):
        row = rows.setdefault(o.month, {"month": o.month, "cells": []})
        row["cells"].append(o)
    return list(rows.values())


def payments_of(contract: Contract) -> QuerySet[Payment]:
    return contract.payments.order_by("period_start", "id")


def payment_totals(contract: Contract) -> dict[str, Decimal]:
    agg = contract.payments.aggregate(
        base=Sum("base", filter=Q(corrects__isnull=True)),
        paid=Sum("amount", filter=Q(status="paid")),
        withheld=Sum("withheld"),
    )
    return {k: v or Decimal(0) for k, v in agg.items()}


def payment_get(*, viewer: AnyUser, pk: int) -> Payment:
    payment = (
        Payment.objects.filter(pk=pk, contract__in=contracts_visible(viewer=viewer)).select_related("contract").first()
    )
    if payment is None:
        raise _not_found(_("No such payment."))
    return payment


def payment_evidence(payment: Payment) -> list[KpiObservation]:
    return list(KpiObservation.objects.filter(pk__in=payment.evidence.get("observations", [])).select_related("target"))


def rectifications_of(contract: Contract) -> QuerySet[Rectification]:
    return contract.rectifications.all()


def contracts_at_risk(*, viewer: AnyUser, threshold: Decimal = Decimal("0.8")) -> list[dict[str, Any]]:
    """Contracts whose latest month's mean attainment is below `threshold`, or with an overdue order."""
    contracts = contracts_visible(viewer=viewer).filter(ends_on__gte=timezone.localdate() - dt.timedelta(days=62))
    out = []
    today = timezone.localdate()
    latest: dict[int, dict[str, Any]] = {}
    for row in (
        KpiObservation.objects.filter(contract__in=contracts)
        .values("contract_id", "month")
        .annotate(mean=Sum("attainment") / Count("id"))
        .order_by("contract_id", "month")
    ):
        latest[row["contract_id"]] = dict(row)
    overdue = dict(
        Rectification.objects.filter(contract__in=contracts, status="open", due_on__lt=today)
        .values("contract_id")
        .annotate(n=Count("id"))
        .values_list("contract_id", "n")
    )
    for c in contracts:
        mean = latest.get(c.pk, {}).get("mean")
        if (mean is not None and mean < threshold) or overdue.get(c.pk):
            out.append({"contract": c, "attainment": mean, "overdue": overdue.get(c.pk, 0)})
    return out


def operator_get(*, viewer: AnyUser, pk: int) -> Operator:
    """An operator of the registry, for staff who manage procurement."""
    require(viewer, Perm.PROCUREMENT_MANAGE)
    operator = Operator.objects.filter(pk=pk).first()
    if operator is None:
        raise _not_found(_("No such operator."))
    return operator


def experts(*, viewer: AnyUser) -> QuerySet[Any]:
    from linli.procurement.models import Expert

    require(viewer, Perm.PROCUREMENT_MANAGE)
    return Expert.objects.filter(active=True).prefetch_related("linked_operators").order_by("name")


def operators_overview(*, viewer: AnyUser) -> list[dict[str, Any]]:
    """Every operator with its credit record and its sanctions (staff who manage procurement)."""
    from linli.procurement.models import OperatorProfile, OperatorSanction

    require(viewer, Perm.PROCUREMENT_MANAGE)
    operators = list(Operator.objects.order_by("name"))
    profiles = {p.operator_id: p for p in OperatorProfile.objects.filter(operator__in=operators)}
    sanctions: dict[int, list[Any]] = {}
    for s in OperatorSanction.objects.filter(operator__in=operators).order_by("-starts_on"):
        sanctions.setdefault(s.operator_id, []).append(s)
    today = timezone.localdate()
    return [
        {
            "operator": op,
            "profile": profiles.get(op.pk),
            "sanctions": sanctions.get(op.pk, []),
            "active": any(
                s.starts_on <= today and (s.ends_on is None or s.ends_on >= today) for s in sanctions.get(op.pk, [])
            ),
        }
        for op in operators
    ]


# Operators --------------------------------------------------------------------------------------------------


def operator_required(viewer: AnyUser) -> Operator:
    operator = operator_of(viewer)
    if operator is None:
        raise ApplicationError("forbidden", _("This page is for operators' accounts."), status=403)
    return operator


def tenders_open_for(*, operator: Operator) -> list[tuple[Tender, str | None]]:
    """Open tenders with why the operator may not bid (None: eligible)."""
    now = timezone.now()
    today = timezone.localdate()
    tenders = Tender.objects.filter(status=TenderStatus.OPEN, opens_at__lte=now, closes_at__gt=now).select_related(
        "project"
    )
    return [(t, eligibility_problem(t, operator, today)) for t in tenders.prefetch_related("lots")]


def bids_of(*, operator: Operator) -> list[BidView]:
    bids = Bid.objects.filter(operator=operator).select_related("lot__tender", "operator")
    return [bid_content(b) for b in bids]


def lot_get_open(*, pk: int) -> Lot:
    lot = Lot.objects.filter(pk=pk, tender__status=TenderStatus.OPEN).select_related("tender__project").first()
    if lot is None:
        raise _not_found(_("No such lot."))
    return lot


# Evaluators -------------------------------------------------------------------------------------------------


def evaluations_assigned(*, viewer: AnyUser) -> QuerySet[Evaluation]:
    if not viewer.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)
    if has_perm(viewer, Perm.PROCUREMENT_VIEW):
        return Evaluation.objects.filter(contract__in=Contract.objects.visible_to(viewer)).select_related(
            "contract__operator", "contract__project"
        )
    return Evaluation.objects.filter(evaluator=viewer).select_related("contract__operator", "contract__project")


def evaluation_get(*, viewer: AnyUser, pk: int) -> Evaluation:
    evaluation = evaluations_assigned(viewer=viewer).filter(pk=pk).first()
    if evaluation is None:
        raise _not_found(_("No such evaluation."))
    return evaluation


def evidence_pack(*, evaluation: Evaluation, sample: int = 5, seed: int | None = None) -> dict[str, Any]:
    """What the evaluator checks, computed: KPIs month by month, attendance and on-time totals, complaints
    and ratings, and residents who used the service to call back (name and phone masked)."""
    from linli.bookings.models import Registration

    contract = evaluation.contract
    observations = list(KpiObservation.objects.filter(contract=contract).select_related("target").order_by("month"))
    facilities = contract.facility_links.values("facility_id")
    users = list(
        Registration.objects.filter(checked_in_at__isnull=False, session__activity__facility_id__in=facilities)
        .values_list("resident_id", "resident__display_name", "resident__username", "resident__phone")
        .distinct()
        .order_by("resident_id")[:500]
    )
    rng = random.Random(seed if seed is not None else evaluation.pk)
    picked = rng.sample(users, min(sample, len(users)))
    residents = [
        {"name": mask_name(name or username), "phone": mask_phone(phone or "")} for _i, name, username, phone in picked
    ]
    opinions = Opinion.objects.filter(project=contract.project).aggregate(
        problems=Count("id", filter=Q(kind=OpinionKind.PROBLEM)),
        ratings=Count("id", filter=Q(kind=OpinionKind.RATING)),
        low=Count("id", filter=Q(kind=OpinionKind.RATING, rating__lte=2)),
    )
    rect = contract.rectifications.aggregate(n=Count("id"), open=Count("id", filter=Q(status="open")))
    return {
        "observations": observations,
        "residents": residents,
        "opinions": opinions,
        "rectifications": rect,
        "users_total": len(users),
    }


# Public (三务公开) ----------------------------------------------------------------------------------------------


def projects_public() -> QuerySet[Project]:
    """Every project past the needs survey: stage, budget, winner, amount, targets and results; no person."""
    return Project.objects.exclude(stage=Stage.NEEDS).order_by("-year", "-id")


def project_public(*, pk: int) -> Project:
    project = Project.objects.filter(pk=pk).first()
    if project is None:
        raise _not_found(_("No such project."))
    return project


def project_disclosure(project: Project) -> dict[str, Any]:
    contracts = list(project.contracts.select_related("operator"))
    latest: dict[int, list[KpiObservation]] = {}
    for c in contracts:
        last = KpiObservation.objects.filter(contract=c).order_by("-month").values_list("month", flat=True).first()
        if last:
            latest[c.pk] = list(KpiObservation.objects.filter(contract=c, month=last).select_related("target"))
    evaluations = list(Evaluation.objects.filter(contract__project=project, signed_at__isnull=False))
    ratings = Opinion.objects.filter(project=project, kind=OpinionKind.RATING).aggregate(n=Count("id"), s=Sum("rating"))
    failed = project.tenders.filter(status=TenderStatus.FAILED).count()
    return {
        "contracts": [{"contract": c, "kpis": latest.get(c.pk, [])} for c in contracts],
        "targets": list(project.targets.all()),
        "evaluations": evaluations,
        "rating_mean": round(ratings["s"] / ratings["n"], 1) if ratings["n"] else None,
        "ratings": ratings["n"],
        "failed_tenders": failed,
        "stage_index": STAGE_ORDER.index(Stage(project.stage)),
        "stages": STAGE_ORDER,
    }


def projects_for_resident(*, viewer: AnyUser) -> QuerySet[Project]:
    """Projects of the resident's area."""
    home = getattr(viewer, "home_area_code", "") or ""
    if not home or getattr(viewer, "role", "") != Role.RESIDENT:
        return Project.objects.none()
    codes = {home[:6] + "000000", home[:9] + "000", home}
    return Project.objects.filter(area_code__in=codes).order_by("-year", "-id")


def projects_public_all() -> QuerySet[Project]:
    """Every project, for the OCDS feed (which leaves sealed bids and persons out)."""
    return Project.objects.select_related("guidance").order_by("pk")


# Red flags on delivery data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RedFlag:
    kind: str  # over_capacity, burst, uniform_ratings, kpi_jump
    detail: dict[str, Any]


def _outside_hours(contract: Contract, facility_ids: list[int]) -> list[RedFlag]:
    """Sessions recorded outside the facility's opening hours (facilities with weekly hours on record)."""
    from linli.bookings.models import Session
    from linli.facilities.hours import OpeningHours

    sessions = list(
        Session.objects.filter(
            activity__facility_id__in=facility_ids,
            starts_at__date__gte=contract.starts_on,
            starts_at__date__lte=min(contract.ends_on, timezone.localdate()),
        )
        .values_list("starts_at", "ends_at", "activity__facility_id")
        .order_by("starts_at")[:2000]
    )
    if not sessions:
        return []
    days = [timezone.localdate(a) for a, _b, _f in sessions]
    hours = OpeningHours.for_facilities(facility_ids, min(days), max(days))
    out = []
    for starts, ends, facility_id in sessions:
        if hours.has_rules(facility_id) and not hours.within(facility_id, starts, ends):
            out.append(RedFlag("outside_hours", {"starts_at": starts}))
    return out[:20]


def red_flags(contract: Contract) -> list[RedFlag]:
    """Signs that the delivery data of a contract may not be what it seems, computed: sessions with more
    check-ins than seats, check-ins in bursts (10 or more in one minute by one account), sessions outside
    opening hours, uniform ratings (10 or more overall ratings, all equal), and a KPI that jumps just before
    a payment (the period's last month at least 30 points above the period's earlier mean)."""
    from django.db.models import F, Max, Min
    from django.db.models.functions import TruncMinute

    from linli.bookings.models import Registration, Session
    from linli.feedback.models import Answer

    flags: list[RedFlag] = []
    facilities = contract.facility_links.values("facility_id")
    period = {"starts_at__date__gte": contract.starts_on, "starts_at__date__lte": contract.ends_on}
    over = (
        Session.objects.filter(activity__facility_id__in=facilities, **period)
        .annotate(checked=Sum("registrations__persons", filter=Q(registrations__checked_in_at__isnull=False)))
        .filter(checked__gt=F("capacity"))
        .values("pk", "starts_at", "capacity", "checked")[:20]
    )
    flags += [RedFlag("over_capacity", dict(row)) for row in over]
    bursts = (
        Registration.objects.filter(
            session__activity__facility_id__in=facilities,
            checked_in_at__isnull=False,
            checked_in_at__date__gte=contract.starts_on,
            checked_in_at__date__lte=contract.ends_on,
        )
        .annotate(minute=TruncMinute("checked_in_at"))
        .values("minute", "checked_in_by_id")
        .annotate(n=Count("id"))
        .filter(n__gte=10)
        .order_by("minute")[:20]
    )
    flags += [RedFlag("burst", {"minute": row["minute"], "n": row["n"]}) for row in bursts]
    flags += _outside_hours(contract, [f["facility_id"] for f in facilities])
    ratings = Answer.objects.filter(
        question__overall=True,
        rating__isnull=False,
        response__survey__facility_id__in=facilities,
        response__created_at__date__gte=contract.starts_on,
        response__created_at__date__lte=contract.ends_on,
    ).aggregate(n=Count("id"), low=Min("rating"), high=Max("rating"))
    if ratings["n"] >= 10 and ratings["low"] == ratings["high"]:
        flags.append(RedFlag("uniform_ratings", {"n": ratings["n"], "rating": ratings["low"]}))
    means: dict[dt.date, Decimal] = {}
    for row in (
        KpiObservation.objects.filter(contract=contract)
        .values("month")
        .annotate(total=Sum("attainment"), n=Count("id"))
        .order_by("month")
    ):
        means[row["month"]] = row["total"] / row["n"]
    for payment in contract.payments.filter(corrects__isnull=True):
        months = sorted(m for m in means if payment.period_start.replace(day=1) <= m <= payment.period_end)
        if len(months) < 2:
            continue
        before = sum((means[m] for m in months[:-1]), Decimal(0)) / (len(months) - 1)
        last = means[months[-1]]
        if last - before >= Decimal("0.3"):
            flags.append(
                RedFlag("kpi_jump", {"payment": payment.milestone, "month": months[-1], "before": before, "last": last})
            )
    return flags
