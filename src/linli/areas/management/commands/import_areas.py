"""`linli import_areas FILE`: import areas from an Excel (.xlsx) or GeoJSON file, with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.areas.services import area_import_start
from linli.core.errors import ApplicationError
from linli.jobs.cli import run_with_progress


class Command(BaseCommand):
    help = "Import areas from an Excel file made from the template, or a GeoJSON FeatureCollection."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--queue", action="store_true", help="hand the job to the worker")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"no such file: {source}")
        try:
            job = area_import_start(actor=None, name=source.name, content=source.read_bytes(), enqueue=options["queue"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        if options["queue"]:
            self.stdout.write(f"queued job {job.pk}; follow it with: linli job {job.pk}")
            return
        job = run_with_progress(job, show=True, stdout=self.stdout)
        if job.error:
            raise CommandError("nothing was imported")
        self.stdout.write(self.style.SUCCESS(f"imported: {job.result}"))
