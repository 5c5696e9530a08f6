"""The audit log as an Excel workbook (`core.tabular.Writer`: text cells escaped, never formulas). The
export is itself written to the audit log: who exported which rows (the filter and the count)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.enums import AuditAction
from linli.core.selectors import EXPORT_LIMIT, AuditFilter, audit_rows, audit_search
from linli.core.services import audit_record
from linli.core.tabular import Writer

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


def audit_workbook(*, viewer: AnyUser, filters: AuditFilter, request: HttpRequest | None = None) -> tuple[bytes, int]:
    """The viewer's audit rows matching `filters` (at most `EXPORT_LIMIT`, newest first) as .xlsx bytes, and
    the number of rows written. Records the export in the audit log."""
    entries = list(audit_search(viewer=viewer, filters=filters)[: EXPORT_LIMIT + 1])
    truncated = len(entries) > EXPORT_LIMIT
    rows = audit_rows(entries[:EXPORT_LIMIT])
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
        (
            [
                timezone.localtime(row.entry.at).strftime("%Y-%m-%d %H:%M:%S"),
                str(row.entry.actor) if row.entry.actor else "",
                row.entry.actor.username if row.entry.actor else "",
                str(row.entry.get_action_display()),
                row.object_name,
                row.entry.object_id,
                ", ".join(row.field_names),
                row.detail_text,
                row.entry.ip or "",
            ]
            for row in rows
        ),
        widths=[20, 18, 14, 10, 18, 14, 24, 40, 16],
        freeze="A2",
    )
    notes: list[list[Any]] = [
        [_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")],
        [_("Exported by"), str(viewer)],
        [_("Rows"), len(rows)],
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
        detail={"rows": len(rows), **filters.as_params()},
        request=request,
    )
    return content, len(rows)
