"""The one pagination of the API's lists (`NINJA_PAGINATION_CLASS`): `limit` and `offset` like django-ninja's
own, but bounded, so no caller can make a list answer 500 or do unbounded work: `limit` from 1 to
`MAX_LIMIT`, `offset` from 0 to `MAX_OFFSET` (an offset of 10^20 used to overflow the database's integer).
HSDS pages (`page`, `per_page`) use `MAX_PAGE` the same way."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 200
MAX_OFFSET = 1_000_000
MAX_PAGE = 100_000


class BoundedPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(
            getattr(settings, "NINJA_PAGINATION_PER_PAGE", 50),
            ge=1,
            le=MAX_LIMIT,
            description=f"Results per page (1 to {MAX_LIMIT}).",
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description=f"Results to skip (0 to {MAX_OFFSET}).")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_limit", MAX_LIMIT)
        super().__init__(**kwargs)
