"""The staff check-in's 6-digit short code (issue 12): one in a million, so guessing is bounded per staff
member like at a kiosk. Every short code is counted before it is checked and given back unless it was
wrong; after `STAFF_MAX_WRONG_SHORT_CODES` wrong ones short codes are refused (429) until the window ends,
even the right one; full codes still work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.bookings import checkin, codes, registrations
from linli.bookings.enums import RegistrationStatus
from linli.core.errors import ApplicationError


@pytest.fixture
def confirmed(make_session, make_resident):
    now = timezone.now()
    session = make_session(
        starts_in=-dt.timedelta(minutes=10), opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(hours=1)
    )
    return registrations.registration_create(actor=make_resident(), session_id=session.pk)


def _wrong(right: str) -> list[str]:
    return [f"{n:06d}" for n in range(1000) if f"{n:06d}" != right]


def test_wrong_short_codes_are_bounded_per_staff_member(client, confirmed, users, centre, token_for):
    right = codes.short_code(confirmed.code_nonce)
    staff = token_for(users["community"])
    answers = [
        client.post(
            "/api/bookings/checkin", {"code": code, "facility": centre.code}, content_type="application/json", **staff
        ).status_code
        for code in _wrong(right)[: checkin.STAFF_MAX_WRONG_SHORT_CODES + 2]
    ]
    assert answers == [400] * checkin.STAFF_MAX_WRONG_SHORT_CODES + [429, 429]
    refused = client.post(
        "/api/bookings/checkin", {"code": right, "facility": centre.code}, content_type="application/json", **staff
    )
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_wrong_codes"
    confirmed.refresh_from_db()
    assert confirmed.status == RegistrationStatus.CONFIRMED
    # another staff member of the same scope is counted on their own
    done = checkin.checkin_record(actor=users["town"], code=right, facility=centre)
    assert done.status == RegistrationStatus.ATTENDED


def test_the_full_code_still_works_when_short_codes_are_paused(confirmed, users, centre):
    right = codes.short_code(confirmed.code_nonce)
    for code in _wrong(right)[: checkin.STAFF_MAX_WRONG_SHORT_CODES]:
        with pytest.raises(ApplicationError):
            checkin.checkin_record(actor=users["community"], code=code, facility=centre)
    with pytest.raises(ApplicationError) as paused:
        checkin.checkin_record(actor=users["community"], code=right, facility=centre)
    assert paused.value.status == 429
    full = codes.full_code(confirmed.code_nonce)
    assert checkin.checkin_record(actor=users["community"], code=full).status == RegistrationStatus.ATTENDED


def test_right_codes_do_not_count(make_session, make_resident, users, centre):
    """A busy desk checks in many people with short codes: only wrong ones count towards the limit."""
    now = timezone.now()
    session = make_session(
        capacity=40,
        starts_in=-dt.timedelta(minutes=10),
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(hours=1),
    )
    people = [
        registrations.registration_create(actor=make_resident(), session_id=session.pk)
        for _ in range(checkin.STAFF_MAX_WRONG_SHORT_CODES + 3)
    ]
    for registration in people:
        code = codes.short_code(registration.code_nonce)
        assert checkin.checkin_record(actor=users["community"], code=code, session=session).status == "attended"


def test_the_count_is_atomic_under_concurrent_tries(monkeypatch):
    """120 concurrent tries (the kiosk's read-then-increment let 49 of 120 through): every try gets its own
    count, so exactly STAFF_MAX_WRONG_SHORT_CODES of them are under the limit."""
    import threading
    from types import SimpleNamespace

    moment = timezone.now()
    monkeypatch.setattr(checkin.timezone, "now", lambda: moment)  # one window for the whole test
    actor = SimpleNamespace(pk=987654)
    counts: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(24)

    def tries() -> None:
        start.wait()
        for _ in range(5):
            _key, count = checkin._staff_attempt_take(actor)
            with lock:
                counts.append(count)

    threads = [threading.Thread(target=tries) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == list(range(1, 121))
    assert sum(1 for count in counts if count <= checkin.STAFF_MAX_WRONG_SHORT_CODES) == 20
