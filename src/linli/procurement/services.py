"""Every change of state of the purchase of services. Keyword-only, atomic, permission-checked; a refusal
is an `ApplicationError` naming the field, and nothing is written."""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.catalog.models import ServiceItem
from linli.core.enums import AuditAction, Role
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, require
from linli.core.services import audit_record
from linli.facilities.enums import OperatorKind
from linli.facilities.inputs import OperatorIn
from linli.facilities.models import Facility, Operator
from linli.facilities.services import operator_create
from linli.procurement import metrics
from linli.procurement.enums import (
    CREDIT_POINTS,
    CREDIT_RANK,
    STAGE_ORDER,
    CreditLevel,
    EvaluationKind,
    Metric,
    OpinionKind,
    PaymentStatus,
    RectificationStatus,
    SanctionKind,
    Stage,
    TenderStatus,
)
from linli.procurement.models import (
    SCORE_MAX,
    Bid,
    CommitteeMember,
    Contract,
    ContractFacility,
    Evaluation,
    Expert,
    GuidanceItem,
    KpiObservation,
    Lot,
    OperatorAccount,
    OperatorProfile,
    OperatorSanction,
    Opinion,
    Payment,
    Project,
    Rectification,
    Score,
    StageChange,
    Target,
    Tender,
)

if TYPE_CHECKING:
    from linli.core.models import User
    from linli.core.permissions import AnyUser

MANAGE = Perm.PROCUREMENT_MANAGE
CENT = Decimal("0.01")


def _user(actor: AnyUser) -> User | None:
    """The actor as a user row (None for an anonymous caller)."""
    from linli.core.models import User

    return actor if isinstance(actor, User) else None


def _refuse(field: str, message: str, code: str = "invalid", status: int = 400, **extra: Any) -> ApplicationError:
    return ApplicationError(code, message, {"field": field, **extra}, status=status)


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise _refuse(field, _("%(field)s: not an amount.") % {"field": field}) from None
    if amount <= 0:
        raise _refuse(field, _("%(field)s: must be more than 0.") % {"field": field})
    return amount


# Guidance catalogue (指导性目录) -------------------------------------------------------------------------


@transaction.atomic
def guidance_item_create(
    *,
    actor: AnyUser,
    year: int,
    code: str,
    name: str,
    domain: str,
    service_item_codes: list[str] | None = None,
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    price_unit: str = "",
    eligible_kinds: list[str] | None = None,
) -> GuidanceItem:
    require(actor, MANAGE)
    if not code.strip():
        raise _refuse("code", _("Classification code: required."))
    if not name.strip():
        raise _refuse("name", _("Name: required."))
    kinds = eligible_kinds or []
    unknown = [k for k in kinds if k not in OperatorKind.values]
    if unknown:
        raise _refuse("eligible_kinds", _("Eligible operator kinds: unknown kind %(kind)s.") % {"kind": unknown[0]})
    if price_min is not None and price_max is not None and price_max < price_min:
        raise _refuse("price_max", _("Guide price to: must not be below the guide price from."))
    if GuidanceItem.objects.filter(year=year, code=code).exists():
        raise _refuse("code", _("Classification code: already in this year's catalogue."), code="conflict", status=409)
    items = list(ServiceItem.objects.filter(code__in=service_item_codes or []))
    missing = set(service_item_codes or []) - {i.code for i in items}
    if missing:
        raise _refuse("service_items", _("Service items: unknown %(code)s.") % {"code": sorted(missing)[0]})
    entry = GuidanceItem.objects.create(
        year=year,
        code=code.strip(),
        name=name.strip(),
        domain=domain,
        price_min=price_min,
        price_max=price_max,
        price_unit=price_unit,
        eligible_kinds=kinds,
    )
    entry.service_items.set(items)
    audit_record(actor=actor, action=AuditAction.CREATE, on=entry)
    return entry


# Operators: qualification, accounts, sanctions, credit -----------------------------------------------------


def operator_profile(operator: Operator) -> OperatorProfile:
    profile, _created = OperatorProfile.objects.get_or_create(operator=operator)
    return profile


@transaction.atomic
def operator_register(
    *, actor: AnyUser, operator: OperatorIn, qualification: str, licences: list[dict[str, str]] | None = None
) -> Operator:
    """Market entry of a new operator: entered in the registry (its credit code checked there, the refusal
    naming the field) and qualified here, in one transaction."""
    require(actor, MANAGE)
    if not (operator.credit_code or "").strip():
        raise _refuse("credit_code", _("Unified social credit code: required for market entry."))
    created = operator_create(actor=actor, operator=operator)
    operator_qualify(actor=actor, operator=created, qualification=qualification, licences=licences)
    return created


@transaction.atomic
def operator_qualify(
    *, actor: AnyUser, operator: Operator, qualification: str, licences: list[dict[str, str]] | None = None
) -> OperatorProfile:
    """Market entry (市场准入): record the qualification and licences of a registered operator. Its unified
    social credit code is required (checked by the registry when the operator was entered)."""
    require(actor, MANAGE)
    if not operator.credit_code:
        raise _refuse("credit_code", _("Unified social credit code: required for market entry."))
    profile = operator_profile(operator)
    profile.qualification = qualification
    profile.licences = licences or []
    profile.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, on=profile, fields=["qualification", "licences"])
    return profile


@transaction.atomic
def operator_account_link(*, actor: AnyUser, user: User, operator: Operator) -> OperatorAccount:
    require(actor, MANAGE)
    if user.role != Role.OPERATOR:
        raise _refuse("user", _("User: only an operator account may act for an operator."))
    account, _created = OperatorAccount.objects.update_or_create(user=user, defaults={"operator": operator})
    audit_record(actor=actor, action=AuditAction.UPDATE, on=account, detail={"operator": operator.pk})
    return account


