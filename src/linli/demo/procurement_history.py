"""Two to three years of purchase of services in the demo district, loaded through the procurement
services: a guidance catalogue per year, operators qualified (each with an operator account), an expert
pool, and at least 36 projects - each of the six domains at each of the six steps - with tenders (one
failed), contracts over the facilities whose activities the demo history already holds, monthly KPIs
computed from that history, payments by performance (some withheld), rectification orders, third-party
evaluations, residents' votes, and one operator suspended.

Entry point: `demo_procurement_load(*, seed=2026, now=None) -> dict[str, int]`, called after the demo
district and its history are loaded (`linli.demo.services.demo_load`). Idempotent: a second call finds the
catalogue and loads nothing twice.

The services enforce the server clock (bids only inside the window, committee after the deadline, contract
after the standstill): the demo runs each tender in a window open now, then moves its dates back into the
past (the one thing done outside the services, so the history reads as it would have happened)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from linli.bookings.models import Activity
from linli.catalog.enums import Domain
from linli.catalog.models import ServiceItem
from linli.core.enums import Role
from linli.core.models import User
from linli.facilities.models import Facility, Operator
from linli.facilities.validators import credit_code_check_char
from linli.procurement import services
from linli.procurement.enums import STAGE_ORDER, Stage
from linli.procurement.models import Bid, Expert, GuidanceItem, OperatorAccount, Project, Tender

DISTRICT = "990102000000"
MARKER = "LL-DEMO"
TARGETS: dict[str, list[tuple[str, float, float]]] = {
    Domain.ELDERLY: [("sessions", 0, 8), ("attendance", 60, 85), ("on_time", 80, 95)],
    Domain.CULTURE: [("sessions", 0, 10), ("checkins", 0, 120), ("attendance", 60, 80)],
    Domain.SPORTS: [("sessions", 0, 12), ("attendance", 55, 80)],
    Domain.HEALTH: [("sessions", 0, 6), ("on_time", 80, 95), ("satisfaction", 3.5, 4.5)],
    Domain.EDUCATION: [("sessions", 0, 8), ("checkins", 0, 80)],
    Domain.GOVERNMENT: [("on_time", 85, 98), ("satisfaction", 3.5, 4.5)],
}
TITLES = {
    Domain.ELDERLY: "居家和社区养老服务",
    Domain.CULTURE: "邻里中心文化活动运营",
    Domain.SPORTS: "社区体育公园健身指导",
    Domain.HEALTH: "家庭医生签约与健康讲座",
    Domain.EDUCATION: "四点半课堂与托育服务",
    Domain.GOVERNMENT: "便民服务代办",
}


def demo_procurement_load(*, seed: int = 2026, now: dt.datetime | None = None) -> dict[str, int]:
    """Load the purchase history once (see the module); returns how many of each were created."""
    if GuidanceItem.objects.filter(code__startswith=MARKER).exists():
        return {"created": 0}
    district = User.objects.filter(username="district").first()
    if district is None or not Facility.objects.filter(area_code__startswith=DISTRICT[:6]).exists():
        return {"created": 0, "missing_demo": 1}
    return _load(district, random.Random(seed), now or timezone.now())


def _credit(n: int) -> str:
    body = f"52990102MJ{n:07d}"
    return body + credit_code_check_char(body)


@transaction.atomic
def _load(district: User, rng: random.Random, now: dt.datetime) -> dict[str, int]:
    out: dict[str, int] = {}
    today = timezone.localdate(now)
    year = now.year
    guidance = {}
    for y in (year - 2, year - 1, year):
        for i, domain in enumerate(Domain.values):
            items = list(ServiceItem.objects.filter(domain=domain).values_list("code", flat=True)[:3])
            guidance[(y, domain)] = services.guidance_item_create(
                actor=district, year=y, code=f"{MARKER}-{y}-{i + 1:02d}", name=TITLES[Domain(domain)], domain=domain,
                service_item_codes=items, price_min=Decimal("50000"), price_max=Decimal("800000"), price_unit="元/年",
                eligible_kinds=["social_org", "company", "public_institution"],
            )  # fmt: skip
    out["guidance_items"] = len(guidance)
    operators = _operators(district)
    out["operators"] = len(operators)
    accounts = {op.pk: _account(op, n) for n, op in enumerate(operators)}
    for i in range(8):
        expert = Expert.objects.create(
            name=f"评审专家{i + 1:02d}", organization=("高校", "医院", "律所", "会计师事务所")[i % 4]
        )
        if i == 0:
            expert.linked_operators.add(operators[0])
    # facilities by domain, those with the most activities of the domain first
    by_domain: dict[str, list[int]] = {}
    for row in (
        Activity.objects.filter(area_code__startswith=DISTRICT[:6])
        .values("domain", "facility_id")
        .annotate(n=Count("id"))
        .order_by("domain", "-n", "facility_id")
    ):
        by_domain.setdefault(row["domain"], []).append(row["facility_id"])
    evaluator = User.objects.filter(role=Role.EVALUATOR).order_by("pk").first()
    residents = list(User.objects.filter(role=Role.RESIDENT, home_area_code__startswith=DISTRICT[:6])[:40])
    counts = {"projects": 0, "contracts": 0, "failed_tenders": 0, "payments": 0, "rectifications": 0}
    contracts = []
    for d_index, domain in enumerate(Domain.values):
        pool = by_domain.get(domain) or list(
            Facility.objects.filter(area_code__startswith=DISTRICT[:6]).values_list("pk", flat=True)[:12]
        )
        for s_index, stage in enumerate(STAGE_ORDER):
            facility = Facility.objects.get(pk=pool[(s_index) % len(pool)])
            started = (now - dt.timedelta(days=330 - 20 * s_index)).date()
            project_year = year if stage in (Stage.NEEDS, Stage.TARGETS, Stage.TENDER) else started.year
            project = services.project_create(
                actor=district, title=f"{facility.name}{TITLES[Domain(domain)]}", year=project_year, domain=domain,
                area_code=facility.area_code[:9] + "000", budget=Decimal(120000 + 20000 * s_index + 5000 * d_index),
                guidance_id=guidance[(project_year, domain)].pk, facility_ids=[facility.pk],
                description=f"依据需求摸排结果，为{facility.name}购买{TITLES[Domain(domain)]}。",
            )  # fmt: skip
            counts["projects"] += 1
            _votes(project, residents, rng)
            if stage == Stage.NEEDS:
                continue
            services.project_advance(actor=district, project=project, to_stage=Stage.TARGETS, note="需求摸排完成")
            for metric, base, goal in TARGETS[Domain(domain)]:
                services.target_set(actor=district, project=project, metric=metric, baseline=base, target=goal)
            if stage == Stage.TARGETS:
                continue
            services.project_advance(actor=district, project=project, to_stage=Stage.TENDER, note="绩效目标确立")
            bidders = rng.sample(operators[1:], 3)
            if stage == Stage.TENDER:
                if d_index == 0:  # a failed tender (no bid), then a new one open now
                    failed = _tender(district, project, now - dt.timedelta(days=40), [])
                    _backdate(failed, now - dt.timedelta(days=40))
                    services.tender_fail(actor=district, tender=failed, reason="投标人不足三家，流标")
                    counts["failed_tenders"] += 1
                _tender(district, project, now, [accounts[op.pk] for op in bidders[:2]], rng=rng)
                continue
            tender = _tender(district, project, now, [accounts[op.pk] for op in bidders], rng=rng)
            window = dt.datetime.combine(started, dt.time(9), tzinfo=now.tzinfo) - dt.timedelta(days=30)
            _backdate(tender, window)
            for member in services.committee_draw(actor=district, tender=tender, rng=rng):
                for bid in Bid.objects.filter(lot__tender=tender):
                    services.score_submit(actor=district, member=member, bid=bid, technical=rng.randint(68, 95))
            services.tender_award(actor=district, tender=tender)
            Tender.objects.filter(pk=tender.pk).update(awarded_at=window + dt.timedelta(days=12))
            lot = tender.lots.get()
            contract = services.contract_create(
                actor=district, lot=lot, number=f"LL-HT-{project_year}-{project.pk:03d}", starts_on=started,
                ends_on=started + dt.timedelta(days=364),
            )  # fmt: skip
            counts["contracts"] += 1
            contracts.append((contract, stage))
            services.project_advance(
                actor=district, project=project, to_stage=Stage.DELIVERY, note="合同签订，组织实施"
            )
    # KPIs of every month since the first contract, computed from the demo's own history
    first = min(c.starts_on for c, _s in contracts) if contracts else today
    month = first.replace(day=1)
    observations = 0
    while month <= today:
        observations += services.kpi_compute(month=month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    out["kpi_observations"] = observations
    for contract, stage in contracts:
        counts["payments"] += _payments(district, contract, now)
        low = contract.observations.filter(attainment__lt=Decimal("0.6")).exists()
        if low:
            order = services.rectification_issue(
                actor=district, contract=contract, issue="服务场次未达合同约定，请于期限内整改并说明原因",
                due_on=today + dt.timedelta(days=rng.choice([-0, 7, 14])),
            )  # fmt: skip
            counts["rectifications"] += 1
            if rng.random() < 0.5:
                services.rectification_answer(
                    actor=accounts[contract.operator_id], order=order, answer="已增开周末场次，并补充志愿者"
                )
        if evaluator is not None and STAGE_ORDER.index(stage) >= STAGE_ORDER.index(Stage.EVALUATION):
            project = contract.project
            services.project_advance(actor=district, project=project, to_stage=Stage.EVALUATION, note="中期评估")
            mid = services.evaluation_assign(
                actor=district, contract=contract, kind="midterm", evaluator=evaluator,
                due_on=contract.starts_on + dt.timedelta(days=180),
            )  # fmt: skip
            services.evaluation_sign(
                actor=evaluator, evaluation=mid, scores=_sheet(rng), comment="服务基本达标，台账较完整"
            )
            final = services.evaluation_assign(
                actor=district, contract=contract, kind="final", evaluator=evaluator, due_on=contract.ends_on
            )
            if stage == Stage.TRACKING:
                services.evaluation_sign(
                    actor=evaluator, evaluation=final, scores=_sheet(rng), comment="末期评估：居民满意度较高"
                )
                services.project_advance(actor=district, project=project, to_stage=Stage.TRACKING, note="服务跟踪")
        elif evaluator is not None:
            services.evaluation_assign(
                actor=district, contract=contract, kind="midterm", evaluator=evaluator,
                due_on=max(today + dt.timedelta(days=20), contract.starts_on + dt.timedelta(days=180)),
            )  # fmt: skip
    suspended = operators[-1]
    services.operator_sanction(
        actor=district, operator=suspended, kind="suspension", starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=170), reason="虚报服务人次，经核查属实，暂停投标资格六个月",
    )  # fmt: skip
    for op in operators:
        services.credit_compute(operator=op, today=today)
    return out | counts | {"suspended": 1}


def _operators(district: User) -> list[Operator]:
    """The demo's operators with a credit code, qualified; new ones made when fewer than six."""
    operators = list(
        Operator.objects.filter(
            credit_code__isnull=False, kind__in=["social_org", "company", "public_institution"]
        ).order_by("pk")[:6]
    )
    n = 0
    kinds = ["social_org", "company", "social_org", "public_institution", "company", "social_org"]
    names = [
        "邻安养老服务中心",
        "康乐健康管理有限公司",
        "阳光社工服务社",
        "区文化馆",
        "动能体育发展有限公司",
        "童心托育服务中心",
    ]
    while len(operators) < 6:
        n += 1
        code = _credit(n)
        if Operator.objects.filter(credit_code=code).exists():
            continue
        name = names[len(operators)]
        operators.append(
            Operator.objects.create(
                name=name, kind=kinds[len(operators)], credit_code=code, area_code=DISTRICT, grade="4A"
            )
        )
    for op in operators:
        services.operator_qualify(
            actor=district, operator=op, qualification="民政部门登记，具备相应服务资质",
            licences=[{"name": "民办非企业单位登记证书", "number": op.credit_code or ""}],
        )  # fmt: skip
    return operators


