"""Two snapshot runs of the same day at once (the nightly task and a recomputation asked by hand) both
succeed and leave exactly one set of figures: the writers take turns on a row lock, the unique constraint
(date, area, indicator) backs it. Run on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from linli.indicators.models import Snapshot
from linli.indicators.services import snapshot_take
from tests.indicators.conftest import TODAY

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_snapshots_of_one_day(world):
    start = threading.Barrier(4)

    def take(area: str) -> int:
        try:
            start.wait()
            return snapshot_take(day=TODAY, area_code=area)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        written = list(pool.map(take, ["", "", "990102001000", ""]))
    assert all(n > 0 for n in written)
    per_day = Snapshot.objects.filter(date=TODAY)
    assert per_day.count() == written[0]  # one full set, nothing twice
    assert per_day.values("area_code", "code").distinct().count() == per_day.count()
