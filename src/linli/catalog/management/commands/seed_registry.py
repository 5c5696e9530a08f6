"""`linli seed_registry`: load the default facility types, service items and tier standards (only what is
missing; edits made by admins are kept)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.catalog.seed import registry_seed
from linli.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Load the registry's default facility types, service items and tier standards (missing ones only)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = registry_seed()
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(self.style.SUCCESS("created: " + ", ".join(f"{k} {v}" for k, v in created.items())))
