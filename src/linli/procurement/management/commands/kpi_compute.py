"""`linli kpi_compute --month YYYY-MM`: the month's KPI observation of every running contract, computed from
delivery data (the worker also runs it daily for the current and the previous month)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError
from linli.procurement import services


class Command(BaseCommand):
    help = "Compute the monthly KPI observations of every running contract."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--month", help="YYYY-MM (default: this month)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = services.parse_month(options["month"]) if options["month"] else timezone.localdate()
            n = services.kpi_compute(month=month)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            self.style.SUCCESS(_("%(n)s observations for %(month)s") % {"n": n, "month": f"{month:%Y-%m}"})
        )
