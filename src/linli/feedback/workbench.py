"""Workbench (工作台) panels of needs and surveys (问需于民): the surveys waiting for a resident; the new
needs of a staff member's scope. Registered from `FeedbackConfig.ready`; each panel reads through
`feedback.selectors`, scoped to the user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from linli.core.enums import Role
from linli.core.workbench import workbench_panel
from linli.feedback import selectors

SHOWN = 3
RESIDENT_ROLES = {Role.RESIDENT, Role.ORG_LEADER}
STAFF_ROLES = {Role.COMMUNITY_STAFF, Role.TOWN_STAFF, Role.DISTRICT_ADMIN}


@workbench_panel(
    "feedback.surveys",
    title=_("Surveys waiting for me"),
    template="feedback/panel_surveys.html",
    roles=RESIDENT_ROLES,
    order=30,
)
def surveys_panel(request: HttpRequest) -> dict[str, Any] | None:
    if not getattr(request.user, "home_area_code", ""):
        return None  # surveys reach residents through their home area
    waiting = selectors.surveys_waiting_for(viewer=request.user)
    return {"items": list(waiting[:SHOWN]), "count": waiting.count()}


@workbench_panel(
    "feedback.needs", title=_("New needs"), template="feedback/panel_needs.html", roles=STAFF_ROLES, order=30
)
def needs_panel(request: HttpRequest) -> dict[str, Any] | None:
    new = selectors.needs_new(viewer=request.user)
    return {"items": list(new[:SHOWN]), "count": new.count()}
