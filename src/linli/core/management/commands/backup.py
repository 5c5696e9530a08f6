"""`linli backup OUT`: the database, the data files it refers to and the secret key in one archive (see
`linli.core.backup`). Safe while the server runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database, walking networks and other data files, and the secret key into one tar.gz."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("out", help="the archive to write, e.g. linli-2026-12-07.tar.gz")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if out.is_dir():
            raise CommandError(f"{out} is a directory: name the archive to write")
        try:
            made = backup_create(out=out)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = made.manifest
        rows = sum(manifest["counts"].values())
        files = sum(1 for name in manifest["parts"] if name.startswith("files/"))
        self.stdout.write(
            f"{made.path}: {manifest['vendor']} database ({rows} rows), {files} data files, the secret key; "
            f"{made.path.stat().st_size} bytes"
        )
        for missing in manifest["missing_files"]:
            self.stderr.write(self.style.WARNING(f"{missing}: the database refers to it, but it is not there"))
        self.stdout.write("The archive holds the secret key: keep it as safe as the database itself.")
