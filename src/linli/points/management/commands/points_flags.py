"""`linli points_flags`: look for fraud patterns in the last month's earns; new flags await review."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from linli.points.flags import flags_compute


class Command(BaseCommand):
    help = "Compute fraud flags for staff review."

    def handle(self, *args: Any, **options: Any) -> None:
        new = flags_compute()
        self.stdout.write(_("%(count)s new flag(s) to review.") % {"count": new})
