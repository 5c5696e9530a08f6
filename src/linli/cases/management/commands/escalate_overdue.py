"""`linli escalate_overdue`: move every overdue open request one level up (the worker also does it every
10 minutes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from linli.cases.services import requests_escalate_overdue
from linli.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Escalate overdue open requests one level (community → sub-district → district)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--at", help="the moment to check at, e.g. 2026-10-09T12:00 (default: now)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["at"]:
            try:
                now = dt.datetime.fromisoformat(options["at"])
            except ValueError as exc:
                raise CommandError(f"--at: not a date and time: {options['at']}") from exc
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        try:
            escalated = requests_escalate_overdue(now=now)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        for request in escalated:
            self.stdout.write(f"#{request.pk} → {request.level}")
        self.stdout.write(self.style.SUCCESS(f"escalated: {len(escalated)}"))