@transaction.atomic
def operator_sanction(
    *, actor: AnyUser, operator: Operator, kind: str, starts_on: dt.date, ends_on: dt.date | None, reason: str
) -> OperatorSanction:
    """Market exit (市场退出): a suspension until a date, or an exclusion."""
    require(actor, MANAGE)
    if kind not in SanctionKind.values:
        raise _refuse("kind", _("Kind: choose suspension or exclusion."))
    if not reason.strip():
        raise _refuse("reason", _("Reason: required."))
    if kind == SanctionKind.SUSPENSION and ends_on is None:
        raise _refuse("ends_on", _("Until: a suspension needs an end date."))
    if ends_on is not None and ends_on < starts_on:
        raise _refuse("ends_on", _("Until: must not be before From."))
    sanction = OperatorSanction.objects.create(
        operator=operator,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        decided_by=_user(actor),
    )
    audit_record(actor=actor, action=AuditAction.CREATE, on=sanction, detail={"operator": operator.pk, "kind": kind})
    return sanction


def sanction_active(operator: Operator, on: dt.date) -> OperatorSanction | None:
    return (
        OperatorSanction.objects.filter(operator=operator, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .first()
    )


def _level(score: Decimal) -> str:
    if score >= 90:
        return CreditLevel.A
    if score >= 75:
        return CreditLevel.B
    if score >= 60:
        return CreditLevel.C
    return CreditLevel.D


@transaction.atomic
def credit_compute(
    *, operator: Operator, today: dt.date | None = None, actor: AnyUser | None = None
) -> OperatorProfile:
    """The credit record from performance: start at 85, KPI attainment and evaluation scores move it,
    overdue rectifications, complaints and sanctions lower it; every step is kept as a reason."""
    if actor is not None:
        require(actor, MANAGE)
    today = today or timezone.localdate()
    score = Decimal("85")
    reasons: list[dict[str, Any]] = []
    kpi = KpiObservation.objects.filter(contract__operator=operator).aggregate(m=Avg("attainment"), n=Count("id"))
    if kpi["n"]:
        mean = Decimal(str(kpi["m"]))
        delta = ((mean - Decimal("0.8")) * 50).quantize(Decimal("0.1"))
        score += delta
        reasons.append({"reason": "kpi", "value": str(mean.quantize(Decimal("0.01"))), "delta": str(delta)})
    ev = Evaluation.objects.filter(contract__operator=operator, signed_at__isnull=False).aggregate(
        m=Avg("score"), n=Count("id")
    )
    if ev["n"]:
        mean = Decimal(str(ev["m"]))
        delta = ((mean - 80) / 2).quantize(Decimal("0.1"))
        score += delta
        reasons.append({"reason": "evaluation", "value": str(mean.quantize(Decimal("0.1"))), "delta": str(delta)})
    overdue = Rectification.objects.filter(contract__operator=operator).filter(
        Q(status=RectificationStatus.OPEN, due_on__lt=today) | Q(answered_at__date__gt=F("due_on"))
    )
    n_overdue = overdue.count()
    if n_overdue:
        delta = Decimal(-5 * n_overdue)
        score += delta
        reasons.append({"reason": "rectification_overdue", "value": str(n_overdue), "delta": str(delta)})
    n_rect = Rectification.objects.filter(contract__operator=operator).count()
    if n_rect:
        delta = Decimal(-2 * n_rect)
        score += delta
        reasons.append({"reason": "rectifications", "value": str(n_rect), "delta": str(delta)})
    complaints = (
        Opinion.objects.filter(project__contracts__operator=operator, kind=OpinionKind.PROBLEM).count()
        + Opinion.objects.filter(project__contracts__operator=operator, kind=OpinionKind.RATING, rating__lte=2).count()
    )
    if complaints:
        delta = Decimal(-1 * complaints)
        score += delta
        reasons.append({"reason": "complaints", "value": str(complaints), "delta": str(delta)})
    if sanction_active(operator, today):
        score = min(score, Decimal("50"))
        reasons.append({"reason": "sanction", "value": "", "delta": ""})
    score = max(Decimal("0"), min(Decimal("100"), score))
    profile = operator_profile(operator)
    profile.credit_score = score.quantize(Decimal("0.1"))
    profile.credit_level = _level(score)
    profile.credit_reasons = reasons
    profile.credit_computed_at = timezone.now()
    profile.save()
    return profile


# Projects and the six steps ---------------------------------------------------------------------------------


@transaction.atomic
def project_create(
    *,
    actor: AnyUser,
    title: str,
    year: int,
    domain: str,
    area_code: str,
    budget: Any,
    guidance_id: int | None = None,
    description: str = "",
    facility_ids: list[int] | None = None,
) -> Project:
    require(actor, MANAGE, area_code)
    if not title.strip():
        raise _refuse("title", _("Title: required."))
    from linli.catalog.enums import Domain

    if domain not in Domain.values:
        raise _refuse("domain", _("Domain: choose one of the six domains."))
    amount = _money(budget, "budget")
    guidance = None
    if guidance_id is not None:
        guidance = GuidanceItem.objects.filter(pk=guidance_id, year=year).first()
        if guidance is None:
            raise _refuse("guidance", _("Catalogue item: not in this year's guidance catalogue."))
        if guidance.price_max is not None and amount > guidance.price_max:
            raise _refuse("budget", _("Budget: above the catalogue's guide price."))
    facilities = list(Facility.objects.filter(pk__in=facility_ids or [], area_code__startswith=area_code[:6]))
    project = Project.objects.create(
        title=title.strip(),
        year=year,
        domain=domain,
        area_code=area_code,
        budget=amount,
        guidance=guidance,
        description=description,
        created_by=_user(actor),
    )
    project.facilities.set(facilities)
    StageChange.objects.create(
        project=project, from_stage="", to_stage=Stage.NEEDS, actor=_user(actor), at=timezone.now()
    )
    audit_record(actor=actor, action=AuditAction.CREATE, on=project, detail={"stage": Stage.NEEDS})
    return project


def area_prefix(code: str) -> str:
    """The prefix of the area a code names: a district's 6 digits, a town's 9, a community's 12."""
    if code[6:] == "000000":
        return code[:6]
    if code[9:] == "000":
        return code[:9]
    return code


def _stage_label(stage: str) -> str:
    return str(Stage(stage).label)


def stage_problems(project: Project, to_stage: str) -> list[str]:
    """What keeps `project` from entering `to_stage` (its next step)."""
    problems: list[str] = []
    if to_stage == Stage.TENDER and not project.targets.exists():
        problems.append(_("set at least one target first"))
    if to_stage == Stage.DELIVERY and not project.contracts.exists():
        problems.append(_("sign a contract first"))
    if (
        to_stage == Stage.TRACKING
        and not Evaluation.objects.filter(
            contract__project=project, kind=EvaluationKind.FINAL, signed_at__isnull=False
        ).exists()
    ):
        problems.append(_("a signed final evaluation is needed first"))
    return problems


@transaction.atomic
def project_advance(*, actor: AnyUser, project: Project, to_stage: str, note: str = "") -> Project:
    """Move a project to its next step; a skipped step is refused naming it; audited (who, when)."""
    given = project
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(actor, MANAGE, project.area_code)
    if to_stage not in Stage.values:
        raise _refuse("stage", _("Stage: unknown step."))
    here = STAGE_ORDER.index(Stage(project.stage))
    there = STAGE_ORDER.index(Stage(to_stage))
    if there <= here:
        raise _refuse(
            "stage", _("Stage: the project is already at %(stage)s.") % {"stage": _stage_label(project.stage)}
        )
    if there > here + 1:
        skipped = STAGE_ORDER[here + 1]
        raise _refuse(
            "stage",
            _("Stage: the step %(step)s cannot be skipped.") % {"step": _stage_label(skipped)},
            skipped=str(skipped),
        )
    problems = stage_problems(project, to_stage)
    if problems:
        raise _refuse("stage", _("Stage: %(problem)s.") % {"problem": problems[0]})
    before = project.stage
    project.stage = to_stage
    project.save(update_fields=["stage", "updated_at"])
    given.stage = to_stage
    StageChange.objects.create(
        project=project, from_stage=before, to_stage=to_stage, actor=_user(actor), at=timezone.now(), note=note
    )
    audit_record(
        actor=actor, action=AuditAction.UPDATE, on=project, fields=["stage"], detail={"from": before, "to": to_stage}
    )
    return project


@transaction.atomic
def target_set(
    *, actor: AnyUser, project: Project, metric: str, baseline: Any, target: Any, confirm: bool = False
) -> Target:
    """A target bound to a metric the registry computes; a metric without a computation is refused. Changing
    an existing target is refused until confirmed, the refusal saying what would change."""
    require(actor, MANAGE, project.area_code)
    if metric not in metrics.REGISTRY:
        raise _refuse("metric", _("Metric: no computation over delivery data exists for it."))
    if STAGE_ORDER.index(Stage(project.stage)) > STAGE_ORDER.index(Stage.TARGETS):
        raise _refuse(
            "metric", _("Metric: targets are fixed once the tender is published."), code="conflict", status=409
        )
    try:
        base = Decimal(str(baseline or 0))
        goal = Decimal(str(target))
    except (InvalidOperation, ValueError):
        raise _refuse("target", _("Target: not a number.")) from None
    if goal <= 0:
        raise _refuse("target", _("Target: must be more than 0."))
    existing = Target.objects.filter(project=project, metric=metric).first()
    if existing is not None and (existing.baseline, existing.target) != (base, goal) and not confirm:
        raise _refuse(
            "target",
            _(
                "Target: %(metric)s is now baseline %(b0)s, target %(t0)s; it will become baseline %(b1)s, "
                "target %(t1)s. Confirm to change it."
            )
            % {
                "metric": Metric(metric).label,
                "b0": existing.baseline,
                "t0": existing.target,
                "b1": base,
                "t1": goal,
            },
            code="confirm",
            status=409,
            before={"baseline": str(existing.baseline), "target": str(existing.target)},
            after={"baseline": str(base), "target": str(goal)},
        )
    row, _created = Target.objects.update_or_create(
        project=project, metric=metric, defaults={"baseline": base, "target": goal}
    )
    audit_record(actor=actor, action=AuditAction.UPDATE, on=project, fields=["targets"], detail={"metric": metric})
    return row


# Tender -----------------------------------------------------------------------------------------------------


@transaction.atomic
def tender_create(
    *,
    actor: AnyUser,
    project: Project,
    notice: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    weight_technical: int,
    weight_price: int,
    weight_credit: int,
    lots: list[dict[str, Any]],
    eligible_kinds: list[str] | None = None,
    min_grade: str = "",
    min_credit: str = CreditLevel.C,
    committee_size: int = 3,
    standstill_days: int = 7,
) -> Tender:
    require(actor, MANAGE, project.area_code)
    if project.stage != Stage.TENDER:
        raise _refuse(
            "stage", _("Stage: a tender is published at the step %(step)s.") % {"step": _stage_label(Stage.TENDER)}
        )
    if project.tenders.filter(status__in=[TenderStatus.OPEN, TenderStatus.EVALUATING, TenderStatus.AWARDED]).exists():
        raise _refuse("tender", _("Tender: the project already has a running tender."), code="conflict", status=409)
    if not notice.strip():
        raise _refuse("notice", _("Notice: required."))
    if closes_at <= opens_at:
        raise _refuse("closes_at", _("Bid deadline: must be after the opening."))
    weights = [weight_technical, weight_price, weight_credit]
    if any(w < 0 or w > 100 for w in weights) or sum(weights) != 100:
        raise _refuse(
            "weights",
            _("Award weights: technical, price and credit must sum to 100 %% (now %(sum)s %%).")
            % {"sum": sum(weights)},
        )
    if min_credit not in CreditLevel.values:
        raise _refuse("min_credit", _("Lowest credit level: unknown level."))
    if not lots:
        raise _refuse("lots", _("Lots: at least one lot."))
    tender = Tender.objects.create(
        project=project,
        notice=notice.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        weight_technical=weight_technical,
        weight_price=weight_price,
        weight_credit=weight_credit,
        eligible_kinds=eligible_kinds or (project.guidance.eligible_kinds if project.guidance else []),
        min_grade=min_grade,
        min_credit=min_credit,
        committee_size=committee_size,
        standstill_days=standstill_days,
    )
    total = Decimal("0")
    for number, spec in enumerate(lots, start=1):
        budget = _money(spec.get("budget"), "lots")
        total += budget
        lot = Lot.objects.create(
            tender=tender, number=number, title=str(spec.get("title") or project.title), budget=budget
        )
        lot.facilities.set(Facility.objects.filter(pk__in=spec.get("facility_ids") or []))
        lot.service_items.set(ServiceItem.objects.filter(pk__in=spec.get("item_ids") or []))
    if total > project.budget:
        raise _refuse("lots", _("Lots: their budgets exceed the project's budget."))
    audit_record(actor=actor, action=AuditAction.CREATE, on=tender, detail={"project": project.pk})
    return tender


GRADE_RANK = {"5A": 5, "4A": 4, "3A": 3, "2A": 2, "1A": 1, "": 0}


def eligibility_problem(tender: Tender, operator: Operator, on: dt.date) -> str | None:
    """Why `operator` may not bid in `tender` (None: it may)."""
    if tender.eligible_kinds and operator.kind not in tender.eligible_kinds:
        return _("operator kind not eligible")
    if tender.min_grade and GRADE_RANK.get(operator.grade, 0) < GRADE_RANK.get(tender.min_grade, 0):
        return _("social-organisation grade below %(grade)s") % {"grade": tender.min_grade}
    if not operator.credit_code:
        return _("no unified social credit code")
    sanction = sanction_active(operator, on)
    if sanction is not None:
        return _("suspended or excluded: %(reason)s") % {"reason": sanction.reason}
    level = operator_profile(operator).credit_level
    if CREDIT_RANK[level] < CREDIT_RANK[tender.min_credit]:
        return _("credit level %(level)s below %(min)s") % {"level": level, "min": tender.min_credit}
    return None


def operator_of(user: AnyUser) -> Operator | None:
    if not user.is_authenticated:
        return None
    account = OperatorAccount.objects.filter(user=user).select_related("operator").first()
    return account.operator if account else None


def bid_submit(*, actor: AnyUser, lot_id: int, price: Any, proposal: str) -> Bid:
    """A sealed bid of the actor's operator. Late, ineligible, suspended and second bids are refused, also
    when they arrive together at the deadline: the tender row is locked and the server clock read under
    the lock; the database refuses a second bid for the lot."""
    operator = operator_of(actor)
    if operator is None:
        raise ApplicationError("forbidden", _("Only an operator's account may bid."), status=403)
    amount = _money(price, "price")
    if not proposal.strip():
        raise _refuse("proposal", _("Technical proposal: required."))
    try:
        with transaction.atomic():
            lot = Lot.objects.filter(pk=lot_id).first()
            if lot is None:
                raise ApplicationError("not_found", _("No such lot."), status=404)
            tender = Tender.objects.select_for_update().get(pk=lot.tender_id)
            now = timezone.now()
            if tender.status != TenderStatus.OPEN or now < tender.opens_at:
                raise _refuse("lot", _("Lot: the tender is not open for bids."), code="closed", status=409)
            if now >= tender.closes_at:
                raise _refuse("lot", _("Lot: the bid deadline has passed."), code="late", status=409)
            problem = eligibility_problem(tender, operator, timezone.localdate())
            if problem:
                raise _refuse(
                    "operator", _("Operator: not eligible (%(why)s).") % {"why": problem}, code="ineligible", status=403
                )
            if Bid.objects.filter(lot=lot, operator=operator).exists():
                raise _refuse("lot", _("Lot: your operator has already bid for it."), code="conflict", status=409)
            bid = Bid.objects.create(
                lot=lot,
                operator=operator,
                price=amount,
                proposal=proposal.strip(),
                submitted_at=now,
                submitted_by=_user(actor),
            )
            audit_record(actor=actor, action=AuditAction.CREATE, on=bid, detail={"lot": lot.pk})
            return bid
    except IntegrityError:
        raise _refuse("lot", _("Lot: your operator has already bid for it."), code="conflict", status=409) from None


@transaction.atomic
def expert_add(
    *,
    actor: AnyUser,
    name: str,
    organization: str = "",
    speciality: str = "",
    linked_operator_ids: list[int] | None = None,
) -> Expert:
    """An expert of the pool, with the operators they are linked to (employment, shares, family: their
    conflicts of interest, which keep them off those operators' tenders)."""
    require(actor, MANAGE)
    if not name.strip():
        raise _refuse("name", _("Name: required."))
    linked = list(Operator.objects.filter(pk__in=linked_operator_ids or []))
    if len(linked) != len(set(linked_operator_ids or [])):
        raise _refuse("linked_operators", _("Linked operators: unknown operator."))
    expert = Expert.objects.create(name=name.strip(), organization=organization.strip(), speciality=speciality.strip())
    expert.linked_operators.set(linked)
    audit_record(actor=actor, action=AuditAction.CREATE, on=expert, detail={"linked": [o.pk for o in linked]})
    return expert


def _conflicted(expert: Expert, tender: Tender) -> bool:
    return expert.linked_operators.filter(procurement_bids__lot__tender=tender).exists()


@transaction.atomic
def committee_draw(*, actor: AnyUser, tender: Tender, rng: random.Random | None = None) -> list[CommitteeMember]:
    """After the deadline, draw the committee at random from the active pool, leaving out every expert
    linked to a bidder (conflict of interest)."""
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    require(actor, MANAGE, tender.project.area_code)
    if timezone.now() < tender.closes_at:
        raise _refuse(
            "tender", _("Tender: the committee is drawn after the bid deadline."), code="conflict", status=409
        )
    if tender.committee.exists():
        raise _refuse("tender", _("Tender: the committee has been drawn."), code="conflict", status=409)
    bidders = Bid.objects.filter(lot__tender=tender).values("operator_id")
    pool = list(Expert.objects.filter(active=True).exclude(linked_operators__in=bidders).order_by("pk").distinct())
    if len(pool) < tender.committee_size:
        raise _refuse(
            "committee_size",
            _("Committee size: the pool has only %(n)s experts without a conflict.") % {"n": len(pool)},
        )
    chosen = (rng or random.SystemRandom()).sample(pool, tender.committee_size)
    now = timezone.now()
    members = [CommitteeMember.objects.create(tender=tender, expert=e, drawn_at=now) for e in chosen]
    if tender.status == TenderStatus.OPEN:
        tender.status = TenderStatus.EVALUATING
        tender.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=AuditAction.CREATE, on=tender, detail={"committee": [e.pk for e in chosen]})
    return members


