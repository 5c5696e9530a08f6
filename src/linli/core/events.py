"""Domain events between apps without upward imports.

A lower app announces that something verified happened (`emit("bookings.checked_in", ...)`); a higher app
that reacts to it (points minting, indicators) registers a listener in its `AppConfig.ready`. Listeners run
synchronously inside the emitter's transaction, so the reaction is written or rolled back with the event.
Payloads are plain values (ids, codes, numbers, datetimes), never a model of the emitting app, so the
listener need not import it.

Events in use (name: payload keys):
- "bookings.checked_in": key (str, unique per check-in), registration_id, session_id, activity_id,
  resident_id, area_code (the session's), occurred_at, hours (Decimal: the session's length)
- "organizations.hours_confirmed": key (str, unique per confirmed record), record_id, organization_id,
  resident_id, area_code (the organisation's community), occurred_at, hours (Decimal), kind ("volunteer" or
  "sent_down")
- "organizations.hours_withdrawn": a confirmed record replaced by a correction (emitted before the new
  record's "hours_confirmed"): key (f"withdrawn:{old id}"), record_id, replaced_by, organization_id,
  resident_id, area_code, occurred_at, hours, kind; the points minted for the old record are reversed
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Listener = Callable[..., None]
_LISTENERS: dict[str, list[Listener]] = defaultdict(list)


def listen(name: str) -> Callable[[Listener], Listener]:
    """Register `fn(**payload)` for event `name` (call from an AppConfig.ready)."""

    def register(fn: Listener) -> Listener:
        if fn not in _LISTENERS[name]:
            _LISTENERS[name].append(fn)
        return fn

    return register


def emit(name: str, **payload: Any) -> None:
    """Run every listener of `name` now, inside the caller's transaction: an error in one rolls it back."""
    for fn in list(_LISTENERS.get(name, ())):
        fn(**payload)
