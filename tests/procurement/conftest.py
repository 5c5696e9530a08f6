"""A purchase of services on the test registry: three operators (one with an account each), an expert
pool of five (one linked to the second operator), a project of the elderly-care domain with a target, and
helpers to run it through the tender to a contract. Time is moved by moving the tender's own dates (the
server clock is the judge)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from linli.core.enums import Role
from linli.facilities.models import Operator
from linli.procurement import services
from linli.procurement.models import Expert, Tender
from tests.conftest import make_user
from tests.facilities.conftest import credit_code, registry  # noqa: F401  (the fixture)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def buy(registry, users):  # noqa: F811
    op_a = registry["operator"]
    op_b = Operator.objects.create(
        name="康乐护理有限公司", kind="company", credit_code=credit_code("91990102MA0000002"), area_code="990102000000"
    )
    op_c = Operator.objects.create(
        name="夕阳红社工服务社", kind="social_org", credit_code=credit_code("52990102MJ0000003"), grade="3A",
        area_code="990102000000",
    )  # fmt: skip
    users["operator"].save()
    acc_a = users["operator"]
    acc_b = make_user("operator_b", Role.OPERATOR)
    acc_c = make_user("operator_c", Role.OPERATOR)
    for user, op in ((acc_a, op_a), (acc_b, op_b), (acc_c, op_c)):
        services.operator_account_link(actor=users["district"], user=user, operator=op)
    experts = [Expert.objects.create(name=f"专家{i}", organization="高校") for i in range(5)]
    experts[0].linked_operators.add(op_b)
    project = services.project_create(
        actor=users["district"], title="东湖社区居家养老服务", year=2026, domain="elderly",
        area_code="990102001000", budget="300000", facility_ids=[registry["facility"].pk],
    )  # fmt: skip
    return {
        **registry,
        "ops": [op_a, op_b, op_c],
        "accounts": [acc_a, acc_b, acc_c],
        "experts": experts,
        "project": project,
        "district": users["district"],
        "users": users,
    }


def to_tender(buy) -> None:
    d, project = buy["district"], buy["project"]
    services.project_advance(actor=d, project=project, to_stage="targets")
    services.target_set(actor=d, project=project, metric="sessions", baseline=0, target=4)
    services.target_set(actor=d, project=project, metric="attendance", baseline=50, target=80)
    services.project_advance(actor=d, project=project, to_stage="tender")


def open_tender(buy, **extra) -> Tender:
    now = timezone.now()
    values = {
        "notice": "东湖社区居家养老服务采购公告",
        "opens_at": now - dt.timedelta(hours=1),
        "closes_at": now + dt.timedelta(days=7),
        "weight_technical": 50,
        "weight_price": 30,
        "weight_credit": 20,
        "lots": [{"title": "东湖邻里中心", "budget": "300000", "facility_ids": [buy["facility"].pk]}],
        **extra,
    }
    return services.tender_create(actor=buy["district"], project=buy["project"], **values)


def close(tender: Tender) -> None:
    """The deadline passes."""
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(
        opens_at=now - dt.timedelta(days=8), closes_at=now - dt.timedelta(seconds=1)
    )
    tender.refresh_from_db()


def awarded_contract(buy):
    """The whole tender: two bids, committee, scores, award, standstill over, contract."""
    to_tender(buy)
    tender = open_tender(buy)
    lot = tender.lots.get()
    services.bid_submit(actor=buy["accounts"][0], lot_id=lot.pk, price="280000", proposal="方案A")
    services.bid_submit(actor=buy["accounts"][2], lot_id=lot.pk, price="250000", proposal="方案C")
    close(tender)
    members = services.committee_draw(actor=buy["district"], tender=tender)
    for m in members:
        for bid, s in zip(lot.bids.order_by("id"), (90, 70), strict=True):
            services.score_submit(actor=buy["district"], member=m, bid=bid, technical=s)
    services.tender_award(actor=buy["district"], tender=tender)
    Tender.objects.filter(pk=tender.pk).update(awarded_at=timezone.now() - dt.timedelta(days=8))
    lot.refresh_from_db()
    contract = services.contract_create(
        actor=buy["district"],
        lot=lot,
        number="HT-2026-001",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    return contract


D = Decimal