@transaction.atomic
def score_submit(*, actor: AnyUser, member: CommitteeMember, bid: Bid, technical: Any) -> Score:
    """A committee member's technical score (the member themself, or staff entering the paper sheet)."""
    tender = Tender.objects.select_related("project").get(pk=member.tender_id)
    if member.expert.user_id != actor.pk:
        require(actor, MANAGE, tender.project.area_code)
    if bid.lot.tender_id != tender.pk:
        raise _refuse("bid", _("Bid: not of this tender."))
    if member.expert.linked_operators.filter(pk=bid.operator_id).exists() or _conflicted(member.expert, tender):
        raise _refuse(
            "member",
            _("Committee member: linked to a bidder, may not score (conflict of interest)."),
            code="conflict",
            status=403,
        )
    if tender.status != TenderStatus.EVALUATING:
        raise _refuse("technical", _("Technical score: the tender is not being scored."), code="conflict", status=409)
    try:
        value = Decimal(str(technical))
    except (InvalidOperation, ValueError):
        raise _refuse("technical", _("Technical score: not a number.")) from None
    if value < 0 or value > SCORE_MAX:
        raise _refuse("technical", _("Technical score: must be between 0 and %(max)s.") % {"max": SCORE_MAX})
    score, _created = Score.objects.update_or_create(
        member=member, bid=bid, defaults={"technical": value, "at": timezone.now()}
    )
    audit_record(actor=actor, action=AuditAction.UPDATE, on=score, detail={"bid": bid.pk})
    return score


