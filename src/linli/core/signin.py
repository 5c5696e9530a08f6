"""Sign-in hints: accounts shown to a visitor on the home page and printed by `linli serve`.

Core imports no upper app: an app that has such accounts (linli.demo) registers them here in its
`AppConfig.ready`; with nothing registered the home page shows no accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from linli.core.enums import Role


@dataclass(frozen=True)
class SignInAccount:
    username: str
    role: Role
    scope: str


@dataclass(frozen=True)
class SignInHint:
    password: str
    accounts: tuple[SignInAccount, ...]


_hint: SignInHint | None = None


def sign_in_hint_register(hint: SignInHint) -> None:
    global _hint
    _hint = hint


def sign_in_hint() -> SignInHint | None:
    """The registered hint, never on a production instance: there no account's password is shown."""
    if settings.PRODUCTION:
        return None
    return _hint