def _account(operator: Operator, n: int) -> User:
    """The operator's account: the demo user `operator` for the first operator, `operator2`… for the rest."""
    username = "operator" if n == 0 else f"operator{n + 1}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username, password=None, role=Role.OPERATOR, display_name=operator.name
        )
    OperatorAccount.objects.update_or_create(user=user, defaults={"operator": operator})
    return user


def _tender(
    district: User, project: Project, now: dt.datetime, bidders: list[User], rng: random.Random | None = None
) -> Tender:
    facility_ids = list(project.facilities.values_list("pk", flat=True))
    tender = services.tender_create(
        actor=district, project=project, notice=f"{project.title}公开招标公告：欢迎符合条件的运营主体投标。",
        opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=10), weight_technical=50,
        weight_price=30, weight_credit=20,
        lots=[{"title": project.title, "budget": project.budget, "facility_ids": facility_ids}],
    )  # fmt: skip
    lot = tender.lots.get()
    for user in bidders:
        share = Decimal(rng.randint(82, 99) if rng else 95) / 100
        services.bid_submit(
            actor=user,
            lot_id=lot.pk,
            price=(project.budget * share).quantize(Decimal("1")),
            proposal="服务方案、人员配置与质量保障措施",
        )
    return tender


def _backdate(tender: Tender, opens: dt.datetime) -> None:
    closes = opens + dt.timedelta(days=10)
    Tender.objects.filter(pk=tender.pk).update(opens_at=opens, closes_at=closes)
    Bid.objects.filter(lot__tender=tender).update(submitted_at=closes - dt.timedelta(days=2))
    tender.refresh_from_db()


