"""Workbench (工作台) panels of requests (办件): a resident's open requests with their deadlines; staff's
requests overdue, due soon and escalated in their scope, the most urgent first. Registered from
`CasesConfig.ready`; each panel reads through `cases.selectors`, scoped to the user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.cases import selectors
from linli.cases.workdays import WorkCalendar
from linli.core.enums import Role
from linli.core.workbench import workbench_panel

SHOWN = 3
DUE_SOON = dt.timedelta(days=2)  # "due soon": the deadline falls within two days
RESIDENT_ROLES = {Role.RESIDENT, Role.ORG_LEADER}
STAFF_ROLES = {Role.COMMUNITY_STAFF, Role.TOWN_STAFF, Role.DISTRICT_ADMIN}


@workbench_panel("cases.mine", title=_("My requests"), template="cases/panel_mine.html", roles=RESIDENT_ROLES, order=20)
def my_requests_panel(request: HttpRequest) -> dict[str, Any] | None:
    now = timezone.now()
    open_requests = selectors.requests_open_of(viewer=request.user)
    calendar = WorkCalendar()
    items = [{"request": r, "clock": selectors.request_clock(r, now, calendar)} for r in open_requests[:SHOWN]]
    return {"items": items, "count": open_requests.count()}


@workbench_panel("cases.due", title=_("Requests due"), template="cases/panel_due.html", roles=STAFF_ROLES, order=10)
def requests_due_panel(request: HttpRequest) -> dict[str, Any] | None:
    now = timezone.now()
    return {
        "counts": selectors.request_due_counts(viewer=request.user, now=now, soon=DUE_SOON),
        "urgent": selectors.requests_most_urgent(viewer=request.user, now=now, limit=SHOWN),
    }
