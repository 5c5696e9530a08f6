"""Activities at the test centre F990102001001-01 (community 990102001001): sessions made directly (any
time, past or future) and through the publishing service; residents with ID numbers."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone
from stdnum.cn import ric

from linli.bookings.models import Activity, Session
from linli.core.enums import Role
from tests.conftest import make_user
from tests.facilities.conftest import registry  # noqa: F401  (the fixture)

_serial = itertools.count(1)


@pytest.fixture
def centre(registry):  # noqa: F811
    return registry["facility"]


@pytest.fixture
def make_session(centre):
    """A session starting in `starts_in` (default 3 days), registration open now."""

    def make(
        *,
        capacity: int = 10,
        waitlist_capacity: int = 5,
        starts_in: dt.timedelta = dt.timedelta(days=3),
        hours: int = 2,
        **extra,
    ) -> Session:
        activity = Activity.objects.create(
            facility=centre, area_code=centre.area_code, title=extra.pop("title", "太极拳"), domain="sports"
        )
        starts = timezone.now() + starts_in
        return Session.objects.create(
            activity=activity,
            area_code=centre.area_code,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=hours),
            capacity=capacity,
            waitlist_capacity=waitlist_capacity,
            opens_at=extra.pop("opens_at", starts - dt.timedelta(days=14)),
            closes_at=extra.pop("closes_at", starts),
            **extra,
        )

    return make


@pytest.fixture
def make_resident(db):
    """A resident of community 990102001001 born on `born` (YYYYMMDD; "" for no ID number)."""

    def make(born: str = "19800101", name: str | None = None):
        n = next(_serial)
        body = f"990102{born}{n % 1000:03d}"
        id_number = body + ric.calc_check_digit(body + "0") if born else ""
        return make_user(name or f"r{n:04d}", Role.RESIDENT, home="990102001001", id_number=id_number)

    return make


@pytest.fixture(scope="module")
def crowded_live_server():
    """pytest-django's live server with a listen backlog for a crowd. Django's test server listens with a
    backlog of 10 connections; 60 residents connecting in the same instant overflow it and the kernel
    resets some connections before Django ever sees them (a limit of the test harness, not of linli: the
    production server (granian, `linli serve`) listens with a backlog of 2048)."""
    from django.core.servers.basehttp import ThreadedWSGIServer
    from pytest_django.live_server_helper import LiveServer

    class CrowdServer(ThreadedWSGIServer):
        request_queue_size = 256

    server = LiveServer("localhost:0", start=False)
    server.thread.server_class = CrowdServer
    server.start()
    yield server
    server.stop()
