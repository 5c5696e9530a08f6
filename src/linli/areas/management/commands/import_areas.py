"""`linli import_areas FILE [--dry-run]`: import areas from an Excel (.xlsx) or GeoJSON file, with a progress bar."""

from __future__ import annotations

from linli.areas.services import area_import_start
from linli.jobs.cli import FileImportCommand
from linli.jobs.models import Job


class Command(FileImportCommand):
    help = "Import areas from an Excel file made from the template, or a GeoJSON FeatureCollection."

    def start(self, *, name: str, content: bytes, enqueue: bool, preview: bool) -> Job:
        return area_import_start(actor=None, name=name, content=content, enqueue=enqueue, preview=preview)
