"""The register as an Excel workbook (through `core.tabular`: cells escaped, never formulas). The guide's
name and phone are masked in the file whoever exports it: a file travels further than a page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.enums import AuditAction
from linli.core.masking import mask_name, mask_phone
from linli.core.services import audit_record
from linli.core.tabular import Writer
from linli.organizations import selectors

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


def register_workbook(*, viewer: AnyUser, **filters: str | None) -> bytes:
    """The organisations `viewer` may see (with the register's filters), one row each; the export is
    audited (who, how many, which filters)."""
    orgs = list(selectors.organizations_filtered(viewer=viewer, **filters))
    writer = Writer()
    header = [
        _("Name"), _("Kind of organisation"), _("Track"), _("Grade"), _("Community or village"), _("Leader"),
        _("Led by"),
        _("Guide's name"), _("Guide's phone"), _("Members"), _("State"), _("Filed at"), _("Renewal due"),
    ]  # fmt: skip
    rows = (
        [
            org.name, org.get_kind_display(), org.get_track_display(), org.grade, org.area_code, str(org.leader),
            org.get_guide_role_display(), mask_name(org.guide_name), mask_phone(org.guide_phone),
            org.members_declared, org.get_state_display(),
            timezone.localtime(org.approved_at).strftime("%Y-%m-%d") if org.approved_at else "",
            org.renewal_due.isoformat() if org.renewal_due else "",
        ]
        for org in orgs
    )  # fmt: skip
    writer.sheet(_("Organisations"), header, rows, widths=[30, 12, 14, 6, 14, 16, 10, 10, 14, 8, 10, 12, 12])
    audit_record(actor=viewer, action=AuditAction.EXPORT, object_type="organizations.organization",
                 detail={"rows": len(orgs), "filters": {k: v for k, v in filters.items() if v}})  # fmt: skip
    return writer.content()
