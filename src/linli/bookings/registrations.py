"""Registrations: registering (confirmed or on the waiting list), cancelling, promotion from the waiting
list. Every check is done here, whole: a bad input names its field and nothing is written.

No overbooking: `registration_create`, `registration_cancel` and `activities.session_update` first take a
row lock on the session (`SELECT … FOR UPDATE` on PostgreSQL; on SQLite the project's `BEGIN IMMEDIATE`
transactions serialise writers), then read and change the session's counters. The counters are guarded by check
constraints (`confirmed <= capacity`, `waitlisted <= waitlist_capacity`) and a resident's active
registrations by a conditional unique constraint, so even a faulty code path cannot overbook: the database
refuses the write and the caller gets the same refusal as from the checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.bookings import codes, selectors, statements
from linli.bookings.ages import check_age
from linli.bookings.enums import RegistrationStatus
from linli.bookings.models import Notification, Registration, Session
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, require
from linli.core.rows import insert
from linli.core.services import audit_record

if TYPE_CHECKING:
    from linli.core.models import User
    from linli.core.permissions import AnyUser


def _new_code(session: Session) -> str:
    """A fresh check-in nonce whose short code is not yet taken in `session` (locked): a taken one (about
    one in 10,000 with 100 registered) draws again."""
    while True:
        nonce = codes.new_nonce()
        if not statements.short_code_taken(session.pk, codes.short_hash(session.pk, codes.short_code(nonce))):
            return nonce


def _issue_code(registration: Registration, session: Session, nonce: str | None = None) -> None:
    """Give a newly confirmed registration its check-in codes (short code unique in the session)."""
    if nonce is None:
        nonce = _new_code(session)
    registration.code_nonce = nonce
    registration.code_hash = codes.full_hash(codes.full_code(nonce))
    registration.short_code_hash = codes.short_hash(session.pk, codes.short_code(nonce))


def _add(session: Session, *, confirmed: int = 0, waitlisted: int = 0) -> None:
    """Change the counters in the database (where the check constraints guard them) and on `session`."""
    statements.counters_add(session.pk, confirmed=confirmed, waitlisted=waitlisted)
    session.confirmed += confirmed
    session.waitlisted += waitlisted


def _refusal_for(exc: IntegrityError) -> ApplicationError:
    message = str(exc)
    if "registration_one_active_per_resident" in message or "resident_id" in message:
        return ApplicationError(
            "already_registered", _("You are already registered for this session."), {"field": "session"}, status=409
        )
    return ApplicationError("full", _("This session and its waiting list are full."), {"field": "persons"}, status=409)


def registration_create(*, actor: AnyUser, session_id: int, persons: int = 1) -> Registration:
    """Register `actor` (and persons - 1 companions) for a session: confirmed while seats are left and
    nobody is waiting, otherwise on the waiting list while it has room, otherwise refused. The returned
    registration carries its session (with counters after the change), activity and facility."""
    if not actor.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)
    for attempt in range(2):
        try:
            with transaction.atomic():  # one transaction; a savepoint only when the caller already has one
                return _registration_create(actor, session_id, persons)
        except IntegrityError as exc:  # the database's guarantee, should the checks ever miss
            # A short code drawn while another registration took it (PostgreSQL, see `session_locked_for`):
            # draw again once. Anything else is refused with the reason the constraint names.
            if "registration_short_code_unique" in str(exc) and attempt == 0:
                continue
            raise _refusal_for(exc) from exc
    raise AssertionError("unreachable")  # pragma: no cover


def _registration_create(resident: User, session_id: int, persons: int) -> Registration:
    nonce = codes.new_nonce()
    locked = statements.session_locked_for(
        session_id, resident_id=resident.pk, short_hash=codes.short_hash(session_id, codes.short_code(nonce))
    )
    if locked is None:
        raise ApplicationError("not_found", _("No such session."), {"field": "session"}, status=404)
    session, already, short_taken = locked
    if short_taken:
        nonce = _new_code(session)
    now = timezone.now()
    if now < session.opens_at:
        raise ApplicationError(
            "not_open",
            _("Registration opens at %(at)s.") % {"at": f"{timezone.localtime(session.opens_at):%Y-%m-%d %H:%M}"},
            {"field": "opens_at"},
        )
    if now >= session.closes_at:
        raise ApplicationError("closed", _("Registration for this session has closed."), {"field": "closes_at"})
    if not 1 <= persons <= session.max_group_size:
        raise ApplicationError(
            "invalid",
            _("One registration is for 1 to %(n)d persons.") % {"n": session.max_group_size},
            {"field": "persons", "value": persons},
        )
    if already:
        raise ApplicationError(
            "already_registered", _("You are already registered for this session."), {"field": "session"}, status=409
        )
    check_age(resident, session)
    registration = Registration(session=session, resident=resident, area_code=session.area_code, persons=persons)
    if session.waitlisted == 0 and session.confirmed + persons <= session.capacity:
        registration.status = RegistrationStatus.CONFIRMED
        _issue_code(registration, session, nonce)
        insert(registration, connection)
        _add(session, confirmed=persons)
    elif session.waitlisted + persons <= session.waitlist_capacity:
        registration.status = RegistrationStatus.WAITLISTED  # its code comes with a promotion
        insert(registration, connection)
        _add(session, waitlisted=persons)
    else:
        raise ApplicationError(
            "full", _("This session and its waiting list are full."), {"field": "persons"}, status=409
        )
    return registration


def waitlist_promote(session: Session) -> list[Registration]:
    """Move the head of the waiting list to confirmed while it fits (strictly in arrival order: a group
    that does not fit yet is not overtaken), telling each resident. The session must be locked."""
    promoted: list[Registration] = []
    if session.waitlisted == 0:  # the counter is exact under the lock: nobody to look for
        return promoted
    for registration in session.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by("id"):
        if session.confirmed + registration.persons > session.capacity:
            break
        registration.status = RegistrationStatus.CONFIRMED
        registration.promoted_at = timezone.now()
        _issue_code(registration, session)
        registration.save()
        _add(session, confirmed=registration.persons, waitlisted=-registration.persons)
        Notification.objects.create(
            user_id=registration.resident_id,
            text=_("A seat became free: you are now registered for %(title)s on %(at)s.")
            % {
                "title": session.activity.title,
                "at": f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}",
            },
        )
        promoted.append(registration)
    return promoted


@transaction.atomic
def registration_cancel(*, actor: AnyUser, registration_id: int) -> Registration:
    """Cancel a registration (the resident, or staff of the session's area) before the session starts;
    a freed seat goes to the first on the waiting list. Returns the registration as it is now, with its
    locked session (counters after the change), activity and facility. Someone who may not see the
    registration gets 404, staff who may see but not change it 403."""
    if not actor.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)
    # Session and registration locked in one statement; its status is current (not a page's stale copy).
    registration = statements.registration_locked(registration_id)
    is_owner = registration is not None and registration.resident_id == actor.pk
    if registration is None or not (
        is_owner or selectors.registration_in_scope(viewer=actor, registration_id=registration_id)
    ):
        raise ApplicationError("not_found", _("No such registration."), {"id": registration_id}, status=404)
    if not is_owner:
        require(actor, Perm.FACILITY_CHANGE, registration.area_code)
    session, status = registration.session, registration.status
    if status not in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED):
        raise ApplicationError(
            "not_cancellable",
            _("This registration cannot be cancelled: it is %(status)s.")
            % {"status": RegistrationStatus(status).label},
            {"field": "status"},
            status=409,
        )
    if timezone.now() >= session.starts_at:
        raise ApplicationError("started", _("The session has already started."), {"field": "session"}, status=409)
    now = timezone.now()
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = registration.updated_at = now
    statements.registration_cancelled(registration)
    if status == RegistrationStatus.CONFIRMED:
        _add(session, confirmed=-registration.persons)
    else:
        _add(session, waitlisted=-registration.persons)
    waitlist_promote(session)
    if not is_owner:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            on=registration,
        )
    return registration


@transaction.atomic
def notifications_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read=False).update(read=True)
