"""Workbench (工作台) panels of the core: the auditor's recent audit events of their scope, with a link to
the audit log. (The registry itself is `core.workbench`; this module fills it, from `CoreConfig.ready`.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.enums import AuditAction, Role
from linli.core.selectors import audit_log, audit_rows
from linli.core.workbench import workbench_panel

SHOWN = 5


@workbench_panel(
    "core.audit", title=_("Recent audit events"), template="core/panel_audit.html", roles={Role.AUDITOR}, order=10
)
def audit_panel(request: HttpRequest) -> dict[str, Any] | None:
    entries = audit_log(viewer=request.user)
    since = timezone.now() - dt.timedelta(days=1)
    counts = entries.filter(at__gte=since).aggregate(
        last_day=Count("id"),
        unmasked_reads=Count("id", filter=Q(action=AuditAction.READ)),
        failed_logins=Count("id", filter=Q(action=AuditAction.LOGIN_FAILED)),
    )
    return {"rows": audit_rows(entries[:SHOWN]), **counts}
