"""THE GUARANTEE: many residents registering for the last seats at once, over HTTP against a live server
each with their own token. Exactly `capacity` are confirmed, the waiting list fills in arrival order (the
order of the registrations' ids, given under the session's row lock), the rest are refused as full, and no
request fails with a server error. Run on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from linli.bookings.enums import RegistrationStatus
from linli.bookings.models import Registration, Session
from linli.core.services import api_token_create

pytestmark = pytest.mark.django_db(transaction=True)

RESIDENTS = 64
CAPACITY = 10
WAITLIST = 50


def test_no_overbooking_under_concurrent_registrations(crowded_live_server, make_session, make_resident):
    session = make_session(capacity=CAPACITY, waitlist_capacity=WAITLIST)
    keys = [api_token_create(user=make_resident(), name="test")[1] for _ in range(RESIDENTS)]
    url = f"{crowded_live_server.url}/api/bookings/sessions/{session.pk}/registrations"
    start = threading.Barrier(RESIDENTS)

    def register(key: str) -> tuple[int, dict]:
        with requests.Session() as http:
            start.wait()
            response = http.post(url, json={"persons": 1}, headers={"Authorization": f"Bearer {key}"}, timeout=120)
            return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=RESIDENTS) as pool:
        results = list(pool.map(register, keys))

    codes = sorted(status for status, _body in results)
    assert all(status < 500 for status in codes), results
    assert codes.count(201) == CAPACITY + WAITLIST and codes.count(409) == RESIDENTS - CAPACITY - WAITLIST
    assert {body["code"] for status, body in results if status == 409} == {"full"}
    created = [body for status, body in results if status == 201]
    assert sum(1 for body in created if body["status"] == "confirmed") == CAPACITY
    assert all(body["code"] and body["short_code"] for body in created if body["status"] == "confirmed")

    session.refresh_from_db()
    assert (session.confirmed, session.waitlisted) == (CAPACITY, WAITLIST)
    rows = list(Registration.objects.filter(session=session).order_by("id"))
    assert [r.status for r in rows] == [RegistrationStatus.CONFIRMED] * CAPACITY + [
        RegistrationStatus.WAITLISTED
    ] * WAITLIST
    # arrival order: ids and registration timestamps agree, and the waiting positions follow them
    assert [r.created_at for r in rows] == sorted(r.created_at for r in rows)
    positions = {body["id"]: body["waiting_position"] for body in created if body["status"] == "waitlisted"}
    assert [positions[r.pk] for r in rows[CAPACITY:]] == list(range(1, WAITLIST + 1))
    assert len({r.short_code_hash for r in rows[:CAPACITY]}) == CAPACITY
    assert Session.objects.filter(pk=session.pk, confirmed__lte=CAPACITY).exists()
