"""`ApplicationError`: the one way services refuse. Rendered the same way for the API and the pages."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A refusal with a stable `code`, a human `message` (translatable), `extra` detail (for instance the
    list of bad rows of an import) and the HTTP status it maps to."""

    def __init__(self, code: str, message: str, extra: dict[str, Any] | None = None, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}
        self.status = status

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), "detail": self.extra}