@transaction.atomic
def tender_award(*, actor: AnyUser, tender: Tender) -> Tender:
    """Score every bid (technical mean x weight + price score x weight + credit x weight) and award each
    lot to the highest; a tender without a complete valid bid fails (流标)."""
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    require(actor, MANAGE, tender.project.area_code)
    if tender.status != TenderStatus.EVALUATING:
        raise _refuse("tender", _("Tender: only a tender being scored can be awarded."), code="conflict", status=409)
    n_members = tender.committee.count()
    awarded = 0
    for lot in tender.lots.all():
        bids = list(lot.bids.select_related("operator").annotate(n=Count("scores"), tech=Avg("scores__technical")))
        valid = [b for b in bids if b.n == n_members and b.price <= lot.budget]
        if not valid:
            continue
        low = min(b.price for b in valid)
        best: Bid | None = None
        best_score = Decimal(0)
        for b in valid:
            price_score = (low / b.price * 100).quantize(CENT)
            credit = Decimal(CREDIT_POINTS[operator_profile(b.operator).credit_level])
            tech = Decimal(str(b.tech)).quantize(CENT)
            total = (
                tech * tender.weight_technical + price_score * tender.weight_price + credit * tender.weight_credit
            ) / 100
            b.award_score = score = total.quantize(CENT)
            b.award_detail = {"technical": str(tech), "price": str(price_score), "credit": str(credit)}
            b.save(update_fields=["award_score", "award_detail"])
            if best is None or score > best_score:
                best, best_score = b, score
        lot.winner = best
        lot.save(update_fields=["winner"])
        awarded += 1
    now = timezone.now()
    if awarded:
        tender.status = TenderStatus.AWARDED
        tender.awarded_at = now
    else:
        tender.status = TenderStatus.FAILED
        tender.failed_reason = _("no bid was complete and within the lot's budget")
    tender.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, on=tender, fields=["status"], detail={"status": tender.status})
    return tender


