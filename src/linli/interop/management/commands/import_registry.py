"""`linli import_registry FILE`: import a facilities or catalogue workbook, GeoJSON or GeoPackage, with a
progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.core.errors import ApplicationError
from linli.interop.services import registry_import_start
from linli.jobs.cli import run_with_progress


class Command(BaseCommand):
    help = "Import an exported (and edited) facilities or catalogue workbook, GeoJSON or GeoPackage file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--queue", action="store_true", help="hand the job to the worker")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"no such file: {source}")
        try:
            job = registry_import_start(
                actor=None, name=source.name, content=source.read_bytes(), enqueue=options["queue"]
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        if options["queue"]:
            self.stdout.write(f"queued job {job.pk}; follow it with: linli job {job.pk}")
            return
        job = run_with_progress(job, show=True, stdout=self.stdout)
        if job.error:
            raise CommandError("nothing was imported")
        self.stdout.write(self.style.SUCCESS(f"imported: {job.result}"))
