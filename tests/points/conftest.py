"""Points fixtures: the area tree and users of the shared conftest, a rule for community 990102001001,
an earn helper that goes through the real listener (the event a check-in or confirmed hours emits)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.core.enums import Role
from linli.core.events import emit
from linli.points.inputs import RuleIn
from linli.points.models import CatalogueItem, Rule
from linli.points.services import rule_set
from tests.bookings.conftest import centre, crowded_live_server, make_session  # noqa: F401  (fixtures)
from tests.conftest import make_user
from tests.facilities.conftest import registry  # noqa: F401  (the fixture)

COMMUNITY = "990102001001"
OTHER_COMMUNITY = "990102002001"
_serial = itertools.count(1)


@pytest.fixture
def rule(area_tree, users) -> Rule:
    return rule_set(
        actor=users["district"],
        data=RuleIn(area_code=COMMUNITY, per_attendance=10, per_hour=5, daily_cap=None, monthly_cap=None),
    )


def hours_confirmed(
    resident,
    hours: str | Decimal,
    *,
    area_code: str = COMMUNITY,
    at: dt.datetime | None = None,
    record_id: int | None = None,
    **extra,
) -> None:
    record_id = record_id or next(_serial)
    emit(
        "organizations.hours_confirmed",
        key=f"hours:{record_id}",
        record_id=record_id,
        organization_id=1,
        resident_id=resident.pk,
        area_code=area_code,
        occurred_at=at or timezone.now(),
        hours=Decimal(hours),
        kind=extra.pop("kind", "volunteer"),
        **extra,
    )


@pytest.fixture
def earn():
    """Give `resident` `points` (per_hour 5: hours = points / 5) through the hours event."""

    def give(resident, points: int, **kw) -> None:
        hours_confirmed(resident, Decimal(points) / 5, **kw)

    return give


@pytest.fixture
def item(rule) -> CatalogueItem:
    return CatalogueItem.objects.create(area_code=COMMUNITY, name="大米 5kg", cost=30, stock=10)


@pytest.fixture
def make_resident(db):
    def make(home: str = COMMUNITY):
        return make_user(f"p{next(_serial):05d}", Role.RESIDENT, home=home)

    return make


@pytest.fixture(scope="module")
def pooled_live_server():
    """A live server that answers with a bounded pool of worker threads (like the production server's
    workers) and a listen backlog for a crowd: 120 requests are all in flight at once, at most `WORKERS`
    are in Django at once, so PostgreSQL (100 connections, shared) is not asked for one connection each."""
    from concurrent.futures import ThreadPoolExecutor

    from django.core.servers.basehttp import ThreadedWSGIServer
    from pytest_django.live_server_helper import LiveServer

    pool = ThreadPoolExecutor(max_workers=WORKERS)

    class PooledServer(ThreadedWSGIServer):
        request_queue_size = 512

        def process_request(self, request, client_address):  # type: ignore[no-untyped-def]
            pool.submit(self.process_request_thread, request, client_address)

    server = LiveServer("localhost:0", start=False)
    server.thread.server_class = PooledServer
    server.start()
    yield server
    server.stop()
    pool.shutdown(wait=False, cancel_futures=True)


WORKERS = 24
