"""`linli calendar_load [--year Y ...]`: load the official public holidays and make-up working days."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.core.calendar import calendar_load, calendar_years
from linli.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Load public holidays and make-up working days (调休) from the chinesecalendar package."

    def add_arguments(self, parser: Any) -> None:
        years = calendar_years()
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            dest="years",
            help=f"a year to load (repeatable; default: every year the package knows, {years[0]}-{years[-1]})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = calendar_load(options["years"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(self.style.SUCCESS(f"calendar: {result['created']} created, {result['updated']} updated"))
