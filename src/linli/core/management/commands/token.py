"""`linli token USERNAME [--name NAME]`: make an API token for a user and print it (shown only once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.core.models import User
from linli.core.services import api_token_create


class Command(BaseCommand):
    help = "Create an API bearer token for a user."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']}")
        _token, key = api_token_create(user=user, name=options["name"])
        self.stdout.write(key)
