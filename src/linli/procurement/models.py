"""Purchase of services (政府购买服务): the guidance catalogue, projects through six steps, targets bound to
metrics, tenders with lots and sealed bids, the expert committee, contracts, monthly KPI observations,
rectification orders, payments by performance (以质定酬), third-party evaluations, operators' credit and
sanctions, and residents' opinions (民主征询、决策、监督、评议).

The rules live in `services.py`; the database holds the invariants a concurrent writer could break: one bid
per operator and lot, one committee seat per expert, one score per member and bid, scores and weights in
range, one vote and one rating per resident and project, payments within their base."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.catalog.enums import Domain
from linli.catalog.models import ServiceItem
from linli.core.models import AreaOwned, TimeStampedModel
from linli.facilities.models import Facility, Operator
from linli.procurement.enums import (
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


class GuidanceItem(TimeStampedModel):
    """One line of the year's purchase guidance catalogue (指导性目录): what may be bought."""

    year = models.PositiveSmallIntegerField(_("year"))
    code = models.CharField(_("classification code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    domain = models.CharField(_("domain"), max_length=16, choices=Domain.choices)
    service_items = models.ManyToManyField(
        ServiceItem, blank=True, related_name="guidance_items", verbose_name=_("service items")
    )
    price_min = models.DecimalField(
        _("guide price from (yuan)"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    price_max = models.DecimalField(_("guide price to (yuan)"), null=True, blank=True, max_digits=14, decimal_places=2)
    price_unit = models.CharField(_("price unit"), max_length=32, blank=True)
    eligible_kinds = models.JSONField(_("eligible operator kinds"), default=list, blank=True)

    class Meta:
        verbose_name = _("guidance catalogue item (指导性目录)")
        verbose_name_plural = _("guidance catalogue")
        ordering = ["-year", "code"]
        constraints = [
            models.UniqueConstraint(fields=["year", "code"], name="guidance_year_code"),
            models.CheckConstraint(
                condition=models.Q(price_min__isnull=True)
                | models.Q(price_max__isnull=True)
                | models.Q(price_max__gte=models.F("price_min")),
                name="guidance_price_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.code} {self.name}"


class OperatorProfile(TimeStampedModel):
    """What procurement knows about an operator beyond the registry: qualification, licences and the
    credit record computed from its performance (`services.credit_compute`)."""

    operator = models.OneToOneField(Operator, on_delete=models.CASCADE, related_name="procurement_profile")
    qualification = models.CharField(_("qualification (资质)"), max_length=200, blank=True)
    licences = models.JSONField(_("licences (许可证)"), default=list, blank=True)
    credit_level = models.CharField(_("credit level"), max_length=1, choices=CreditLevel.choices, default="B")
    credit_score = models.DecimalField(_("credit score"), max_digits=5, decimal_places=1, default=80)
    credit_reasons = models.JSONField(_("credit reasons"), default=list, blank=True)
    credit_computed_at = models.DateTimeField(_("credit computed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("operator qualification and credit (资质与信用)")
        verbose_name_plural = _("operator qualifications and credit")

    def __str__(self) -> str:
        return f"{self.operator} {self.credit_level}"


class OperatorSanction(TimeStampedModel):
    """Market exit (市场退出): a suspension (with an end date) or an exclusion (open-ended)."""

    operator = models.ForeignKey(Operator, on_delete=models.CASCADE, related_name="procurement_sanctions")
    kind = models.CharField(_("kind"), max_length=16, choices=SanctionKind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("operator sanction (暂停、清退)")
        verbose_name_plural = _("operator sanctions")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="sanction_dates",
            )
        ]

    def __str__(self) -> str:
        return f"{self.operator_id} {self.kind} {self.starts_on}"


class OperatorAccount(TimeStampedModel):
    """An operator-role user who acts for one operator (its workspace shows only that operator's data)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="operator_account")
    operator = models.ForeignKey(Operator, on_delete=models.CASCADE, related_name="accounts")

    class Meta:
        verbose_name = _("operator account")
        verbose_name_plural = _("operator accounts")

    def __str__(self) -> str:
        return f"{self.user_id} -> {self.operator_id}"


class Project(AreaOwned, TimeStampedModel):
    """A purchase project, moved through the six steps by `services.project_advance`."""

    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    domain = models.CharField(_("domain"), max_length=16, choices=Domain.choices)
    guidance = models.ForeignKey(
        GuidanceItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("catalogue item"),
    )
    budget = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2)
    description = models.TextField(_("description"), blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.NEEDS)
    facilities = models.ManyToManyField(
        Facility, blank=True, related_name="procurement_projects", verbose_name=_("facilities")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(AreaOwned.Meta):
        verbose_name = _("purchase project (购买服务项目)")
        verbose_name_plural = _("purchase projects")
        ordering = ["-year", "-id"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.CheckConstraint(condition=models.Q(budget__gt=0), name="project_budget_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class StageChange(models.Model):
    """One step of a project: who moved it, when, from where to where (also in the audit log)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=16, choices=Stage.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.from_stage}->{self.to_stage}"


class Target(models.Model):
    """A target of a project: a metric (computed from delivery data), its baseline and its target value."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="targets")
    metric = models.CharField(_("metric"), max_length=16, choices=Metric.choices)
    baseline = models.DecimalField(_("baseline"), max_digits=10, decimal_places=2, default=0)
    target = models.DecimalField(_("target"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("target (绩效目标)")
        verbose_name_plural = _("targets")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "metric"], name="target_metric_once"),
            models.CheckConstraint(condition=models.Q(metric__in=Metric.values), name="target_metric_known"),
            models.CheckConstraint(condition=models.Q(target__gt=0), name="target_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.target}"


class Tender(TimeStampedModel):
    """A call for bids of a project (a failed one is followed by a new one). Weights in percent."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tenders")
    notice = models.TextField(_("notice (招标公告)"))
    opens_at = models.DateTimeField(_("bids from"))
    closes_at = models.DateTimeField(_("bid deadline"))
    eligible_kinds = models.JSONField(_("eligible operator kinds"), default=list, blank=True)
    min_grade = models.CharField(_("lowest social-organisation grade"), max_length=2, blank=True)
    min_credit = models.CharField(_("lowest credit level"), max_length=1, choices=CreditLevel.choices, default="C")
    weight_technical = models.PositiveSmallIntegerField(_("weight of the technical score (%)"))
    weight_price = models.PositiveSmallIntegerField(_("weight of the price (%)"))
    weight_credit = models.PositiveSmallIntegerField(_("weight of the credit (%)"))
    committee_size = models.PositiveSmallIntegerField(_("committee size"), default=3)
    standstill_days = models.PositiveSmallIntegerField(_("standstill (days)"), default=7)
    status = models.CharField(_("status"), max_length=16, choices=TenderStatus.choices, default=TenderStatus.OPEN)
    awarded_at = models.DateTimeField(_("awarded at"), null=True, blank=True)
    failed_reason = models.TextField(_("why it failed"), blank=True)

    class Meta:
        verbose_name = _("tender (招标)")
        verbose_name_plural = _("tenders")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    weight_technical__lte=100,
                    weight_price__lte=100,
                    weight_credit__lte=100,
                ),
                name="tender_weights_range",
            ),
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="tender_window"),
        ]

    def __str__(self) -> str:
        return f"{self.project} #{self.pk}"


class Lot(models.Model):
    """A lot (标段) of a tender: its budget, the facilities and service items it covers, and its winner."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("lot"))
    title = models.CharField(_("title"), max_length=200)
    budget = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2)
    facilities = models.ManyToManyField(Facility, blank=True, related_name="procurement_lots")
    service_items = models.ManyToManyField(ServiceItem, blank=True, related_name="procurement_lots")
    winner = models.OneToOneField("Bid", null=True, blank=True, on_delete=models.PROTECT, related_name="won_lot")

    class Meta:
        ordering = ["tender", "number"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="lot_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Bid(models.Model):
    """A sealed bid: nobody reads `price` or `proposal` before the tender's deadline
    (`selectors.bid_content`)."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="bids")
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="procurement_bids")
    price = models.DecimalField(_("price (yuan)"), max_digits=14, decimal_places=2)
    proposal = models.TextField(_("technical proposal"))
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    award_score = models.DecimalField(_("award score"), max_digits=6, decimal_places=2, null=True, blank=True)
    award_detail = models.JSONField(_("award score detail"), default=dict, blank=True)

    class Meta:
        ordering = ["lot", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "operator"], name="bid_once_per_lot"),
            models.CheckConstraint(condition=models.Q(price__gt=0), name="bid_price_positive"),
        ]

    def __str__(self) -> str:
        return f"bid {self.pk}"


