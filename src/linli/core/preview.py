"""What an import would change, shown before anything is written.

The standards say that anything overwriting data shows what it will change first. Every import (areas,
the registry, the calendar file) writes through one function that records each row it touches in a
`Preview`: created, updated (each field old -> new, labelled by the sheet's header), unchanged or removed.
`previewed` runs that function inside a transaction: a dry run rolls it back and keeps only the preview;
the confirmed run refuses (and rolls back) when what it would now write differs from what was previewed,
so a confirmation applies exactly what the user saw.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError

CREATE, UPDATE, UNCHANGED, DELETE = "create", "update", "unchanged", "delete"
ACTIONS = (CREATE, UPDATE, DELETE, UNCHANGED)
MAX_SHOWN = 500  # rows listed on the page; the counts cover all


def shown(value: Any) -> str:
    """A value as a person reads it in the preview: empty for None, 是/否, dates as ISO, lists joined."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e6 else str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return "、".join(shown(v) for v in value)
    if isinstance(value, models.Choices):
        return str(value.label)
    return str(value)


def field_display(model: type[models.Model], name: str, value: Any) -> str:
    """`value` of `model.name` as a person reads it: an enum's Chinese label rather than its code."""
    try:
        model_field = model._meta.get_field(name)
    except Exception:  # a column that is not a model field (opening hours)
        return shown(value)
    choices = dict(getattr(model_field, "flatchoices", None) or ())
    base = getattr(model_field, "base_field", None)
    if not choices and base is not None:
        choices = dict(getattr(base, "flatchoices", None) or ())
    if choices:
        if isinstance(value, list | tuple):
            return "、".join(str(choices.get(v, v)) for v in value)
        return str(choices.get(value, shown(value))) if value not in (None, "") else ""
    return shown(value)


@dataclass
class Preview:
    """The rows an import touches, in the order it touches them."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        *,
        sheet: str,
        key: str,
        name: str = "",
        changes: Iterable[tuple[str, Any, Any]] = (),
        action: str | None = None,
    ) -> None:
        """One record: `changes` are (label, old, new) for an update (or the values of a new record, old
        empty); `action` defaults to update when something changes, else unchanged."""
        listed = [
            {"field": str(label), "old": shown(old), "new": shown(new)}
            for label, old, new in changes
            if action in (CREATE, DELETE) or shown(old) != shown(new)
        ]
        if action is None:
            action = UPDATE if listed else UNCHANGED
        self.rows.append({"sheet": str(sheet), "key": str(key), "name": str(name), "action": action, "changes": listed})

    def counts(self) -> dict[str, int]:
        return {action: sum(1 for r in self.rows if r["action"] == action) for action in ACTIONS}

    def fingerprint(self) -> str:
        """A digest of every row and change: equal digests mean the same writes."""
        text = json.dumps(self.rows, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        """For the job's result: the counts, the changed rows (at most `MAX_SHOWN`) and the digest."""
        changed = [r for r in self.rows if r["action"] != UNCHANGED]
        return {
            **self.counts(),
            "rows": changed[:MAX_SHOWN],
            "more": max(0, len(changed) - MAX_SHOWN),
            "fingerprint": self.fingerprint(),
        }


class _DryRun(Exception):
    pass


def previewed(
    write: Callable[[Preview], dict[str, Any]], *, dry_run: bool, expect: str | None = None
) -> tuple[dict[str, Any], Preview]:
    """Run `write` (which records every row in the preview it is given) in one transaction. A dry run
    rolls everything back. With `expect` (the digest of the preview the user confirmed), a run whose
    writes differ from it is refused with `changed_meanwhile` and rolled back."""
    preview = Preview()
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            result = write(preview)
            if expect is not None and preview.fingerprint() != expect:
                raise ApplicationError(
                    "changed_meanwhile",
                    _(
                        "The data changed after the preview, so the import would no longer do what you "
                        "confirmed; nothing was imported. Upload the file again to see a new preview."
                    ),
                    {},
                )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result, preview


def summary_lines(preview: dict[str, Any], limit: int = 50) -> list[str]:
    """The preview as lines of text, for the command line."""
    lines = [
        _("%(create)d to create, %(update)d to update, %(delete)d to remove, %(unchanged)d unchanged")
        % {k: preview.get(k, 0) for k in ACTIONS}
    ]
    words = {CREATE: _("create"), UPDATE: _("update"), DELETE: _("remove")}
    rows: Sequence[dict[str, Any]] = preview.get("rows", [])
    for row in rows[:limit]:
        head = f"  {words.get(row['action'], row['action'])} {row['sheet']} {row['key']} {row['name']}".rstrip()
        lines.append(head)
        if row["action"] == UPDATE:
            lines.extend(f"    {c['field']}: {c['old'] or '—'} → {c['new'] or '—'}" for c in row["changes"])
    if len(rows) > limit or preview.get("more"):
        lines.append(_("  … and %(n)d more") % {"n": len(rows) - min(limit, len(rows)) + preview.get("more", 0)})
    return lines
