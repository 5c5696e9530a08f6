"""Reads of the core: users in scope, the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from linli.core.models import ApiToken, AuditLog, User
from linli.core.permissions import Perm, filter_scope, require

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


def user_for_token(key: str) -> User | None:
    try:
        token = ApiToken.objects.select_related("user").get(key_hash=ApiToken.hash_key(key))
    except ApiToken.DoesNotExist:
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    # Record use at most once a minute: a write on every request would queue behind SQLite's single writer.
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
