"""Check-in codes: stored only as hashes, shown again to the resident, one use each; the staff page and
the kiosk; no-shows after the session."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from linli.bookings import checkin, codes, registrations, selectors
from linli.bookings.enums import RegistrationStatus
from linli.core.errors import ApplicationError
from tests.conftest import login

S = RegistrationStatus


@pytest.fixture
def today_session(make_session):
    """A session that started 10 minutes ago (registration was open until then)."""
    now = timezone.now()
    return make_session(
        starts_in=-dt.timedelta(minutes=10), opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(hours=1)
    )


@pytest.fixture
def confirmed(today_session, make_resident):
    return registrations.registration_create(actor=make_resident(), session_id=today_session.pk)


def test_codes_are_stored_hashed(confirmed):
    full, short = codes.full_code(confirmed.code_nonce), codes.short_code(confirmed.code_nonce)
    assert len(full) == 14 and len(short) == 6 and short.isdigit()
    stored = {confirmed.code_nonce, confirmed.code_hash, confirmed.short_code_hash}
    assert full not in stored and codes.normalise(full) not in stored and short not in stored
    assert confirmed.code_hash == codes.full_hash(full.lower().replace("-", " "))


def test_full_code_checks_in_once(confirmed, users):
    code = codes.full_code(confirmed.code_nonce)
    done = checkin.checkin_record(actor=users["community"], code=code)
    assert done.pk == confirmed.pk and done.status == S.ATTENDED and done.checked_in_by == users["community"]
    with pytest.raises(ApplicationError) as info:
        checkin.checkin_record(actor=users["community"], code=code)
    assert info.value.code == "code_used" and info.value.extra["field"] == "code"


def test_short_code_at_the_facility(confirmed, users, centre):
    short = codes.short_code(confirmed.code_nonce)
    done = checkin.checkin_record(actor=users["community"], code=short, facility=centre)
    assert done.status == S.ATTENDED


def test_forged_codes_and_other_scopes_are_refused(confirmed, users):
    for forged in ("ABCD-EFGH-JKLM", "000000" if codes.short_code(confirmed.code_nonce) != "000000" else "111111"):
        with pytest.raises(ApplicationError) as info:
            checkin.checkin_record(actor=users["community"], code=forged)
        assert info.value.code == "invalid_code"
    code = codes.full_code(confirmed.code_nonce)
    with pytest.raises(ApplicationError) as info:
        checkin.checkin_record(actor=users["other_community"], code=code)
    assert info.value.code == "invalid_code"  # not in their scope: as if it did not exist
    with pytest.raises(ApplicationError) as info:
        checkin.checkin_record(actor=users["resident"], code=code)
    assert info.value.status == 403
    confirmed.refresh_from_db()
    assert confirmed.status == S.CONFIRMED


def test_no_shows_after_the_session(make_session, make_resident, users):
    session = make_session(starts_in=dt.timedelta(hours=1), hours=1)
    came, missed = make_resident(), make_resident()
    a = registrations.registration_create(actor=came, session_id=session.pk)
    b = registrations.registration_create(actor=missed, session_id=session.pk)
    checkin.checkin_record(actor=users["community"], code=codes.full_code(a.code_nonce))
    assert list(selectors.no_shows(viewer=users["community"], session=session)) == []
    later = timezone.now() + dt.timedelta(hours=3)
    session.starts_at = timezone.now() - dt.timedelta(hours=2)
    session.ends_at = timezone.now() - dt.timedelta(minutes=1)
    session.opens_at, session.closes_at = session.starts_at - dt.timedelta(days=1), session.starts_at
    session.save()
    assert [r.pk for r in selectors.no_shows(viewer=users["community"], session=session)] == [b.pk]
    call_command("mark_no_shows")
    b.refresh_from_db()
    a.refresh_from_db()
    assert (a.status, b.status) == (S.ATTENDED, S.NO_SHOW)
    assert checkin.no_shows_mark(now=later) == 0
    with pytest.raises(ApplicationError) as info:
        checkin.checkin_record(actor=users["community"], code=codes.full_code(b.code_nonce))
    assert info.value.code == "session_over"


def test_checkin_page_and_kiosk(client, confirmed, users, centre):
    login(client, users["community"])
    page = client.post("/activities/checkin/", {"code": codes.full_code(confirmed.code_nonce)})
    assert page.status_code == 200 and b'data-testid="checkin-ok"' in page.content
    again = client.post("/activities/checkin/", {"code": codes.full_code(confirmed.code_nonce)})
    assert again.status_code == 400 and b'data-testid="checkin-error"' in again.content
    kiosk = client.get(f"/activities/kiosk/{centre.code}/")
    assert kiosk.status_code == 200 and b'data-testid="kiosk"' in kiosk.content
    assert b'class="nav"' not in kiosk.content  # full screen, nothing to navigate to
    bad = client.post(f"/activities/kiosk/{centre.code}/", {"code": "12345"})
    assert bad.status_code == 400
    login(client, users["other_community"])
    assert client.get(f"/activities/kiosk/{centre.code}/").status_code == 404
    login(client, users["resident"])
    assert client.get("/activities/checkin/").status_code == 403
