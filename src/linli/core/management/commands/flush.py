"""`linli flush`: Django's flush (empty every table), which also empties the append-only audit log: the
database's guard (`linli.core.appendonly`) is lifted inside the flush's transaction and put back before it
commits. Django's transactional tests flush the database between tests through this command."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from linli.core import appendonly


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        database = options.get("database") or DEFAULT_DB_ALIAS
        connection = connections[database]
        with transaction.atomic(using=database):
            appendonly.unlock(connection)
            for _lock, unlock in appendonly.GUARDS:
                unlock(connection)
            super().handle(**options)
            appendonly.lock(connection)
            for lock, _unlock in appendonly.GUARDS:
                lock(connection)
