"""Kiosk devices: a check-in terminal at a centre's door without a staff login on it.

Staff who may check residents in at a facility create a kiosk link for it: a random secret of which only
the SHA-256 is stored, bound to that one facility, revocable, optionally expiring, shown once. Opening the
link on the terminal stores the secret in a cookie of that browser (and logs out whoever was logged in
there); from then on the terminal may check in codes of that facility's sessions and nothing else: the
cookie is read only by the kiosk page, and it is checked on every request, so a revoked or expired link
stops working at once. Creating and revoking links is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.bookings.checkin import kiosk_checkin_record
from linli.bookings.models import KioskToken, Registration
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError, RowErrors
from linli.core.parsing import count, text
from linli.core.permissions import Perm, require
from linli.core.services import audit_record
from linli.facilities.models import Facility

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

PREFIX = "kiosk_"
MAX_VALID_DAYS = 730
# The cookie that carries the secret on the device, and how long it lives when the link does not expire.
COOKIE = "linli_kiosk"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
# Wrong codes a terminal may send in a window before it pauses (1 in 10^6 short codes is right by chance).
MAX_WRONG_CODES = 10
WRONG_CODE_WINDOW = dt.timedelta(minutes=10)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def kiosk_token_create(
    *, actor: AnyUser, facility: Facility, name: str, valid_days: int | str | None = None
) -> tuple[KioskToken, str]:
    """A kiosk link for `facility` (staff who may check people in there); returns the record and the
    secret, which is not stored and shown only once. `valid_days` empty: until revoked."""
    require(actor, Perm.FACILITY_CHANGE, facility.area_code)
    errors = RowErrors()
    label = text(name)
    if not label:
        errors.add(0, "name", _("required"))
    elif len(label) > 64:
        errors.add(0, "name", _("at most %(n)d characters") % {"n": 64}, label)
    days = count(valid_days, 0, "valid_days", errors)
    if days is not None and not 1 <= days <= MAX_VALID_DAYS:
        errors.add(0, "valid_days", _("must be %(low)d to %(high)d") % {"low": 1, "high": MAX_VALID_DAYS}, days)
    errors.raise_if_any("invalid", _("The kiosk link was not created."))
    key = PREFIX + secrets.token_urlsafe(32)
    token = KioskToken.objects.create(
        facility=facility,
        name=label,
        key_hash=hash_key(key),
        prefix=key[len(PREFIX) : len(PREFIX) + 8],
        created_by=actor if actor.is_authenticated else None,
        expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        on=token,
        detail={"facility": facility.code, "name": label, "expires_at": str(token.expires_at or "")},
    )
    return token, key


@transaction.atomic
def kiosk_token_revoke(*, actor: AnyUser, token: KioskToken) -> KioskToken:
    """Revoke a kiosk link (staff of its facility's area): the device stops working at its next request."""
    require(actor, Perm.FACILITY_CHANGE, token.area_code)
    current = KioskToken.objects.select_for_update().get(pk=token.pk)
    if current.revoked_at is not None:
        raise ApplicationError(
            "already_revoked", _("This kiosk link is already revoked."), {"field": "token"}, status=409
        )
    current.revoked_at, current.revoked_by = timezone.now(), actor  # type: ignore[assignment]
    current.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        on=current,
        fields=["revoked_at"],
        detail={"facility": current.facility.code, "name": current.name},
    )
    return current


def _refused() -> ApplicationError:
    return ApplicationError(
        "kiosk_link_invalid",
        _("This kiosk link is not valid (revoked, expired or mistyped). Ask the centre's staff for a new one."),
        {"field": "token"},
        status=403,
    )


def kiosk_token_check(*, key: str | None, now: dt.datetime | None = None) -> KioskToken:
    """The live kiosk link of a secret; forged, expired or revoked ones are refused (403)."""
    if not key or not key.startswith(PREFIX) or len(key) > 100:
        raise _refused()
    token = KioskToken.objects.select_related("facility").filter(key_hash=hash_key(key)).first()
    moment = now or timezone.now()
    if token is None or token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= moment):
        raise _refused()
    return token


def _attempt_take(token: KioskToken, moment: dt.datetime) -> bool:
    """Count one more code tried on the device, atomically: False when MAX_WRONG_CODES were already counted
    in the window. One conditional UPDATE each, so concurrent tries cannot all pass a read-then-increment
    (120 wrong codes sent at once got 49 tries before)."""
    cutoff = moment - WRONG_CODE_WINDOW
    devices = KioskToken.objects.filter(pk=token.pk)
    if devices.filter(Q(failed_since__isnull=True) | Q(failed_since__lte=cutoff)).update(
        failed_codes=1, failed_since=moment
    ):
        return True
    return bool(
        devices.filter(failed_since__gt=cutoff, failed_codes__lt=MAX_WRONG_CODES).update(
            failed_codes=F("failed_codes") + 1
        )
    )


def kiosk_checkin(*, key: str | None, code: str, now: dt.datetime | None = None) -> Registration:
    """A check-in from a kiosk device: the link must be live, the code one of its facility's sessions.
    Nobody watches a terminal, so guessing 6-digit codes is paused: after MAX_WRONG_CODES wrong codes
    within WRONG_CODE_WINDOW the device refuses every code until the window has passed. Every code is
    counted before it is checked (`_attempt_take`), and given back unless it was wrong."""
    token = kiosk_token_check(key=key)
    moment = now or timezone.now()
    if not _attempt_take(token, moment):
        token.refresh_from_db(fields=["failed_since"])
        wait = (token.failed_since or moment) + WRONG_CODE_WINDOW - moment
        raise ApplicationError(
            "too_many_wrong_codes",
            _("Too many wrong codes on this terminal: try again in %(n)d minutes, or ask the centre's staff.")
            % {"n": max(1, -(-int(wait.total_seconds()) // 60))},
            {"field": "code"},
            status=429,
        )
    try:
        registration = kiosk_checkin_record(facility=token.facility, code=code)
    except ApplicationError as exc:
        if exc.code != "invalid_code":  # only a wrong code stays counted (outside the refused transaction)
            KioskToken.objects.filter(pk=token.pk, failed_codes__gt=0).update(failed_codes=F("failed_codes") - 1)
        raise
    KioskToken.objects.filter(pk=token.pk).update(last_used_at=moment, failed_codes=Greatest(F("failed_codes") - 1, 0))
    return registration


def kiosk_tokens_of(*, viewer: AnyUser, facility: Facility) -> QuerySet[KioskToken]:
    """The kiosk links of a facility, for staff who may manage them."""
    require(viewer, Perm.FACILITY_CHANGE, facility.area_code)
    return KioskToken.objects.visible_to(viewer).filter(facility=facility).select_related("created_by")


def kiosk_token_get(*, viewer: AnyUser, token_id: int) -> KioskToken:
    """A kiosk link of the staff member's scope; 404 otherwise."""
    require(viewer, Perm.FACILITY_CHANGE)
    token = KioskToken.objects.visible_to(viewer).select_related("facility").filter(pk=token_id).first()
    if token is None:
        raise ApplicationError("not_found", _("No such kiosk link."), {"field": "token"}, status=404)
    return token
