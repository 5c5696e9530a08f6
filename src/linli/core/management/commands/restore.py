"""`linli restore ARCHIVE [--yes]`: put back what `linli backup` saved (see `linli.core.backup`). Shows
what it will replace first; replaces a database that holds data only with --yes; checks the whole archive
before touching anything and swaps last, so an instance is never half restored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.core.backup import BackupError, Staged, restore_apply, restore_discard, restore_stage


class Command(BaseCommand):
    help = "Restore a backup made by `linli backup`: database, data files and secret key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive")
        parser.add_argument("--yes", action="store_true", help="replace a database that holds data")
        parser.add_argument(
            "--no-keep", action="store_true", help="do not save the replaced state in <data dir>/backups first"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"no archive {archive}")
        try:
            staged = restore_stage(archive=archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        try:
            self._show(staged)
            if staged.current.rows and not options["yes"]:
                raise CommandError(
                    f"The database holds {staged.current.rows} rows that the restore would replace: "
                    "run again with --yes to replace them."
                )
            previous = restore_apply(staged=staged, keep_previous=not options["no_keep"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            restore_discard(staged)
        if previous is not None:
            self.stdout.write(f"The replaced state is saved in {previous} (`linli restore` it to undo).")
        self.stdout.write(self.style.SUCCESS(f"Restored {archive}."))
        for note in staged.notes:
            self.stdout.write(self.style.WARNING(note))

    def _show(self, staged: Staged) -> None:
        m = staged.manifest
        self.stdout.write(
            f"Archive {staged.archive}: linli {m['linli_version']}, made {m['created_at']}, {m['vendor']} database."
        )
        self.stdout.write(f"{'table':<32}{'now':>10}{'archive':>10}")
        for label, now, incoming in staged.comparison():
            self.stdout.write(f"{label:<32}{now:>10}{incoming:>10}")
        self.stdout.write(f"{'total':<32}{staged.current.rows:>10}{staged.incoming.rows:>10}")
        files = sum(1 for name in m["parts"] if name.startswith("files/"))
        self.stdout.write(
            f"Replaces: the database, the folders {', '.join(m['dirs'])} of the data directory ({files} files in "
            "the archive), and the secret key."
        )
        for note in staged.notes:
            self.stdout.write(self.style.WARNING(note))
