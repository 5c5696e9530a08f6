"""The SQL of the registration hot path: the statements that registering for and cancelling a session run
on every request, written once as SQL (see `linli.core.rows` for why and how). The services hold the
rules; this module only reads and writes rows. Everything here runs inside the caller's transaction.

The same text runs on SQLite and PostgreSQL; the one difference is the row lock: `FOR UPDATE OF s` on
PostgreSQL, while on SQLite the project's `BEGIN IMMEDIATE` transactions already hold the database's
single write lock.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from linli.bookings.enums import RegistrationStatus
from linli.bookings.models import Activity, Registration, Session
from linli.core.rows import Columns, split
from linli.facilities.models import Facility

SESSION = Columns(Session, "s")
# Of the activity and its facility, what the rules and the answers about a session use; other fields load
# on first access (as with `QuerySet.only`).
ACTIVITY = Columns(Activity, "a", only=("facility", "area_code", "title", "description", "domain", "item"))
FACILITY = Columns(Facility, "f", only=("code", "name", "area_code", "status"))
REGISTRATION = Columns(Registration, "r")

CANCELLED = RegistrationStatus.CANCELLED.value


def _activity_joins() -> str:
    return f"JOIN {ACTIVITY.table} a ON a.id = s.activity_id JOIN {FACILITY.table} f ON f.id = a.facility_id"


def _session_from(values: Any) -> Session:
    """A session with its activity and facility attached, from the values of the three `Columns`."""
    session_values, activity_values, facility_values = split(values, SESSION, ACTIVITY, FACILITY)
    activity = ACTIVITY.build(activity_values, connection)
    activity.facility = FACILITY.build(facility_values, connection)
    session = SESSION.build(session_values, connection)
    session.activity = activity
    return session


def _lock(*aliases: str) -> str:
    """The row-lock clause; PostgreSQL takes the locks in the order named (session before registration
    everywhere in linli, so two transactions never wait for each other crosswise)."""
    return f" FOR UPDATE OF {', '.join(aliases)}" if connection.features.has_select_for_update_of else ""


def session_locked(session_id: int) -> Session | None:
    """The session with its activity and facility, its row locked until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {SESSION.select(connection)}, {ACTIVITY.select(connection)}, {FACILITY.select(connection)} "
            f"FROM {SESSION.table} s {_activity_joins()} WHERE s.id = %s{_lock('s')}",
            [session_id],
        )
        row = cursor.fetchone()
    return None if row is None else _session_from(row)


def session_locked_for(session_id: int, *, resident_id: int, short_hash: str) -> tuple[Session, bool, bool] | None:
    """`session_locked`, and in the same statement (one round trip less on every registration) whether
    the resident holds an active registration for it and whether the short check-in code with this hash
    is taken in it. On PostgreSQL those two answers come from the statement's snapshot, taken before a
    wait for the lock, so they can miss a registration committed during the wait; the unique constraints
    (`registration_one_active_per_resident`, `registration_short_code_unique`) refuse what they miss."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {SESSION.select(connection)}, {ACTIVITY.select(connection)}, {FACILITY.select(connection)}, "
            f"EXISTS (SELECT 1 FROM {REGISTRATION.table} r WHERE r.session_id = s.id AND r.resident_id = %s "
            f"AND r.status <> %s), EXISTS (SELECT 1 FROM {REGISTRATION.table} r WHERE r.session_id = s.id "
            f"AND r.short_code_hash = %s) "
            f"FROM {SESSION.table} s {_activity_joins()} WHERE s.id = %s{_lock('s')}",
            [resident_id, CANCELLED, short_hash, session_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return _session_from(row[:-2]), bool(row[-2]), bool(row[-1])


def registration_locked(registration_id: int) -> Registration | None:
    """A registration with its session, activity and facility, the session's row and then the
    registration's locked until the transaction ends; its status is the one committed last."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {REGISTRATION.select(connection)}, {SESSION.select(connection)}, "
            f"{ACTIVITY.select(connection)}, {FACILITY.select(connection)} "
            f"FROM {SESSION.table} s JOIN {REGISTRATION.table} r ON r.session_id = s.id {_activity_joins()} "
            f"WHERE r.id = %s{_lock('s', 'r')}",
            [registration_id],
        )
        row = cursor.fetchone()
    return None if row is None else _registration_from(row)


def registration_with_session(registration_id: int) -> Registration | None:
    """A registration with its session, activity and facility (no lock, nothing checked)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {REGISTRATION.select(connection)}, {SESSION.select(connection)}, "
            f"{ACTIVITY.select(connection)}, {FACILITY.select(connection)} "
            f"FROM {REGISTRATION.table} r JOIN {SESSION.table} s ON s.id = r.session_id {_activity_joins()} "
            "WHERE r.id = %s",
            [registration_id],
        )
        row = cursor.fetchone()
    return None if row is None else _registration_from(row)


def _registration_from(values: Any) -> Registration:
    registration_values, rest = split(values, REGISTRATION, len(values) - len(REGISTRATION))
    registration = REGISTRATION.build(registration_values, connection)
    registration.session = _session_from(rest)
    return registration


def short_code_taken(session_id: int, short_hash: str) -> bool:
    """Whether a registration of the session holds the short check-in code with this hash."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {REGISTRATION.table} WHERE session_id = %s AND short_code_hash = %s)",
            [session_id, short_hash],
        )
        return bool(cursor.fetchone()[0])


def registration_cancelled(registration: Registration) -> None:
    """Write the cancellation (status, cancelled_at, updated_at as set on `registration`)."""
    values = [
        registration.status,
        connection.ops.adapt_datetimefield_value(registration.cancelled_at),
        connection.ops.adapt_datetimefield_value(registration.updated_at),
        registration.pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {REGISTRATION.table} SET status = %s, cancelled_at = %s, updated_at = %s WHERE id = %s", values
        )


def counters_add(session_id: int, *, confirmed: int, waitlisted: int) -> None:
    """Change a session's confirmed and waitlisted persons in the database, where the check constraints
    (`confirmed <= capacity`, `waitlisted <= waitlist_capacity`) guard them."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SESSION.table} SET confirmed = confirmed + %s, waitlisted = waitlisted + %s WHERE id = %s",
            [confirmed, waitlisted, session_id],
        )
