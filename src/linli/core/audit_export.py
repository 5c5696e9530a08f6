"""The audit log as an Excel workbook (`core.tabular.Writer`: text cells escaped, never formulas). The
export is itself written to the audit log: who exported which rows (the filter and the count)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.enums import AuditAction
from linli.core.selectors import EXPORT_LIMIT, AuditFilter, AuditWords, audit_search
from linli.core.services import audit_record
from linli.core.tabular import Writer

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

# The columns read: plain values, no model instances (an export reads up to EXPORT_LIMIT rows).
_COLUMNS = ("at", "actor__username", "actor__display_name", "action", "object_type", "object_id", "fields",
            "detail", "ip")  # fmt: skip


def audit_workbook(*, viewer: AnyUser, filters: AuditFilter, request: HttpRequest | None = None) -> tuple[bytes, int]:
    """The viewer's audit rows matching `filters` (at most `EXPORT_LIMIT`, newest first) as .xlsx bytes, and
    the number of rows written. Records the export in the audit log."""
    values = list(audit_search(viewer=viewer, filters=filters).values_list(*_COLUMNS)[: EXPORT_LIMIT + 1])
    truncated = len(values) > EXPORT_LIMIT
    values = values[:EXPORT_LIMIT]
    words = AuditWords()
    actions = {value: str(label) for value, label in AuditAction.choices}
    zone = timezone.get_current_timezone()

    def lines() -> Iterator[list[Any]]:
        for at, username, display_name, action, kind, object_id, fields, detail, ip in values:
            yield [
                at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                display_name or username or "",
                username or "",
                actions.get(action, action),
                words.name(kind),
                object_id,
                ", ".join(words.field(kind, str(f)) for f in (fields or [])),
                words.detail(kind, detail),
                ip or "",
            ]

    writer = Writer()
    writer.sheet(
        _("Audit log"),
        [
            _("When"),
            _("Who"),
            _("User name"),
            _("Action"),
            _("Object"),
            _("Object id"),
            _("Fields"),
            _("Detail"),
            _("IP address"),
        ],
        lines(),
        widths=[20, 18, 14, 10, 18, 14, 24, 40, 16],
        freeze="A2",
    )
    notes: list[list[Any]] = [
        [_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")],
        [_("Exported by"), str(viewer)],
        [_("Rows"), len(values)],
        *([label, value] for label, value in filters.described()),
    ]
    if truncated:
        notes.append(
            [_("Note"), _("Only the newest %(n)d rows are exported: narrow the filter.") % {"n": EXPORT_LIMIT}]
        )
    writer.notes(_("About this export"), notes)
    content = writer.content()
    audit_record(
        actor=viewer,
        action=AuditAction.EXPORT,
        object_type="core.auditlog",
        detail={"rows": len(values), **filters.as_params()},
        request=request,
    )
    return content, len(values)
