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


class RowErrors:
    """Problems found while checking input, each naming its row (0 for a single form or API body) and
    field. Services collect them all, then `raise_if_any` refuses the whole input at once."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def __bool__(self) -> bool:
        return bool(self.errors)

    def add(self, row: int, fieldname: str, message: str, value: Any = None) -> None:
        item: dict[str, Any] = {"row": row, "field": fieldname, "message": str(message)}
        if value is not None:
            item["value"] = str(value)[:100]
        self.errors.append(item)

    def raise_if_any(self, code: str, message: str, **extra: Any) -> None:
        if self.errors:
            self.errors.sort(key=lambda e: (e["row"], e["field"]))
            raise ApplicationError(code, message, {"errors": self.errors, **extra})
