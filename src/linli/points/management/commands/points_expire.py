"""`linli points_expire`: expire what is left of earn lots past their date (first-in first-out)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from linli.points.services import points_expire


class Command(BaseCommand):
    help = "Expire points past their validity, first-in first-out."

    def handle(self, *args: Any, **options: Any) -> None:
        lots = points_expire()
        self.stdout.write(_("%(count)s lot(s) of points expired.") % {"count": lots})