class Expert(TimeStampedModel):
    """A member of the expert pool (专家库); `linked_operators` are the conflicts of interest."""

    name = models.CharField(_("name"), max_length=64)
    organization = models.CharField(_("organisation"), max_length=100, blank=True)
    speciality = models.CharField(_("speciality"), max_length=100, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="expert"
    )
    linked_operators = models.ManyToManyField(Operator, blank=True, related_name="linked_experts")
    active = models.BooleanField(_("in the pool"), default=True)

    class Meta:
        verbose_name = _("expert (评审专家)")
        verbose_name_plural = _("expert pool")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CommitteeMember(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="committee")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="seats")
    drawn_at = models.DateTimeField(_("drawn at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tender", "expert"], name="committee_seat_once")]

    def __str__(self) -> str:
        return f"{self.tender_id}/{self.expert_id}"


SCORE_MAX = 100


class Score(models.Model):
    """A committee member's technical score of a bid (0-100 on the sheet)."""

    member = models.ForeignKey(CommitteeMember, on_delete=models.CASCADE, related_name="scores")
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="scores")
    technical = models.DecimalField(_("technical score"), max_digits=5, decimal_places=2)
    at = models.DateTimeField(_("at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "bid"], name="score_once"),
            models.CheckConstraint(
                condition=models.Q(technical__gte=0, technical__lte=SCORE_MAX), name="score_in_sheet_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}/{self.bid_id}"


class Contract(AreaOwned, TimeStampedModel):
    """The contract of an awarded lot, with its payment formula (以质定酬): a payment is
    base x (kpi_weight% x KPI attainment + evaluation_weight% x evaluation score / 100)."""

    area_code_source = "project"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="contracts")
    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="contract")
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="procurement_contracts")
    number = models.CharField(_("contract number"), max_length=32, unique=True)
    amount = models.DecimalField(_("contract amount (yuan)"), max_digits=14, decimal_places=2)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    kpi_weight = models.PositiveSmallIntegerField(_("weight of KPI attainment in payments (%)"), default=70)
    evaluation_weight = models.PositiveSmallIntegerField(
        _("weight of the evaluation score in payments (%)"), default=30
    )
    facilities = models.ManyToManyField(
        Facility, through="ContractFacility", related_name="procurement_contracts", verbose_name=_("facilities")
    )
    service_items = models.ManyToManyField(ServiceItem, blank=True, related_name="procurement_contracts")
    signed_at = models.DateTimeField(_("signed at"))

    class Meta(AreaOwned.Meta):
        verbose_name = _("contract (合同)")
        verbose_name_plural = _("contracts")
        ordering = ["-starts_on", "-id"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="contract_amount_positive"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="contract_period"),
            models.CheckConstraint(
                condition=models.Q(kpi_weight__lte=100, evaluation_weight__lte=100), name="contract_weights_range"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ContractFacility(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="facility_links")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="procurement_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "facility"], name="contract_facility_once")]

    def __str__(self) -> str:
        return f"{self.contract_id}/{self.facility_id}"


class KpiObservation(models.Model):
    """The value of a target's metric for a contract in one month, computed from delivery data; `evidence`
    holds the counts it was computed from."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="observations")
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="observations")
    month = models.DateField(_("month"))
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=2, null=True)
    attainment = models.DecimalField(_("attainment"), max_digits=5, decimal_places=4)
    evidence = models.JSONField(_("evidence"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["month", "target_id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "target", "month"], name="observation_once"),
            models.CheckConstraint(condition=models.Q(attainment__gte=0, attainment__lte=1), name="attainment_range"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.month} {self.target_id}"


class Rectification(TimeStampedModel):
    """A rectification order (整改通知) to an operator, with a deadline and its answer."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="rectifications")
    issue = models.TextField(_("issue"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=16, choices=RectificationStatus.choices, default="open")
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-due_on", "-id"]

    def __str__(self) -> str:
        return self.issue[:40]


class PaidPaymentChanged(PermissionDenied):
    """A paid payment may not change: corrections are new records."""


class Payment(TimeStampedModel):
    """A milestone payment: amount = base x factor, factor from the contract's formula, KPI attainment
    and evaluation score of its period; `evidence` lists the observations and evaluation it used."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="payments")
    milestone = models.CharField(_("milestone"), max_length=100)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    base = models.DecimalField(_("base amount (yuan)"), max_digits=14, decimal_places=2)
    kpi_attainment = models.DecimalField(_("KPI attainment"), max_digits=5, decimal_places=4)
    evaluation_score = models.DecimalField(_("evaluation score"), max_digits=5, decimal_places=2, null=True)
    factor = models.DecimalField(_("factor"), max_digits=5, decimal_places=4)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    withheld = models.DecimalField(_("withheld (yuan)"), max_digits=14, decimal_places=2)
    withheld_reasons = models.JSONField(_("why withheld"), default=list)
    evidence = models.JSONField(_("evidence"), default=dict)
    status = models.CharField(_("status"), max_length=16, choices=PaymentStatus.choices, default="calculated")
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("corrects")
    )

    class Meta:
        ordering = ["period_start", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")), name="payment_period"),
            models.CheckConstraint(
                condition=models.Q(amount__lte=models.F("base"), withheld__gte=0), name="payment_within_base"
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and Payment.objects.filter(pk=self.pk, status=PaymentStatus.PAID).exists():
            raise PaidPaymentChanged("a paid payment never changes")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.status == PaymentStatus.PAID:
            raise PaidPaymentChanged("a paid payment never changes")
        return super().delete(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.contract_id} {self.milestone}"


class Evaluation(TimeStampedModel):
    """A third-party mid-term or final evaluation of a contract; once signed it never changes."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="evaluations")
    kind = models.CharField(_("kind"), max_length=16, choices=EvaluationKind.choices)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="procurement_evaluations"
    )
    due_on = models.DateField(_("due on"))
    sheet = models.JSONField(_("score sheet"), default=list, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("conclusion"), blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "kind"], name="evaluation_kind_once"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=0, score__lte=100), name="evaluation_range"
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and Evaluation.objects.filter(pk=self.pk, signed_at__isnull=False).exists():
            raise PermissionDenied("a signed evaluation never changes")
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.contract_id} {self.kind}"


class Opinion(AreaOwned):
    """A resident's comment, vote, problem report or rating of a project (area: the resident's home)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="opinions")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="procurement_opinions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=OpinionKind.choices)
    text = models.TextField(_("text"), blank=True)
    rating = models.PositiveSmallIntegerField(_("rating (1-5)"), null=True, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta(AreaOwned.Meta):
        ordering = ["-created_at"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["project", "resident"],
                condition=models.Q(kind__in=["support", "oppose"]),
                name="opinion_vote_once",
            ),
            models.UniqueConstraint(
                fields=["project", "resident"], condition=models.Q(kind="rating"), name="opinion_rating_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="rating") | models.Q(rating__gte=1, rating__lte=5), name="opinion_rating_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind}"
