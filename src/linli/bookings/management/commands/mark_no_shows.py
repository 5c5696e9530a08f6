"""`linli mark_no_shows`: confirmed registrations of sessions that are over, without a check-in, become
no-shows. Run it after the day's sessions (cron, or the task queue)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from linli.bookings.checkin import no_shows_mark


class Command(BaseCommand):
    help = "Mark confirmed registrations of ended sessions without a check-in as no-shows."

    def handle(self, *args: Any, **options: Any) -> None:
        marked = no_shows_mark()
        self.stdout.write(f"{marked} registration(s) marked as no-show")
