"""Kiosk links: a terminal without a staff login checks in codes of one facility only. The secret is stored
hashed and shown once; forged, expired and revoked links are refused; creating and revoking are audited;
only staff who may check people in at the facility create or revoke them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone, translation

from linli.bookings import codes, kiosk, registrations
from linli.bookings.enums import RegistrationStatus
from linli.bookings.models import Activity, KioskToken, Session
from linli.core.errors import ApplicationError
from linli.core.models import AuditLog
from linli.facilities.models import Facility
from tests.conftest import login

DEVICE = "/activities/kiosk/device/"


@pytest.fixture(autouse=True)
def _english(client):
    """Refusals are checked by their English wording here (pages: the language switch's cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def today_session(make_session):
    now = timezone.now()
    return make_session(
        starts_in=-dt.timedelta(minutes=10), opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(hours=1)
    )


@pytest.fixture
def confirmed(today_session, make_resident):
    return registrations.registration_create(actor=make_resident(), session_id=today_session.pk)


@pytest.fixture
def elsewhere(centre, make_resident):
    """A confirmed registration for a session today at another facility (in another community)."""
    from linli.areas.models import Area

    other = Facility.objects.create(
        code="F990102002001-01", name="西山邻里中心", facility_type=centre.facility_type,
        area_id=Area.objects.get(code="990102002001").pk, area_code="990102002001", lon=120.055, lat=30.005,
    )  # fmt: skip
    activity = Activity.objects.create(facility=other, area_code=other.area_code, title="合唱", domain="culture")
    now = timezone.now()
    session = Session.objects.create(
        activity=activity, area_code=other.area_code, starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=1), capacity=5, opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(minutes=30),
    )  # fmt: skip
    return registrations.registration_create(actor=make_resident(), session_id=session.pk)


def open_link(client, key: str):
    """Open a kiosk link on a device and confirm: the device now carries the cookie."""
    assert client.get(f"/activities/kiosk/open/{key}/").status_code == 200
    response = client.post(f"/activities/kiosk/open/{key}/")
    assert response.status_code == 302 and response["Location"] == DEVICE
    return response


def test_secret_stored_hashed_and_audited(centre, users):
    token, key = kiosk.kiosk_token_create(actor=users["community"], facility=centre, name="门口平板", valid_days=30)
    assert key.startswith("kiosk_") and len(key) > 40
    stored = KioskToken.objects.get()
    assert key not in {stored.key_hash, stored.prefix} and stored.key_hash == kiosk.hash_key(key)
    assert stored.area_code == centre.area_code and stored.created_by == users["community"]
    assert dt.timedelta(days=29) < stored.expires_at - timezone.now() <= dt.timedelta(days=30)
    created = AuditLog.objects.get(object_type="bookings.kiosktoken", action="create")
    assert created.object_id == str(token.pk) and key not in str(created.detail)
    kiosk.kiosk_token_revoke(actor=users["town"], token=token)
    revoked = AuditLog.objects.get(object_type="bookings.kiosktoken", action="update")
    assert revoked.actor == users["town"] and revoked.fields == ["revoked_at"]
    with pytest.raises(ApplicationError) as info:
        kiosk.kiosk_token_revoke(actor=users["community"], token=token)
    assert info.value.code == "already_revoked"


@pytest.mark.parametrize(
    ("data", "field"),
    [({"name": ""}, "name"), ({"valid_days": "0"}, "valid_days"), ({"valid_days": "soon"}, "valid_days"),
     ({"name": "x" * 65}, "name")],
)  # fmt: skip
def test_bad_input_names_the_field(centre, users, data, field):
    with pytest.raises(ApplicationError) as info:
        kiosk.kiosk_token_create(actor=users["community"], facility=centre, **{"name": "平板", **data})
    assert info.value.extra["errors"][0]["field"] == field
    assert not KioskToken.objects.exists() and not AuditLog.objects.filter(object_type="bookings.kiosktoken").exists()


