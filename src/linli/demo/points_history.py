"""The demo's points (积分): a district default rule and 东湖社区's own, a catalogue in every community and
village (goods, and services delivered by an operator where one runs a facility there), points minted for
the history's attended registrations (the backfill, with the check-ins' own keys), redemptions (some
collected at the counter, some waiting, two cancelled), a few reversals of duplicated earns, expiry of the
points older than the district's validity, and the fraud flags computed for review. The demo resident 陈阿姨
has her paper record carried over by an adjustment and a code waiting at the counter.

Everything goes through the points services. Loaded once: if the district's rule exists, nothing is written.

Entry point: `demo_points_history_load(*, seed: int = 2026) -> dict[str, int]` (the lead wires it into
`demo/services.py` after the history is loaded)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from django.db import transaction

from linli.areas.enums import AreaLevel
from linli.areas.models import Area
from linli.core.models import User
from linli.demo.users import DISTRICT
from linli.facilities.models import Facility
from linli.points import codes, services
from linli.points.enums import AccountKind, RedemptionStatus, TransferKind
from linli.points.flags import flags_compute
from linli.points.inputs import AdjustIn, ItemIn, RuleIn
from linli.points.minting import points_mint_backfill
from linli.points.models import Account, CatalogueItem, Rule, Transfer

SHOWCASE = "990102001001"  # 东湖社区: the demo community staff's own
GOODS = (("大米 5kg", 60, 40), ("食用油 1.8L", 40, 60), ("洗衣液", 25, 80), ("毛巾两条", 10, 150))
SERVICES = (("理发一次", 20, 30, Decimal("15.00")), ("上门保洁 2 小时", 80, 10, Decimal("60.00")))


def demo_points_history_load(*, seed: int = 2026) -> dict[str, int]:
    """Load the demo's points once (see the module); returns how many rows of each kind were written."""
    if Rule.objects.filter(area_code=DISTRICT).exists():
        return {"created": 0}
    staff = User.objects.filter(username="district").first() or User.objects.filter(is_superuser=True).first()
    if staff is None:
        return {"created": 0}
    return _load(staff, np.random.default_rng(seed))


@transaction.atomic
def _load(staff: User, rng: np.random.Generator) -> dict[str, int]:
    services.rule_set(
        actor=staff,
        data=RuleIn(area_code=DISTRICT, per_attendance=5, per_hour=10, daily_cap=50, monthly_cap=300, valid_days=180),
    )
    services.rule_set(
        actor=staff,
        data=RuleIn(area_code=SHOWCASE, per_attendance=10, per_hour=10, daily_cap=60, monthly_cap=400, valid_days=365),
    )
    items = _catalogues(staff)
    minted = points_mint_backfill()
    redeemed, collected, cancelled = _redemptions(staff, rng)
    reversed_ = _reversals(staff, rng)
    resident = _showcase_resident(staff)
    expired = services.points_expire()
    flags = flags_compute()
    return {
        "rules": 2,
        "items": items,
        "earned": minted,
        "redemptions": redeemed,
        "collected": collected,
        "cancelled": cancelled,
        "reversals": reversed_,
        "lots_expired": expired,
        "flags": flags,
        "showcase_resident": resident,
    }


def _catalogues(staff: User) -> int:
    operators = dict(
        Facility.objects.filter(area_code__startswith=DISTRICT[:6], operator__isnull=False)
        .order_by("code")
        .values_list("area_code", "operator_id")
    )
    made = 0
    communities = Area.objects.filter(code__startswith=DISTRICT[:6], level=AreaLevel.VILLAGE).order_by("code")
    for code in communities.values_list("code", flat=True):
        for name, cost, stock in GOODS:
            services.item_create(
                actor=staff, data=ItemIn(area_code=code, name=name, kind="goods", cost=cost, stock=stock)
            )
            made += 1
        operator = operators.get(code)
        for name, cost, stock, price in SERVICES:
            services.item_create(
                actor=staff,
                data=ItemIn(
                    area_code=code,
                    name=name,
                    kind="service",
                    cost=cost,
                    stock=stock,
                    operator_id=operator,
                    price_yuan=price if operator else None,
                ),
            )
            made += 1
    return made


def _redemptions(staff: User, rng: np.random.Generator) -> tuple[int, int, int]:
    redeemed = collected = cancelled = 0
    items: dict[str, list[CatalogueItem]] = {}
    for item in CatalogueItem.objects.order_by("cost", "id"):
        items.setdefault(item.area_code, []).append(item)
    accounts = list(
        Account.objects.filter(kind=AccountKind.RESIDENT, balance__gt=0).select_related("user").order_by("pk")
    )
    for account in accounts:
        if rng.random() > 0.4 or account.user is None:
            continue
        for _ in range(int(rng.integers(1, 3))):
            affordable = [i for i in items.get(account.area_code, []) if i.cost <= account.balance and i.stock > 0]
            if not affordable:
                break
            item = affordable[int(rng.integers(len(affordable)))]
            redemption, code = services.redemption_create(resident=account.user, item_id=item.pk)
            account.refresh_from_db()
            item.refresh_from_db()
            redeemed += 1
            roll = rng.random()
            if roll < 0.65:
                services.redemption_collect(actor=staff, code=code)
                collected += 1
            elif roll < 0.7 and cancelled < 2:
                services.redemption_cancel(actor=staff, redemption_id=redemption.pk, memo="居民改换其他物品")
                cancelled += 1
    return redeemed, collected, cancelled


def _reversals(staff: User, rng: np.random.Generator) -> int:
    earns = list(Transfer.objects.filter(kind=TransferKind.EARN).select_related("credit").order_by("pk")[:2000])
    rng.shuffle(earns)
    done = 0
    for earn in earns:
        if done == 3:
            break
        if earn.credit.balance >= earn.amount and services.reverse_problem(earn, earn.credit.balance) is None:
            services.transfer_reverse(actor=staff, transfer_id=earn.pk, memo="重复签到，冲正")
            done += 1
    return done


def _showcase_resident(staff: User) -> int:
    """陈阿姨 (the demo resident): her paper record carried over, and a code waiting at the counter."""
    resident = User.objects.filter(username="resident").first()
    if resident is None:
        return 0
    services.points_adjust(
        actor=staff, data=AdjustIn(resident_id=resident.pk, area_code=SHOWCASE, amount=120, memo="纸质积分台账补录")
    )
    item = CatalogueItem.objects.filter(area_code=SHOWCASE, name="食用油 1.8L").first()
    if item is not None and item.stock > 0:
        redemption, _code = services.redemption_create(resident=resident, item_id=item.pk)
        assert redemption.status == RedemptionStatus.ISSUED and codes.code_for(redemption.code_nonce)
    return 1
