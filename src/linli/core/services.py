"""Services of the core: audit records, personal data views, API tokens, demo-safe user creation."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError
from linli.core.masking import mask_id_number, mask_phone
from linli.core.models import ApiToken, AuditLog, User
from linli.core.permissions import sees_personal_data

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor: AnyUser | None,
    action: AuditAction,
    on: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    fields: list[str] | None = None,
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditLog:
    """Append an entry to the audit log. A record is named by `on` (its model's label and primary key: the
    one way records are named in the log); anything else by `object_type` and `object_id`."""
    if on is not None:
        object_type, object_id = on._meta.label_lower, str(on.pk)
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        fields=fields or [],
        detail=detail or {},
        ip=_client_ip(request),
    )


def person_contact(
    *,
    viewer: AnyUser,
    subject: User,
    request: HttpRequest | None = None,
    fields: tuple[str, ...] = ("phone", "id_number"),
) -> dict[str, str]:
    """The contact `fields` (phone, id_number) of `subject` as `viewer` may see them; a caller asks only
    for what it shows. Unmasked reads by someone other than the subject are written to the audit log,
    naming exactly the fields shown unmasked (those the subject has)."""
    masks = {"phone": mask_phone, "id_number": mask_id_number}
    values = {field: getattr(subject, field) for field in fields if field in masks}
    if not sees_personal_data(viewer, subject):
        return {field: masks[field](value) for field, value in values.items()}
    shown = [field for field, value in values.items() if value]
    if viewer.pk != subject.pk and shown:
        audit_record(
            actor=viewer,
            action=AuditAction.READ,
            on=subject,
            fields=shown,
            request=request,
        )
    return values


def people_contacts(
    *, viewer: AnyUser, subjects: list[User], request: HttpRequest | None = None
) -> dict[int, dict[str, str]]:
    """`person_contact` for a page of people: one audit entry listing every unmasked subject."""
    out: dict[int, dict[str, str]] = {}
    shown: list[int] = []
    for subject in subjects:
        if sees_personal_data(viewer, subject):
            out[subject.pk] = {"phone": subject.phone, "id_number": subject.id_number}
            if subject.pk != viewer.pk and (subject.phone or subject.id_number):
                shown.append(subject.pk)
        else:
            out[subject.pk] = {"phone": mask_phone(subject.phone), "id_number": mask_id_number(subject.id_number)}
    if shown:
        audit_record(
            actor=viewer,
            action=AuditAction.READ,
            object_type="core.user",
            object_id=",".join(map(str, shown))[:64],
            fields=["phone", "id_number"],
            detail={"subjects": shown},
            request=request,
        )
    return out


# How long an API token works unless it is given another lifetime.
TOKEN_DAYS = 90
TOKEN_DAYS_MAX = 366


@transaction.atomic
def api_token_create(*, user: User, name: str, days: int = TOKEN_DAYS) -> tuple[ApiToken, str]:
    """Create a token that works for `days` days (1 to a year); returns the record and the token itself,
    which is not stored and shown only once. Audited."""
    if not 1 <= days <= TOKEN_DAYS_MAX:
        raise ApplicationError(
            "invalid", _("A token works for 1 to %(max)d days.") % {"max": TOKEN_DAYS_MAX}, {"field": "days"}
        )
    key = "ll_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=ApiToken.hash_key(key),
        prefix=key[:8],
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    detail = {"user": user.username, "prefix": token.prefix, "days": days}
    audit_record(actor=None, action=AuditAction.CREATE, on=token, detail=detail)
    return token, key


@transaction.atomic
def api_tokens_revoke(*, user: User, prefix: str = "") -> int:
    """Revoke `user`'s working tokens (those starting with `prefix`, or all); returns how many. Audited."""
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if prefix:
        tokens = tokens.filter(prefix__startswith=prefix[:8])
    revoked = [t.prefix for t in tokens]
    tokens.update(revoked_at=timezone.now())
    if revoked:
        audit_record(
            actor=None, action=AuditAction.REVOKE, object_type="core.apitoken", object_id=user.username,
            detail={"prefixes": revoked},
        )  # fmt: skip
    return len(revoked)


def login_failure_record(*, username: str, request: HttpRequest) -> AuditLog:
    """A failed login, for the audit log: the name that was tried (as typed, cut to 150 characters) and the
    address it came from. The password is never recorded."""
    return audit_record(
        actor=None, action=AuditAction.LOGIN_FAILED, object_type="core.user", object_id=username[:64],
        detail={"username": username[:150]}, request=request,
    )  # fmt: skip
