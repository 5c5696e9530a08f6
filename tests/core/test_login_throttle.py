"""Password guessing is throttled per account and per address (django-axes): after 5 wrong passwords the
right one is refused too, with a page that says why; another address cannot go on guessing the account."""

from __future__ import annotations

import pytest

from linli.core.enums import Role
from tests.conftest import make_user


def _login(client, username: str, password: str, ip: str):  # type: ignore[no-untyped-def]
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_from_every_address(client):
    make_user("district", Role.DISTRICT_ADMIN, scope="990102")
    for _ in range(4):
        assert _login(client, "district", "guess", "198.51.100.7").status_code == 200
    # The fifth failure locks the account at once.
    assert _login(client, "district", "guess", "198.51.100.7").status_code == 429
    locked = _login(client, "district", "pw-district", "198.51.100.7")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    elsewhere = _login(client, "district", "pw-district", "203.0.113.9")
    assert elsewhere.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_one_address_guessing_many_accounts_is_locked(client):
    make_user("town", Role.TOWN_STAFF, scope="990102001")
    for i in range(5):
        _login(client, f"someone{i}", "guess", "198.51.100.8")
    assert _login(client, "town", "pw-town", "198.51.100.8").status_code == 429
    # The account itself was not guessed at: from another address it logs in.
    assert _login(client, "town", "pw-town", "203.0.113.10").status_code == 302


@pytest.mark.django_db
def test_a_few_mistakes_then_the_right_password_log_in(client):
    make_user("community", Role.COMMUNITY_STAFF, scope="990102001001")
    for _ in range(3):
        _login(client, "community", "typo", "198.51.100.9")
    assert _login(client, "community", "pw-community", "198.51.100.9").status_code == 302


@pytest.mark.django_db
def test_failed_logins_are_audited_without_the_password(client):
    from linli.core.models import AuditLog

    make_user("district", Role.DISTRICT_ADMIN, scope="990102")
    _login(client, "district", "secret-guess-1", "198.51.100.20")
    _login(client, "nobody", "secret-guess-2", "198.51.100.20")
    failures = list(AuditLog.objects.filter(action="login_failed").order_by("id"))
    assert [f.detail["username"] for f in failures] == ["district", "nobody"]
    assert {f.ip for f in failures} == {"198.51.100.20"}
    assert all("secret-guess" not in str(f.detail) for f in failures)
    _login(client, "district", "pw-district", "198.51.100.20")
    assert AuditLog.objects.filter(action="login_failed").count() == 2
