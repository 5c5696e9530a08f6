"""The database's own guard of the points ledger: on SQLite and PostgreSQL triggers refuse every UPDATE and
DELETE of `points_transfer` (and on PostgreSQL a TRUNCATE), whoever runs it. A mistake is corrected by a
reversal, a new transfer. Installed by the migration `0002_transfer_append_only`; `linli flush` (Django's
tests between transactional tests) lifts it inside its own transaction through the guards registered in
`linli.core.appendonly.GUARDS` (done in `PointsConfig.ready`). Same SQL shape as `linli.core.appendonly`.
"""

from __future__ import annotations

from typing import Any

TABLE = "points_transfer"
MESSAGE = "points transfers are append-only"

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
