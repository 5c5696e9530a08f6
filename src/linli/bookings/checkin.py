"""Check-in: staff at the desk (`checkin_record`) or a kiosk device of a facility (`kiosk_checkin_record`)
record attendance from a resident's code; sessions that ended without it turn confirmed registrations into
no-shows."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.bookings import codes
from linli.bookings.enums import RegistrationStatus
from linli.bookings.models import Registration, Session
from linli.core.errors import ApplicationError
from linli.core.events import emit
from linli.core.permissions import Perm, can, require
from linli.facilities.models import Facility

if TYPE_CHECKING:
    from linli.core.models import User
    from linli.core.permissions import AnyUser

# Staff may check people in from this long before a session starts until it ends.
CHECKIN_EARLY = dt.timedelta(hours=2)
# A staff member (their account: every desk and device they sign in on) may try this many wrong 6-digit
# codes per window; then short codes are refused until the window has passed (full codes still work).
STAFF_MAX_WRONG_SHORT_CODES = 20
STAFF_WRONG_CODE_WINDOW = dt.timedelta(minutes=10)


def _staff_attempt_take(actor: AnyUser) -> tuple[str, int]:
    """Count one more short code tried by `actor`, atomically (the cache's add + incr: one Redis command
    each in production, a lock in a worker's memory otherwise); (key, count including this one). The
    counter lives outside the database on purpose: the refused check-in's transaction rolls back, the
    count stays."""
    window = int(STAFF_WRONG_CODE_WINDOW.total_seconds())
    slot = int(timezone.now().timestamp()) // window
    key = f"checkin-short:{getattr(actor, 'pk', '')}:{slot}"
    cache.add(key, 0, window + 1)
    try:
        return key, cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, window + 1)
        return key, 1


def _staff_attempt_give_back(key: str) -> None:
    with contextlib.suppress(ValueError):  # the window expired meanwhile
        cache.decr(key)


def _invalid_code() -> ApplicationError:
    return ApplicationError("invalid_code", _("This code is not valid."), {"field": "code"})


@transaction.atomic
def checkin_record(
    *, actor: AnyUser, code: str, facility: Facility | None = None, session: Session | None = None
) -> Registration:
    """Record attendance from a check-in code: the full code, or the 6-digit code of a session of today
    (at `facility`, or `session`, when given). A forged, unknown or reused code is refused."""
    require(actor, Perm.FACILITY_CHANGE, facility.area_code if facility is not None else None)
    if not codes.is_short(codes.normalise(code)):
        return _checkin(
            code,
            facility=facility,
            session=session,
            allowed=lambda area_code: can(actor, Perm.FACILITY_CHANGE, area_code),
            by=actor,  # type: ignore[arg-type]
        )
    # A 6-digit code is one of a million: guessing is bounded like at a kiosk. Every short code is counted
    # before it is checked, and given back unless it was wrong.
    key, tried = _staff_attempt_take(actor)
    if tried > STAFF_MAX_WRONG_SHORT_CODES:
        _staff_attempt_give_back(key)
        raise ApplicationError(
            "too_many_wrong_codes",
            _("Too many wrong short codes: enter the full code, or try again in %(n)d minutes.")
            % {"n": int(STAFF_WRONG_CODE_WINDOW.total_seconds()) // 60},
            {"field": "code"},
            status=429,
        )
    try:
        registration = _checkin(
            code,
            facility=facility,
            session=session,
            allowed=lambda area_code: can(actor, Perm.FACILITY_CHANGE, area_code),
            by=actor,  # type: ignore[arg-type]
        )
    except ApplicationError as exc:
        if exc.code != "invalid_code":
            _staff_attempt_give_back(key)
        raise
    _staff_attempt_give_back(key)
    return registration


def _checkin(
    code: str,
    *,
    facility: Facility | None,
    session: Session | None,
    allowed: Callable[[str], bool],
    by: User | None,
) -> Registration:
    """The check-in itself, for a staff member (`allowed`: their scope) or a kiosk device of `facility`."""
    now = timezone.now()
    value = codes.normalise(code)
    if not value:
        raise ApplicationError("invalid", _("Enter the check-in code."), {"field": "code"})
    found = Registration.objects.select_related("session", "session__activity")
    if codes.is_short(value):
        if session is not None:
            sessions = [session.pk]
        else:
            today = timezone.localdate()
            start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
            candidates = Session.objects.filter(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1))
            if facility is not None:
                candidates = candidates.filter(activity__facility=facility)
            sessions = [s.pk for s in candidates if allowed(s.area_code)]
        hashes = [codes.short_hash(pk, value) for pk in sessions]
        matches = list(found.filter(short_code_hash__in=hashes)) if hashes else []
        if len(matches) > 1:
            raise ApplicationError(
                "ambiguous_code",
                _("This short code matches several sessions today: choose the session, or enter the full code."),
                {"field": "session"},
            )
        registration = matches[0] if matches else None
    else:
        registration = found.filter(code_hash=codes.full_hash(value)).first()
    if registration is None or not allowed(registration.area_code):
        raise _invalid_code()
    if facility is not None and registration.session.activity.facility_id != facility.pk:
        raise ApplicationError(
            "other_facility", _("This code is for an activity at another facility."), {"field": "code"}
        )
    # Lock the session, then the registration: the order every booking transaction takes them in.
    registration = (
        Registration.objects.select_for_update(of=("session", "self"))
        .select_related("session", "session__activity")
        .get(pk=registration.pk)
    )
    if registration.status == RegistrationStatus.ATTENDED:
        raise ApplicationError(
            "code_used",
            _("This code was already used at %(at)s.")
            % {"at": f"{timezone.localtime(registration.checked_in_at or now):%Y-%m-%d %H:%M}"},
            {"field": "code"},
            status=409,
        )
    if registration.status not in (RegistrationStatus.CONFIRMED, RegistrationStatus.NO_SHOW):
        raise _invalid_code()
    if now < registration.session.starts_at - CHECKIN_EARLY:
        raise ApplicationError(
            "too_early", _("Check-in opens two hours before the session starts."), {"field": "code"}, status=409
        )
    if now > registration.session.ends_at:
        raise ApplicationError("session_over", _("This session is over."), {"field": "code"}, status=409)
    registration.status = RegistrationStatus.ATTENDED
    registration.checked_in_at = now
    registration.checked_in_by = by
    registration.save(update_fields=["status", "checked_in_at", "checked_in_by", "updated_at"])
    session_ = registration.session
    emit(
        "bookings.checked_in",
        key=f"checkin:{registration.pk}",
        registration_id=registration.pk,
        session_id=session_.pk,
        activity_id=session_.activity_id,
        resident_id=registration.resident_id,
        area_code=session_.area_code,
        occurred_at=now,
        hours=Decimal((session_.ends_at - session_.starts_at).total_seconds()) / Decimal(3600),
    )
    return registration


@transaction.atomic
def kiosk_checkin_record(*, facility: Facility, code: str) -> Registration:
    """Check-in from a kiosk device of `facility` (see `linli.bookings.kiosk`): codes of that facility's
    sessions only; no staff member is recorded as having checked the resident in."""
    return _checkin(code, facility=facility, session=None, allowed=lambda _area_code: True, by=None)


@transaction.atomic
def no_shows_mark(*, now: dt.datetime | None = None) -> int:
    """Confirmed registrations of sessions that have ended without a check-in become no-shows; returns how
    many. Their seats stay counted: they were taken."""
    moment = now or timezone.now()
    return Registration.objects.filter(status=RegistrationStatus.CONFIRMED, session__ends_at__lt=moment).update(
        status=RegistrationStatus.NO_SHOW, updated_at=moment
    )
