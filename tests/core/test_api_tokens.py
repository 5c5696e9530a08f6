"""API tokens have a lifetime and can be revoked; an expired or revoked token is refused like an unknown
one. Making and revoking tokens is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from linli.core.enums import Role
from linli.core.errors import ApplicationError
from linli.core.models import ApiToken, AuditLog
from linli.core.services import api_token_create, api_tokens_revoke
from tests.conftest import make_user

URL = "/api/areas/"


def _get(client, key: str) -> int:  # type: ignore[no-untyped-def]
    return client.get(URL, HTTP_AUTHORIZATION=f"Bearer {key}").status_code


@pytest.mark.django_db
def test_a_token_works_until_it_expires(client):
    user = make_user("district", Role.DISTRICT_ADMIN, scope="990102")
    token, key = api_token_create(user=user, name="script", days=7)
    assert token.expires_at - timezone.now() == pytest.approx(dt.timedelta(days=7), abs=dt.timedelta(seconds=5))
    assert _get(client, key) == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _get(client, key) == 401


@pytest.mark.django_db
def test_revoked_tokens_are_refused_and_others_keep_working(client):
    user = make_user("district", Role.DISTRICT_ADMIN, scope="990102")
    _first, key1 = api_token_create(user=user, name="a")
    _second, key2 = api_token_create(user=user, name="b")
    assert api_tokens_revoke(user=user, prefix=key1[:8]) == 1
    assert _get(client, key1) == 401 and _get(client, key2) == 200
    call_command("token", "district", "--revoke")
    assert _get(client, key2) == 401
    actions = list(AuditLog.objects.filter(object_type="core.apitoken").values_list("action", flat=True))
    assert actions.count("create") == 2 and actions.count("revoke") == 2


@pytest.mark.django_db
def test_a_lifetime_outside_one_day_to_a_year_is_refused():
    user = make_user("district", Role.DISTRICT_ADMIN, scope="990102")
    for days in (0, 367):
        with pytest.raises(ApplicationError) as refused:
            api_token_create(user=user, name="x", days=days)
        assert refused.value.extra["field"] == "days"
    with pytest.raises(CommandError):
        call_command("token", "district", "--days", "0")
    assert not ApiToken.objects.exists()
