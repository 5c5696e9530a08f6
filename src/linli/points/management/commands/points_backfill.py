"""`linli points_backfill`: mint for past attended registrations recorded without the check-in event."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from linli.points.minting import points_mint_backfill


class Command(BaseCommand):
    help = "Mint points for past attended registrations (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        written = points_mint_backfill()
        self.stdout.write(_("%(count)s earn transfer(s) written.") % {"count": written})