@transaction.atomic
def tender_fail(*, actor: AnyUser, tender: Tender, reason: str) -> Tender:
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    require(actor, MANAGE, tender.project.area_code)
    if tender.status == TenderStatus.AWARDED:
        raise _refuse("tender", _("Tender: already awarded."), code="conflict", status=409)
    if timezone.now() < tender.closes_at:
        raise _refuse("tender", _("Tender: bids are still open."), code="conflict", status=409)
    tender.status = TenderStatus.FAILED
    tender.failed_reason = reason or _("fewer than the required bids")
    tender.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, on=tender, fields=["status"], detail={"status": "failed"})
    return tender


def standstill_ends(tender: Tender) -> dt.datetime | None:
    return tender.awarded_at + dt.timedelta(days=tender.standstill_days) if tender.awarded_at else None


@transaction.atomic
def contract_create(
    *,
    actor: AnyUser,
    lot: Lot,
    number: str,
    starts_on: dt.date,
    ends_on: dt.date,
    kpi_weight: int = 70,
    evaluation_weight: int = 30,
    facility_ids: list[int] | None = None,
) -> Contract:
    """The contract of an awarded lot, after the standstill period, for the winner's price."""
    lot = Lot.objects.select_related("tender__project", "winner__operator").get(pk=lot.pk)
    tender = lot.tender
    project = tender.project
    require(actor, MANAGE, project.area_code)
    if lot.winner_id is None or tender.status != TenderStatus.AWARDED:
        raise _refuse("lot", _("Lot: not awarded."), code="conflict", status=409)
    ends = standstill_ends(tender)
    if ends and timezone.now() < ends:
        raise _refuse(
            "lot",
            _("Lot: the standstill period runs until %(at)s.")
            % {"at": timezone.localtime(ends).strftime("%Y-%m-%d %H:%M")},
            code="standstill",
            status=409,
        )
    if not number.strip():
        raise _refuse("number", _("Contract number: required."))
    if ends_on < starts_on:
        raise _refuse("ends_on", _("Until: must not be before From."))
    if kpi_weight + evaluation_weight != 100 or kpi_weight < 0 or evaluation_weight < 0:
        raise _refuse(
            "kpi_weight", _("Payment formula: the weights of KPI attainment and evaluation must sum to 100 %.")
        )
    if Contract.objects.filter(lot=lot).exists():
        raise _refuse("lot", _("Lot: its contract exists."), code="conflict", status=409)
    winner = lot.winner
    assert winner is not None
    contract = Contract.objects.create(
        project=project,
        area_code=project.area_code,
        lot=lot,
        operator=winner.operator,
        number=number.strip(),
        amount=winner.price,
        starts_on=starts_on,
        ends_on=ends_on,
        kpi_weight=kpi_weight,
        evaluation_weight=evaluation_weight,
        signed_at=timezone.now(),
    )
    facilities = list(lot.facilities.all()) or list(Facility.objects.filter(pk__in=facility_ids or []))
    ContractFacility.objects.bulk_create([ContractFacility(contract=contract, facility=f) for f in facilities])
    contract.service_items.set(lot.service_items.all())
    audit_record(
        actor=actor, action=AuditAction.CREATE, on=contract, detail={"lot": lot.pk, "amount": str(contract.amount)}
    )
    return contract