def test_only_staff_of_the_area_create_and_revoke(client, centre, users):
    for who in ("other_community", "resident", "auditor"):
        with pytest.raises(ApplicationError) as info:
            kiosk.kiosk_token_create(actor=users[who], facility=centre, name="平板")
        assert info.value.status == 403
    assert not KioskToken.objects.exists()
    token, _key = kiosk.kiosk_token_create(actor=users["community"], facility=centre, name="平板")
    with pytest.raises(ApplicationError):
        kiosk.kiosk_token_revoke(actor=users["other_community"], token=token)
    login(client, users["other_community"])
    assert client.get(f"/activities/kiosk/{centre.code}/links/").status_code == 404
    assert client.post(f"/activities/kiosk/links/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_staff_page_shows_the_link_once_and_revokes(client, centre, users):
    login(client, users["community"])
    page = client.get(f"/activities/kiosk/{centre.code}/links/")
    assert page.status_code == 200 and b'data-testid="kiosk-form"' in page.content
    bad = client.post(f"/activities/kiosk/{centre.code}/links/", {"name": "", "valid_days": ""})
    assert bad.status_code == 400 and b'data-field="name"' in bad.content
    made = client.post(
        f"/activities/kiosk/{centre.code}/links/", {"name": "门口平板", "valid_days": ""}, follow=True
    )  # redirected (a reload makes no second link) to the page that shows the new link
    assert made.redirect_chain == [(f"/activities/kiosk/{centre.code}/links/", 302)]
    assert b'data-testid="kiosk-link-url"' in made.content
    text = made.content.decode()
    key = text.split("/activities/kiosk/open/")[1].split("/")[0]
    token = KioskToken.objects.get()
    assert token.key_hash == kiosk.hash_key(key) and token.expires_at is None
    again = client.get(f"/activities/kiosk/{centre.code}/links/").content.decode()
    assert key not in again and token.prefix in again  # shown once
    assert client.post(f"/activities/kiosk/links/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == users["community"]


def test_device_checks_in_codes_of_its_facility_only(client, centre, users, confirmed, elsewhere):
    _token, key = kiosk.kiosk_token_create(actor=users["community"], facility=centre, name="门口平板")
    login(client, users["community"])  # opening the link logs the staff member out of that browser
    opened = open_link(client, key)
    cookie = opened.cookies[kiosk.COOKIE]
    assert cookie.value == key and cookie["httponly"] and cookie["path"] == DEVICE
    assert "_auth_user_id" not in client.session
    page = client.get(DEVICE)
    assert page.status_code == 200 and b'data-testid="kiosk"' in page.content and centre.name.encode() in page.content

    ok = client.post(DEVICE, {"code": codes.short_code(confirmed.code_nonce)})
    assert ok.status_code == 200 and b'data-testid="checkin-ok"' in ok.content
    confirmed.refresh_from_db()
    assert confirmed.status == RegistrationStatus.ATTENDED and confirmed.checked_in_by is None
    assert KioskToken.objects.get().last_used_at is not None
    reused = client.post(DEVICE, {"code": codes.full_code(confirmed.code_nonce)})
    assert reused.status_code == 400 and b"already used" in reused.content

    # a code of another facility: refused, by full code and by short code
    other = client.post(DEVICE, {"code": codes.full_code(elsewhere.code_nonce)})
    assert other.status_code == 400 and b"another facility" in other.content
    short = client.post(DEVICE, {"code": codes.short_code(elsewhere.code_nonce)})
    assert short.status_code == 400 and b"not valid" in short.content
    elsewhere.refresh_from_db()
    assert elsewhere.status == RegistrationStatus.CONFIRMED

    # the cookie opens nothing else: staff pages ask for a login, the API for a token
    assert client.get("/activities/checkin/").status_code == 302
    assert client.get(f"/activities/kiosk/{centre.code}/").status_code == 302
    assert client.get("/activities/manage/").status_code == 302
    assert client.post("/api/bookings/checkin", {"code": "x"}, content_type="application/json").status_code == 401


def test_forged_expired_and_revoked_links_are_refused(client, centre, users, confirmed):
    assert client.get("/activities/kiosk/open/kiosk_forged-secret/").status_code == 403
    assert client.get("/activities/kiosk/open/anything/").status_code == 403
    assert client.get(DEVICE).status_code == 403  # no cookie
    client.cookies[kiosk.COOKIE] = "kiosk_forged"
    assert client.post(DEVICE, {"code": codes.full_code(confirmed.code_nonce)}).status_code == 403

    token, key = kiosk.kiosk_token_create(actor=users["community"], facility=centre, name="平板", valid_days=1)
    open_link(client, key)
    assert client.get(DEVICE).status_code == 200
    KioskToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = client.post(DEVICE, {"code": codes.full_code(confirmed.code_nonce)})
    assert expired.status_code == 403 and b"not valid" in expired.content
    assert client.get(f"/activities/kiosk/open/{key}/").status_code == 403

    token2, key2 = kiosk.kiosk_token_create(actor=users["community"], facility=centre, name="平板2")
    open_link(client, key2)
    kiosk.kiosk_token_revoke(actor=users["community"], token=token2)
    assert client.post(DEVICE, {"code": codes.full_code(confirmed.code_nonce)}).status_code == 403
    confirmed.refresh_from_db()
    assert confirmed.status == RegistrationStatus.CONFIRMED  # nothing was checked in
    with pytest.raises(ApplicationError) as info:
        kiosk.kiosk_checkin(key=key2, code=codes.full_code(confirmed.code_nonce))
    assert info.value.status == 403


def test_guessing_codes_pauses_the_terminal(centre, users, confirmed):
    _token, key = kiosk.kiosk_token_create(actor=users["community"], facility=centre, name="门口平板")
    now = timezone.now()
    for n in range(kiosk.MAX_WRONG_CODES):
        with pytest.raises(ApplicationError) as exc:
            kiosk.kiosk_checkin(key=key, code=f"{n:06d}", now=now + dt.timedelta(seconds=n))
        assert exc.value.code == "invalid_code"
    right = codes.short_code(confirmed.code_nonce)
    with pytest.raises(ApplicationError) as exc:  # even the right code waits: the device is paused
        kiosk.kiosk_checkin(key=key, code=right, now=now + dt.timedelta(minutes=1))
    assert exc.value.code == "too_many_wrong_codes" and exc.value.status == 429
    assert "try again in 9 minutes" in exc.value.message
    confirmed.refresh_from_db()
    assert confirmed.status == RegistrationStatus.CONFIRMED
    # once the window has passed the terminal works again
    done = kiosk.kiosk_checkin(key=key, code=right, now=now + kiosk.WRONG_CODE_WINDOW + dt.timedelta(seconds=1))
    assert done.pk == confirmed.pk and done.status == RegistrationStatus.ATTENDED


def test_wrong_codes_spread_out_do_not_pause(centre, users, confirmed):
    _token, key = kiosk.kiosk_token_create(actor=users["community"], facility=centre, name="门口平板")
    now = timezone.now()
    for n in range(kiosk.MAX_WRONG_CODES + 3):  # one every 5 minutes: a few windows, never 10 in one
        with pytest.raises(ApplicationError) as exc:
            kiosk.kiosk_checkin(key=key, code=f"{n:06d}", now=now + n * dt.timedelta(minutes=5))
        assert exc.value.code == "invalid_code"


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_codes_get_no_more_tries_than_the_limit(centre, users, confirmed):
    """Wrong codes sent at once, each from its own connection: the count is taken atomically before a code is
    checked, so no more than MAX_WRONG_CODES are ever checked in the window (read-then-increment let 49 of
    120 through)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    _token, key = kiosk.kiosk_token_create(actor=users["community"], facility=centre, name="门口平板")
    tries = 40
    start = threading.Barrier(tries)

    def guess(n: int) -> str:
        try:
            start.wait()
            kiosk.kiosk_checkin(key=key, code=f"{n:06d}")
        except ApplicationError as exc:
            return exc.code
        finally:
            connection.close()
        return "checked_in"

    with ThreadPoolExecutor(max_workers=tries) as pool:
        outcomes = list(pool.map(guess, range(tries)))
    assert outcomes.count("checked_in") == 0
    assert outcomes.count("invalid_code") <= kiosk.MAX_WRONG_CODES
    assert outcomes.count("invalid_code") + outcomes.count("too_many_wrong_codes") == tries
    assert KioskToken.objects.get(key_hash=codes_hash(key)).failed_codes == kiosk.MAX_WRONG_CODES


def codes_hash(key: str) -> str:
    return kiosk.hash_key(key)
