"""THE GUARANTEE of the tender: one bid per operator and lot, no bid after the deadline, none by a
suspended operator, even when they arrive together. Threads call the service at once; run on SQLite and on
PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from linli.core.enums import Role
from linli.core.errors import ApplicationError
from linli.facilities.models import Operator
from linli.procurement import services
from linli.procurement.models import Bid, Tender
from tests.conftest import make_user
from tests.facilities.conftest import credit_code
from tests.procurement.conftest import open_tender, to_tender

pytestmark = pytest.mark.django_db(transaction=True)


def _run(n: int, fn) -> list[str]:
    start = threading.Barrier(n)

    def one(i: int) -> str:
        try:
            start.wait()
            fn(i)
            return "ok"
        except ApplicationError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def test_one_bid_per_operator_and_lot_under_concurrency(buy):
    to_tender(buy)
    lot = open_tender(buy).lots.get()
    account = buy["accounts"][0]
    results = _run(12, lambda i: services.bid_submit(actor=account, lot_id=lot.pk, price=200000 + i, proposal="p"))
    assert results.count("ok") == 1 and set(results) == {"ok", "conflict"}
    assert Bid.objects.filter(lot=lot).count() == 1


def test_no_bid_after_the_deadline_nor_by_a_suspended_operator(buy):
    to_tender(buy)
    tender = open_tender(buy)
    lot = tender.lots.get()
    accounts = []
    for i in range(16):
        op = Operator.objects.create(
            name=f"运营方{i}",
            kind="social_org",
            credit_code=credit_code(f"5299010200000{i:04d}"),
            area_code="990102000000",
        )
        user = make_user(f"op{i}", Role.OPERATOR)
        services.operator_account_link(actor=buy["district"], user=user, operator=op)
        accounts.append(user)
    services.operator_sanction(
        actor=buy["district"], operator=accounts[1].operator_account.operator, kind="exclusion",
        starts_on=timezone.localdate(), ends_on=None, reason="清退",
    )  # fmt: skip
    deadline = timezone.now() + dt.timedelta(milliseconds=400)
    Tender.objects.filter(pk=tender.pk).update(closes_at=deadline)

    def bid(i: int) -> None:
        # half arrive just before the deadline, half just after it
        pause = (deadline - timezone.now()).total_seconds() + (-0.15 if i % 2 else 0.15)
        if pause > 0:
            time.sleep(pause)
        services.bid_submit(actor=accounts[i], lot_id=lot.pk, price=250000, proposal="p")

    results = _run(16, bid)
    assert results[1] in ("ineligible", "late")  # excluded (or, on a slow machine, late as well)
    assert set(results[:1] + results[2:]) <= {"ok", "late"}
    assert results.count("late") >= 1
    bids = list(Bid.objects.filter(lot=lot))
    assert len(bids) == results.count("ok")
    assert all(b.submitted_at < deadline for b in bids)
    assert not any(b.operator_id == accounts[1].operator_account.operator_id for b in bids)