# KPIs -------------------------------------------------------------------------------------------------------


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(dt.datetime.combine(first, dt.time()), tz),
        timezone.make_aware(dt.datetime.combine(nxt, dt.time()), tz),
    )


def parse_month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise _refuse("month", _("Month: not a month (YYYY-MM).")) from None


@transaction.atomic
def kpi_compute(*, month: dt.date) -> int:
    """The month's observation of every target of every contract running that month: one grouped query
    per metric kind for all contracts, then one write. Recomputing a month replaces its values."""
    first = month.replace(day=1)
    start, end = month_bounds(first)
    last = (end - dt.timedelta(days=1)).date()
    contracts = list(Contract.objects.filter(starts_on__lte=last, ends_on__gte=first).values_list("pk", "project_id"))
    if not contracts:
        return 0
    targets: dict[int, list[Target]] = {}
    for t in Target.objects.filter(project_id__in={p for _c, p in contracts}):
        targets.setdefault(t.project_id, []).append(t)
    kinds = {t.metric for ts in targets.values() for t in ts}
    ids = [c for c, _p in contracts]
    results = {kind: metrics.REGISTRY[kind].compute(ids, start, end) for kind in kinds}
    now = timezone.now()
    rows = []
    for contract_id, project_id in contracts:
        for t in targets.get(project_id, []):
            value, evidence = results[t.metric][contract_id]
            rows.append(
                KpiObservation(
                    contract_id=contract_id,
                    target=t,
                    month=first,
                    value=value,
                    attainment=metrics.attainment(value, t.baseline, t.target),
                    evidence={**evidence, "metric": t.metric, "target": str(t.target), "baseline": str(t.baseline)},
                    computed_at=now,
                )
            )
    KpiObservation.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["contract", "target", "month"],
        update_fields=["value", "attainment", "evidence", "computed_at"],
        batch_size=500,
    )
    return len(rows)


# Rectification ----------------------------------------------------------------------------------------------


@transaction.atomic
def rectification_issue(*, actor: AnyUser, contract: Contract, issue: str, due_on: dt.date) -> Rectification:
    require(actor, MANAGE, contract.area_code)
    if not issue.strip():
        raise _refuse("issue", _("Issue: required."))
    if due_on < timezone.localdate():
        raise _refuse("due_on", _("Due on: must not be in the past."))
    order = Rectification.objects.create(contract=contract, issue=issue.strip(), due_on=due_on, issued_by=_user(actor))
    audit_record(actor=actor, action=AuditAction.CREATE, on=order)
    return order


@transaction.atomic
def rectification_answer(*, actor: AnyUser, order: Rectification, answer: str) -> Rectification:
    order = Rectification.objects.select_for_update().select_related("contract").get(pk=order.pk)
    if operator_of(actor) != order.contract.operator:
        raise ApplicationError("not_found", _("No such rectification order."), status=404)
    if order.status != RectificationStatus.OPEN:
        raise _refuse("answer", _("Answer: the order has been answered."), code="conflict", status=409)
    if not answer.strip():
        raise _refuse("answer", _("Answer: required."))
    order.answer = answer.strip()
    order.answered_at = timezone.now()
    order.status = RectificationStatus.ANSWERED
    order.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, on=order, fields=["answer"])
    return order


@transaction.atomic
def rectification_close(*, actor: AnyUser, order: Rectification) -> Rectification:
    require(actor, MANAGE, order.contract.area_code)
    if order.status != RectificationStatus.ANSWERED:
        raise _refuse("status", _("Status: only an answered order can be closed."), code="conflict", status=409)
    order.status = RectificationStatus.CLOSED
    order.closed_at = timezone.now()
    order.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, on=order, fields=["status"])
    return order


# Payments (以质定酬) ------------------------------------------------------------------------------------------


