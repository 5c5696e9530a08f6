"""Job handlers by kind. A handler is `fn(job, progress) -> result dict`; `progress(done, total, message)`
reports how far it got. Apps register theirs in their `jobs.py`, imported when the app is ready."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from linli.jobs.models import Job


class Progress(Protocol):
    def __call__(self, done: int, total: int, message: str = "") -> None: ...


Handler = Callable[[Job, Progress], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return register


def handler_for(kind: str) -> Handler:
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise LookupError(f"no job handler for kind {kind!r}") from None
