"""`linli points_verify`: checks the ledger's invariants; exits 1 naming every breach."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from linli.points.verify import ledger_breaches


class Command(BaseCommand):
    help = "Check the points ledger: sum zero, balances equal to movements, no event earned twice, no negative balance."

    def handle(self, *args: Any, **options: Any) -> None:
        breaches = ledger_breaches()
        if breaches:
            for breach in breaches:
                self.stderr.write(breach)
            raise CommandError(_("%(count)s breach(es) of the points ledger.") % {"count": len(breaches)})
        self.stdout.write(_("The points ledger is sound."))