def payment_figures(contract: Contract, period_start: dt.date, period_end: dt.date, base: Decimal) -> dict[str, Any]:
    """The formula's inputs and result for a period: the KPI observations of its months, the latest
    signed evaluation, the factor, the amount and what is withheld and why."""
    observations = list(
        KpiObservation.objects.filter(
            contract=contract, month__gte=period_start.replace(day=1), month__lte=period_end
        ).select_related("target")
    )
    if not observations:
        raise _refuse("period_start", _("Period: no KPI observations in this period; compute the KPIs first."))
    attain = (sum((o.attainment for o in observations), Decimal("0")) / len(observations)).quantize(Decimal("0.0001"))
    evaluation = Evaluation.objects.filter(contract=contract, signed_at__isnull=False).order_by("-signed_at").first()
    ev_score = evaluation.score if evaluation is not None else None
    kpi_w = Decimal(contract.kpi_weight) / 100
    ev_w = Decimal(contract.evaluation_weight) / 100
    # no evaluation yet: the KPIs carry the whole formula
    factor = attain if ev_score is None else kpi_w * attain + ev_w * ev_score / 100
    factor = min(factor, Decimal("1")).quantize(Decimal("0.0001"))
    amount = (base * factor).quantize(CENT, rounding=ROUND_HALF_UP)
    withheld = base - amount
    reasons: list[dict[str, Any]] = []
    for o in observations:
        if o.attainment < 1:
            reasons.append(
                {
                    "month": o.month.strftime("%Y-%m"),
                    "metric": o.target.metric,
                    "value": None if o.value is None else str(o.value),
                    "target": str(o.target.target),
                    "attainment": str(o.attainment),
                }
            )
    if ev_score is not None and ev_score < 100:
        reasons.append({"evaluation": evaluation.pk if evaluation else None, "score": str(ev_score)})
    return {
        "kpi_attainment": attain,
        "evaluation_score": ev_score,
        "factor": factor,
        "amount": amount,
        "withheld": withheld,
        "withheld_reasons": reasons if withheld > 0 else [],
        "evidence": {
            "formula": f"base × min(1, {contract.kpi_weight}% × KPI + {contract.evaluation_weight}% × score/100)"
            if ev_score is not None
            else "base × min(1, KPI)",
            "observations": [o.pk for o in observations],
            "evaluation": evaluation.pk if evaluation else None,
        },
    }


@transaction.atomic
def payment_calculate(
    *, actor: AnyUser, contract: Contract, milestone: str, period_start: dt.date, period_end: dt.date, base: Any
) -> Payment:
    """A milestone payment computed by the contract's formula. The bases of all payments never exceed the
    contract amount (checked with the contract row locked)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    require(actor, MANAGE, contract.area_code)
    if not milestone.strip():
        raise _refuse("milestone", _("Milestone: required."))
    if period_end < period_start:
        raise _refuse("period_end", _("Period until: must not be before the start."))
    amount_base = _money(base, "base")
    used = Payment.objects.filter(contract=contract, corrects__isnull=True).aggregate(s=Sum("base"))["s"] or Decimal(0)
    if used + amount_base > contract.amount:
        raise _refuse(
            "base",
            _("Base amount: with the payments already made it would exceed the contract amount (%(left)s yuan left).")
            % {"left": contract.amount - used},
        )
    figures = payment_figures(contract, period_start, period_end, amount_base)
    payment = Payment.objects.create(
        contract=contract,
        milestone=milestone.strip(),
        period_start=period_start,
        period_end=period_end,
        base=amount_base,
        **figures,
    )
    audit_record(actor=actor, action=AuditAction.CREATE, on=payment, detail={"amount": str(payment.amount)})
    return payment


@transaction.atomic
def payment_pay(*, actor: AnyUser, payment: Payment) -> Payment:
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    require(actor, MANAGE, payment.contract.area_code)
    if payment.status == PaymentStatus.PAID:
        raise _refuse("status", _("Status: already paid; corrections are new records."), code="conflict", status=409)
    payment.status = PaymentStatus.PAID
    payment.paid_at = timezone.now()
    payment.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, on=payment, fields=["status"])
    return payment


@transaction.atomic
def payment_correct(*, actor: AnyUser, payment: Payment) -> Payment:
    """A paid payment recomputed from today's observations (KPIs corrected after payment): a new record
    for the difference (possibly negative), pointing at the payment it corrects; the paid one never changes."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    require(actor, MANAGE, payment.contract.area_code)
    if payment.status != PaymentStatus.PAID:
        raise _refuse(
            "status",
            _("Status: only a paid payment is corrected; recalculate an unpaid one."),
            code="conflict",
            status=409,
        )
    figures = payment_figures(payment.contract, payment.period_start, payment.period_end, payment.base)
    already = payment.amount + (payment.corrections.aggregate(s=Sum("amount"))["s"] or Decimal(0))
    delta = figures["amount"] - already
    correction = Payment.objects.create(
        contract=payment.contract,
        milestone=_("correction of %(milestone)s") % {"milestone": payment.milestone},
        period_start=payment.period_start,
        period_end=payment.period_end,
        base=max(delta, Decimal(0)),
        kpi_attainment=figures["kpi_attainment"],
        evaluation_score=figures["evaluation_score"],
        factor=figures["factor"],
        amount=delta,
        withheld=Decimal(0),
        withheld_reasons=[],
        evidence={**figures["evidence"], "corrects": payment.pk, "already_paid": str(already)},
        corrects=payment,
    )
    audit_record(actor=actor, action=AuditAction.CREATE, on=correction, detail={"corrects": payment.pk})
    return correction


# Third-party evaluation -------------------------------------------------------------------------------------

# The score sheet: item, the most points it gives.
SHEET = [
    ("delivery", 40),
    ("quality", 30),
    ("satisfaction", 20),
    ("management", 10),
]


