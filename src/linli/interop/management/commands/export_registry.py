"""`linli export_registry --format xlsx|geojson|gpkg OUT`: write the registry to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from linli.interop.services import EXPORT_FORMATS, catalog_export, facilities_export


class Command(BaseCommand):
    help = "Export all facilities (Excel with offerings, GeoJSON or GeoPackage), or the catalogue workbook."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("out")
        parser.add_argument("--format", choices=EXPORT_FORMATS, default="xlsx")
        parser.add_argument("--catalog", action="store_true", help="the service items and operators (Excel)")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if options["catalog"]:
            content = catalog_export(actor=None)
        else:
            content = facilities_export(actor=None, fmt=options["format"])
        out.write_bytes(content)
        self.stdout.write(self.style.SUCCESS(f"wrote {out} ({len(content)} bytes)"))