def _payments(district: User, contract: Any, now: dt.datetime) -> int:
    """A payment for each full quarter with observations: base = a quarter of the amount; older ones paid."""
    made = 0
    start = contract.starts_on
    for q in range(4):
        q_start = start + dt.timedelta(days=91 * q)
        q_end = q_start + dt.timedelta(days=90)
        if q_end >= timezone.localdate(now):
            break
        payment = services.payment_calculate(
            actor=district, contract=contract, milestone=f"第{q + 1}季度", period_start=q_start, period_end=q_end,
            base=(contract.amount / 4).quantize(Decimal("0.01")),
        )  # fmt: skip
        made += 1
        if q_end < timezone.localdate(now) - dt.timedelta(days=60):
            services.payment_pay(actor=district, payment=payment)
    return made


def _sheet(rng: random.Random) -> dict[str, int]:
    return {
        "delivery": rng.randint(28, 40),
        "quality": rng.randint(20, 30),
        "satisfaction": rng.randint(13, 20),
        "management": rng.randint(6, 10),
    }


def _votes(project: Project, residents: list[User], rng: random.Random) -> None:
    prefix = services.area_prefix(project.area_code)
    local = [r for r in residents if (r.home_area_code or "").startswith(prefix)][:6]
    for r in local:
        services.opinion_add(actor=r, project=project, kind="support" if rng.random() < 0.8 else "oppose")
