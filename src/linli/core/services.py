"""Services of the core: audit records, personal data views, API tokens, demo-safe user creation."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpRequest

from linli.core.enums import AuditAction
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
    object_type: str,
    object_id: str = "",
    fields: list[str] | None = None,
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditLog:
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
            object_type="core.user",
            object_id=str(subject.pk),
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


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; returns the record and the token itself, which is not stored and shown only once."""
    key = "ll_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash_key(key), prefix=key[:8])
    return token, key
