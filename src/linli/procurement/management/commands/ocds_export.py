"""`linli ocds_export OUT.json`: every purchase project as one OCDS 1.1.5 release package, streamed project
by project (constant memory)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError
from linli.procurement import ocds


class Command(BaseCommand):
    help = "Export every purchase project as an OCDS 1.1.5 release package (JSON)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("out", help="the file to write (- for standard output)")
        parser.add_argument("--uri", default="https://linli.example/api/procurement/ocds/releases")

    def handle(self, *args: Any, **options: Any) -> None:
        out = options["out"]
        if out == "-":
            try:
                ocds.stream_package(
                    self.stdout,  # type: ignore[arg-type]  # OutputWrapper writes like a file
                    options["uri"],
                    ocds.all_projects(),
                )
            except ApplicationError as exc:
                raise CommandError(str(exc.message)) from exc
            return
        path = Path(out)
        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("w", encoding="utf-8") as handle:
                n = ocds.stream_package(handle, options["uri"], ocds.all_projects())
        except ApplicationError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(str(exc.message)) from exc
        os.replace(partial, path)
        self.stdout.write(self.style.SUCCESS(_("%(n)s releases written to %(path)s") % {"n": n, "path": path}))