@transaction.atomic
def evaluation_assign(*, actor: AnyUser, contract: Contract, kind: str, evaluator: User, due_on: dt.date) -> Evaluation:
    require(actor, MANAGE, contract.area_code)
    if evaluator.role != Role.EVALUATOR:
        raise _refuse("evaluator", _("Evaluator: must be a third-party evaluator's account."))
    if kind not in EvaluationKind.values:
        raise _refuse("kind", _("Kind: mid-term or final."))
    if Evaluation.objects.filter(contract=contract, kind=kind).exists():
        raise _refuse("kind", _("Kind: this evaluation is already assigned."), code="conflict", status=409)
    evaluation = Evaluation.objects.create(contract=contract, kind=kind, evaluator=evaluator, due_on=due_on)
    audit_record(actor=actor, action=AuditAction.CREATE, on=evaluation, detail={"evaluator": evaluator.pk})
    return evaluation


@transaction.atomic
def evaluation_sign(*, actor: AnyUser, evaluation: Evaluation, scores: dict[str, Any], comment: str) -> Evaluation:
    """Score each item of the sheet within its range and sign; a signed evaluation never changes."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.evaluator_id != actor.pk:
        raise ApplicationError("not_found", _("No such evaluation."), status=404)
    if evaluation.signed_at is not None:
        raise _refuse(
            "score", _("Score: the evaluation is signed and can no longer change."), code="conflict", status=409
        )
    sheet = []
    total = Decimal(0)
    for key, top in SHEET:
        raw = scores.get(key)
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            raise _refuse(key, _("%(item)s: not a number.") % {"item": sheet_label(key)}) from None
        if value < 0 or value > top:
            raise _refuse(key, _("%(item)s: must be between 0 and %(max)s.") % {"item": sheet_label(key), "max": top})
        sheet.append({"item": key, "max": top, "score": str(value)})
        total += value
    if not comment.strip():
        raise _refuse("comment", _("Conclusion: required."))
    evaluation.sheet = sheet
    evaluation.score = total
    evaluation.comment = comment.strip()
    evaluation.signed_at = timezone.now()
    evaluation.save()
    audit_record(
        actor=actor, action=AuditAction.UPDATE, on=evaluation, fields=["signed_at"], detail={"score": str(total)}
    )
    return evaluation


def sheet_label(key: str) -> str:
    labels = {
        "delivery": _("Delivery of the contracted services"),
        "quality": _("Quality and standards"),
        "satisfaction": _("Residents' satisfaction"),
        "management": _("Management and records"),
    }
    return labels.get(key, key)


# Residents' say (民主征询、决策、监督、评议) ---------------------------------------------------------------------


def resident_used_service(resident: User, project: Project) -> bool:
    """Checked in at a contracted facility, or had a request handled in its community."""
    from linli.bookings.models import Registration
    from linli.cases.models import ServiceRequest

    facilities = ContractFacility.objects.filter(contract__project=project).values("facility_id")
    if Registration.objects.filter(
        resident=resident, checked_in_at__isnull=False, session__activity__facility_id__in=facilities
    ).exists():
        return True
    areas = ContractFacility.objects.filter(contract__project=project).values("facility__area_code")
    return ServiceRequest.objects.filter(resident=resident, resolved_at__isnull=False, area_code__in=areas).exists()


@transaction.atomic
def opinion_add(*, actor: AnyUser, project: Project, kind: str, text: str = "", rating: int | None = None) -> Opinion:
    if not actor.is_authenticated or actor.role != Role.RESIDENT:
        raise ApplicationError("forbidden", _("Only residents give their opinion here."), status=403)
    home = actor.home_area_code or ""
    if not home.startswith(area_prefix(project.area_code)):
        raise ApplicationError("not_found", _("No such project."), status=404)
    here = STAGE_ORDER.index(Stage(project.stage))
    if kind in (OpinionKind.COMMENT, OpinionKind.SUPPORT, OpinionKind.OPPOSE):
        if here > STAGE_ORDER.index(Stage.TARGETS):
            raise _refuse(
                "kind",
                _("Opinion: comments and votes are taken while the project is proposed."),
                code="closed",
                status=409,
            )
        if kind == OpinionKind.COMMENT and not text.strip():
            raise _refuse("text", _("Comment: required."))
    elif kind == OpinionKind.PROBLEM:
        if Stage(project.stage) != Stage.DELIVERY:
            raise _refuse("kind", _("Problem report: only during delivery."), code="closed", status=409)
        if not text.strip():
            raise _refuse("text", _("Problem: describe it."))
    elif kind == OpinionKind.RATING:
        if here < STAGE_ORDER.index(Stage.DELIVERY):
            raise _refuse("kind", _("Rating: the service has not been delivered yet."), code="closed", status=409)
        if rating is None or not 1 <= int(rating) <= 5:
            raise _refuse("rating", _("Rating: from 1 to 5."))
        if not resident_used_service(actor, project):
            raise _refuse(
                "rating", _("Rating: only residents who used the service may rate it."), code="forbidden", status=403
            )
    else:
        raise _refuse("kind", _("Opinion: unknown kind."))
    if (
        kind in (OpinionKind.SUPPORT, OpinionKind.OPPOSE)
        and Opinion.objects.filter(
            project=project, resident=actor, kind__in=[OpinionKind.SUPPORT, OpinionKind.OPPOSE]
        ).exists()
    ):
        raise _refuse("kind", _("Vote: you have voted on this project."), code="conflict", status=409)
    if kind == OpinionKind.RATING and Opinion.objects.filter(project=project, resident=actor, kind=kind).exists():
        raise _refuse("rating", _("Rating: you have rated this project."), code="conflict", status=409)
    try:
        with transaction.atomic():
            return Opinion.objects.create(
                project=project,
                resident=actor,
                area_code=home if len(home) == 12 else project.area_code,
                kind=kind,
                text=text.strip(),
                rating=int(rating) if kind == OpinionKind.RATING and rating is not None else None,
            )
    except IntegrityError:
        raise _refuse("kind", _("Opinion: you have already given this one."), code="conflict", status=409) from None
