"""`linli import_registry FILE [--dry-run]`: import a facilities or catalogue workbook, GeoJSON or GeoPackage, with a
progress bar."""

from __future__ import annotations

from linli.interop.services import registry_import_start
from linli.jobs.cli import FileImportCommand
from linli.jobs.models import Job


class Command(FileImportCommand):
    help = "Import an exported (and edited) facilities or catalogue workbook, GeoJSON or GeoPackage file."

    def start(self, *, name: str, content: bytes, enqueue: bool, preview: bool) -> Job:
        return registry_import_start(actor=None, name=name, content=content, enqueue=enqueue, preview=preview)
