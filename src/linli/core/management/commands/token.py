"""`linli token USERNAME [--name NAME] [--days N]`: make an API token for a user and print it (shown only once;
it works for 90 days unless told otherwise). `linli token USERNAME --revoke [PREFIX]` revokes the user's
tokens (those starting with PREFIX, or all)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.core.errors import ApplicationError
from linli.core.models import User
from linli.core.services import TOKEN_DAYS, api_token_create, api_tokens_revoke


class Command(BaseCommand):
    help = "Create an API bearer token for a user, or revoke the user's tokens."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")
        parser.add_argument("--days", type=int, default=TOKEN_DAYS, help="how long the token works (1-366 days)")
        parser.add_argument(
            "--revoke", nargs="?", const="", default=None, metavar="PREFIX",
            help="revoke the user's tokens that start with PREFIX (all when no prefix is given)",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']}")
        if options["revoke"] is not None:
            count = api_tokens_revoke(user=user, prefix=options["revoke"])
            self.stdout.write(f"revoked {count} token(s) of {user.username}")
            return
        try:
            token, key = api_token_create(user=user, name=options["name"], days=options["days"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(key)
        self.stderr.write(f"works until {token.expires_at:%Y-%m-%d %H:%M} UTC")
