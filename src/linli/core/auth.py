"""API authentication: a bearer token or the browser session; `OPTIONAL_AUTH` for public endpoints that
show more to a signed-in caller (staff see unpublished records of their scope)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from linli.core.models import User
from linli.core.selectors import user_for_token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


def anonymous(request: HttpRequest) -> Any:
    """Lets the request through as whoever Django's middleware says it is (possibly anonymous)."""
    return request.user if request.user.is_authenticated else True


REQUIRED_AUTH = [TokenAuth(), django_auth]
OPTIONAL_AUTH = [TokenAuth(), django_auth, anonymous]
