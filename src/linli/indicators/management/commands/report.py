"""`linli report --area CODE --year YYYY --out FILE.docx`: the annual report on bringing public services into
villages and communities, with its Excel annex beside it (FILE.xlsx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError
from linli.indicators.report import report_generate


class Command(BaseCommand):
    help = "Generate the annual report (.docx, GB/T 9704 layout) and its Excel annex."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--area", required=True, help="12-digit area code")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--out", required=True, help="the .docx file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if out.suffix.lower() != ".docx":
            raise CommandError(_("--out: the file name must end in .docx"))

        def echo(done: int, total: int, message: str = "") -> None:
            self.stderr.write(f"[{done}/{total}] {message}")

        try:
            data, docx_bytes, annex = report_generate(area_code=options["area"], year=options["year"], progress=echo)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        out.write_bytes(docx_bytes)
        out.with_suffix(".xlsx").write_bytes(annex)
        missing = [
            c.indicator.name_zh for c in data.cells.values() if c.area_code == data.area.code and c.value is None
        ]
        self.stdout.write(
            _("report written: %(file)s (annex %(annex)s)") % {"file": out, "annex": out.with_suffix(".xlsx")}
        )
        if missing:
            self.stdout.write(
                _("figures without data (named as missing in the report): %(list)s") % {"list": "、".join(missing)}
            )
