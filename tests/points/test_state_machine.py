"""A hypothesis state machine drives earn, redeem, expire, reverse (and cancel, collect) in random order and
checks after every step that the ledger's invariants hold (`ledger_breaches`: sum zero, every balance equal
to its movements and to its lots, none below zero, no event twice, no reversal of a reversal) and that
every balance and lot equals an independent model of first-in first-out spending and expiry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from linli.core.enums import Role
from linli.core.errors import ApplicationError
from linli.core.models import User
from linli.points import services
from linli.points.enums import RedemptionStatus, TransferKind
from linli.points.inputs import RuleIn
from linli.points.models import Account, CatalogueItem, Lot, Redemption, Transfer
from linli.points.verify import ledger_breaches
from tests.points.conftest import COMMUNITY, hours_confirmed

VALID_DAYS = 30
COSTS = (7, 25)


class Ledger(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.staff = User.objects.get(username="community")
        services.rule_set(
            actor=User.objects.get(username="district"),
            data=RuleIn(area_code=COMMUNITY, per_hour=1, valid_days=VALID_DAYS),
        )
        self.residents = [User.objects.create_user(username=f"sm{i}", role=Role.RESIDENT) for i in range(2)]
        self.items = [
            CatalogueItem.objects.create(area_code=COMMUNITY, name=f"item{c}", cost=c, stock=3) for c in COSTS
        ]
        self.stock = [3, 3]
        self.now = timezone.now()
        # the model: per resident, lots as [expires_at, transfer id, remaining]
        self.lots: dict[int, list[list]] = {r.pk: [] for r in self.residents}
        self.events = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # the model's first-in first-out
    def _take(self, resident_id: int, amount: int, first: int | None = None) -> None:
        lots = sorted(self.lots[resident_id], key=lambda lot: (lot[1] != first, lot[0], lot[1]))
        for lot in lots:
            take = min(lot[2], amount)
            lot[2] -= take
            amount -= take
        assert amount == 0

    def _balance(self, resident_id: int) -> int:
        return sum(lot[2] for lot in self.lots[resident_id])

    @rule(who=st.integers(0, 1), points=st.integers(1, 40), days_ago=st.integers(0, 50))
    def earn(self, who: int, points: int, days_ago: int) -> None:
        self.events += 1
        at = self.now - dt.timedelta(days=days_ago)
        hours_confirmed(self.residents[who], str(points), at=at, record_id=self.events)
        t = Transfer.objects.get(key=f"hours:{self.events}")
        self.lots[self.residents[who].pk].append([at + dt.timedelta(days=VALID_DAYS), t.pk, points])

    @rule(who=st.integers(0, 1), which=st.integers(0, 1))
    def redeem(self, who: int, which: int) -> None:
        resident = self.residents[who]
        cost = COSTS[which]
        try:
            services.redemption_create(resident=resident, item_id=self.items[which].pk)
        except ApplicationError as err:
            expected = "not_enough_points" if self._balance(resident.pk) < cost else "out_of_stock"
            assert err.code == expected
            assert expected == "out_of_stock" or self._balance(resident.pk) < cost
            return
        assert self._balance(resident.pk) >= cost and self.stock[which] > 0
        self.stock[which] -= 1
        self._take(resident.pk, cost)

    @rule(days=st.integers(0, 40))
    def expire(self, days: int) -> None:
        at = self.now + dt.timedelta(days=days)
        services.points_expire(now=at)
        for lots in self.lots.values():
            for lot in lots:
                if lot[0] <= at:
                    lot[2] = 0

    @rule(pick=st.integers(0, 1000))
    def reverse(self, pick: int) -> None:
        transfers = list(Transfer.objects.order_by("pk"))
        if not transfers:
            return
        t = transfers[pick % len(transfers)]
        credited = t.credit.user_id is not None
        resident_id = t.credit.user_id if credited else t.debit.user_id
        redemption = Redemption.objects.filter(transfer=t).first()
        try:
            services.transfer_reverse(actor=self.staff, transfer_id=t.pk, memo="test")
        except ApplicationError as err:
            if t.kind == TransferKind.REVERSE:
                assert err.code == "reversal_of_reversal"
            elif Transfer.objects.filter(reverses=t).exists():
                assert err.code == "already_reversed"
            elif redemption is not None and redemption.status == RedemptionStatus.COLLECTED:
                assert err.code == "collected"
            else:
                assert err.code == "not_enough_points" and self._balance(resident_id) < t.amount
            return
        assert t.kind != TransferKind.REVERSE
        if credited:
            self._take(resident_id, t.amount, first=t.pk)
        else:
            reversal = Transfer.objects.get(reverses=t)
            self.lots[resident_id].append([reversal.occurred_at + dt.timedelta(days=VALID_DAYS), reversal.pk, t.amount])
        if redemption is not None:
            self.stock[self.items.index(redemption.item)] += 1

    @rule(pick=st.integers(0, 1000))
    def collect(self, pick: int) -> None:
        from linli.points import codes

        waiting = list(Redemption.objects.filter(status=RedemptionStatus.ISSUED).order_by("pk"))
        if waiting:
            r = waiting[pick % len(waiting)]
            services.redemption_collect(actor=self.staff, code=codes.code_for(r.code_nonce))

    @invariant()
    def ledger_is_sound(self) -> None:
        assert ledger_breaches() == []
        for resident in self.residents:
            account = Account.objects.filter(user=resident).first()
            assert (account.balance if account else 0) == self._balance(resident.pk)
            db_lots = sorted(Lot.objects.filter(account=account).values_list("transfer_id", "remaining"))
            assert db_lots == sorted((lot[1], lot[2]) for lot in self.lots[resident.pk])
        for item, stock in zip(self.items, self.stock, strict=True):
            item.refresh_from_db()
            assert item.stock == stock >= 0


@pytest.mark.django_db
def test_ledger_state_machine(area_tree, users):
    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
