"""Reads of the core: users in scope, the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from linli.core.models import ApiToken, AuditLog, User
from linli.core.permissions import Perm, filter_scope, require
from linli.core.rows import Columns, split

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def people_in_scope(*, viewer: AnyUser) -> QuerySet[User]:
    """Users whose home area lies in the viewer's scope."""
    require(viewer, Perm.PEOPLE_VIEW)
    return filter_scope(viewer, User.objects.exclude(home_area_code=""), "home_area_code").order_by(
        "home_area_code", "username"
    )


def audit_log(*, viewer: AnyUser) -> QuerySet[AuditLog]:
    require(viewer, Perm.AUDIT_VIEW)
    return AuditLog.objects.select_related("actor")


_TOKEN = Columns(ApiToken, "t", only=("user", "last_used_at"))
# The user as permission checks and services read them; the password hash stays in the database.
_USER = Columns(User, "u", only=[f.name for f in User._meta.concrete_fields if f.name != "password"])


def user_for_token(key: str) -> User | None:
    """The active user holding the API token `key`, or None. Every API request asks this, so it is one
    hand-written statement (see `linli.core.rows`), not an ORM query."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_TOKEN.select(connection)}, {_USER.select(connection)} FROM {_TOKEN.table} t "
            f"JOIN {_USER.table} u ON u.id = t.user_id "
            "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND t.expires_at > %s",
            [ApiToken.hash_key(key), timezone.now()],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    token_values, user_values = split(row, _TOKEN, _USER)
    token, user = _TOKEN.build(token_values, connection), _USER.build(user_values, connection)
    if not user.is_active:
        return None
    now = timezone.now()
    # Record use at most once a minute: a write on every request would queue behind SQLite's single writer.
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user
