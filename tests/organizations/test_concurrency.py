"""At once, from many threads (each with its own database connection): the same attendance confirmed by
several managers gives one record and one event; residents signing up for the last places never exceed
them; a resident asking to join twice is on the roster once. Run on SQLite and on PostgreSQL
(DATABASE_URL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from linli.core.enums import Role
from linli.core.errors import ApplicationError
from linli.core.events import _LISTENERS, listen
from linli.organizations import services
from linli.organizations.inputs import HoursIn
from linli.organizations.models import Attendance, HoursRecord, Membership, Shift
from tests.conftest import make_user
from tests.organizations.conftest import COMMUNITY, move_to_past

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(n: int, fn) -> list[object]:
    start = threading.Barrier(n)

    def run(i: int) -> object:
        try:
            start.wait()
            return fn(i)
        except ApplicationError as exc:
            return exc.status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_hours_confirmed_once_under_concurrent_confirmations(past_shift, leader, users):
    shift, _ = past_shift
    attendance = services.shift_signup(actor=users["resident"], shift_id=shift.pk)
    move_to_past(shift)
    deputies = [leader, users["community"], users["town"], users["district"]] * 2
    seen: list[str] = []
    lock = threading.Lock()

    def listener(**payload):
        with lock:
            seen.append(payload["key"])

    listen("organizations.hours_confirmed")(listener)
    try:
        results = at_once(
            len(deputies),
            lambda i: (
                services.hours_confirm(
                    actor=deputies[i], attendance_id=attendance.pk, data=HoursIn(hours=Decimal(2))
                ).pk
            ),
        )
    finally:
        _LISTENERS["organizations.hours_confirmed"].remove(listener)
    record = HoursRecord.objects.get()
    assert sorted(results, key=str) == sorted([record.pk] + [409] * (len(deputies) - 1), key=str), results
    assert seen == [f"hours:{record.pk}"]


def test_places_never_exceeded_under_concurrent_signups(past_shift):
    shift, _ = past_shift
    Shift.objects.filter(pk=shift.pk).update(places=5)
    residents = [make_user(f"r{i}", Role.RESIDENT, home=COMMUNITY) for i in range(12)]
    results = at_once(len(residents), lambda i: services.shift_signup(actor=residents[i], shift_id=shift.pk).pk)
    assert results.count(409) == 7, results
    assert Attendance.objects.filter(shift=shift, cancelled=False).count() == 5


def test_one_membership_under_concurrent_join_requests(approved_org, users):
    results = at_once(6, lambda i: services.membership_request(actor=users["resident"], org_id=approved_org.pk).pk)
    assert results.count(409) == 5, results
    assert Membership.objects.filter(organization=approved_org, person=users["resident"]).count() == 1
