"""THE GUARANTEE: 120 redemptions at once over HTTP (a live server, one thread per request, each resident
with their own token) at accounts holding less than they ask for and at an item whose stock runs out at
the same time. Nothing is overspent: no balance below zero, no stock below zero, every refusal a clear 409
(not enough points, out of stock), never a server error, and the ledger's invariants hold. Run on SQLite
and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from linli.core.services import api_token_create
from linli.points.enums import RedemptionStatus
from linli.points.models import Account, CatalogueItem, Redemption
from linli.points.verify import ledger_breaches
from tests.points.conftest import COMMUNITY

pytestmark = pytest.mark.django_db(transaction=True)

RESIDENTS = 8
PER_RESIDENT = 15  # 120 requests
POINTS_EACH = 100  # enough for 10 redemptions of 10 points
SCARCE_STOCK = 25


def test_no_overspend_under_concurrent_redemptions(pooled_live_server, rule, make_resident, earn):
    scarce = CatalogueItem.objects.create(area_code=COMMUNITY, name="食用油", cost=10, stock=SCARCE_STOCK)
    plenty = CatalogueItem.objects.create(area_code=COMMUNITY, name="洗衣液", cost=10, stock=10_000)
    residents = [make_resident() for _ in range(RESIDENTS)]
    for person in residents:
        earn(person, POINTS_EACH)
    keys = {p.pk: api_token_create(user=p, name="test")[1] for p in residents}
    jobs = [(p.pk, (scarce if i % 2 else plenty).pk) for p in residents for i in range(PER_RESIDENT)]
    start = threading.Barrier(len(jobs))

    def redeem(job: tuple[int, int]) -> tuple[int, int, int, dict]:
        resident_id, item_id = job
        with requests.Session() as http:
            start.wait()
            response = http.post(
                f"{pooled_live_server.url}/api/points/catalogue/{item_id}/redeem",
                json={},
                headers={"Authorization": f"Bearer {keys[resident_id]}"},
                timeout=120,
            )
            return resident_id, item_id, response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(redeem, jobs))

    assert len(results) >= 100
    statuses = Counter(status for _r, _i, status, _b in results)
    assert set(statuses) <= {201, 409}, results
    refusals = Counter(body["code"] for _r, _i, status, body in results if status == 409)
    assert set(refusals) <= {"not_enough_points", "out_of_stock"}
    assert refusals["not_enough_points"] > 0  # the accounts held less than asked for
    granted = Counter((r, i) for r, i, status, _b in results if status == 201)

    scarce.refresh_from_db()
    plenty.refresh_from_db()
    scarce_granted = sum(n for (_r, i), n in granted.items() if i == scarce.pk)
    assert scarce.stock == SCARCE_STOCK - scarce_granted >= 0
    if refusals["out_of_stock"]:
        assert scarce.stock == 0
    for person in residents:
        account = Account.objects.get(user=person, area_code=COMMUNITY)
        spent = 10 * sum(n for (r, _i), n in granted.items() if r == person.pk)
        assert account.balance == POINTS_EACH - spent >= 0
        asked_too_much = any(
            r == person.pk and s == 409 and b["code"] == "not_enough_points" for r, _i, s, b in results
        )
        if asked_too_much:
            assert account.balance == 0
    assert Redemption.objects.filter(status=RedemptionStatus.ISSUED).count() == sum(granted.values())
    assert ledger_breaches() == []
