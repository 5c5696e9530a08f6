"""The database's own guard of the audit log: on SQLite and PostgreSQL a trigger refuses every UPDATE and
DELETE of `core_auditlog` (and on PostgreSQL a TRUNCATE), whoever runs it - the admin, the ORM, a shell.

Only `linli flush` (which empties the whole database, as Django's tests do between transactional tests)
lifts the guard for the length of its own transaction. The migration that installs the guard calls
`lock`; a change of the SQL here needs a new migration that calls `unlock` then `lock`. On SQLite a
migration that rebuilds `core_auditlog` (most AlterField/RemoveField) drops its triggers with the old
table: such a migration must end with `RunPython(lock)` again (the tests of the guard would catch it).
"""

from __future__ import annotations

from typing import Any

TABLE = "core_auditlog"
MESSAGE = "the audit log is append-only"

# Other apps' append-only guards, (lock, unlock) pairs registered in their AppConfig.ready (the points
# ledger): `linli flush` lifts and puts them back with this one.
GUARDS: list[tuple[Any, Any]] = []

_SQL: dict[str, tuple[list[str], list[str]]] = {
    "sqlite": (
        [
            f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
            f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
        ],
        [f"DROP TRIGGER IF EXISTS {TABLE}_no_update", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete"],
    ),
    "postgresql": (
        [
            f"CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation'; END $$",
            f"CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()",
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only()",
        ],
        [
            f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}",
            f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
        ],
    ),
}


def _run(connection: Any, which: int) -> None:
    statements = _SQL.get(connection.vendor)
    if statements is None:  # another database: the model's own guard still refuses
        return
    with connection.cursor() as cursor:
        for sql in statements[which]:
            cursor.execute(sql)


def lock(connection: Any) -> None:
    """Install the triggers (idempotent on SQLite; PostgreSQL drops them first)."""
    if connection.vendor == "postgresql":
        _run(connection, 1)
    _run(connection, 0)


def unlock(connection: Any) -> None:
    """Remove the triggers (inside a transaction that puts them back)."""
    _run(connection, 1)
