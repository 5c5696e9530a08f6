"""Workbench panels (home page): the leader's join requests and hours to confirm, staff's filings to
review, the resident's next shifts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from linli.core.enums import Role
from linli.core.workbench import workbench_panel
from linli.organizations import selectors

PEOPLE = {Role.RESIDENT, Role.ORG_LEADER}
STAFF = {Role.COMMUNITY_STAFF, Role.TOWN_STAFF, Role.DISTRICT_ADMIN}


@workbench_panel("organizations.join_requests", title=_("Asking to join my organisation"),
                 template="organizations/panel_join_requests.html", roles=PEOPLE, order=40)  # fmt: skip
def join_requests(request: HttpRequest) -> dict[str, Any] | None:
    rows = list(selectors.join_requests_for_leader(viewer=request.user)[:5])
    return {"rows": rows} if rows else None


@workbench_panel("organizations.to_confirm", title=_("Volunteer hours to confirm"),
                 template="organizations/panel_to_confirm.html", roles=PEOPLE | STAFF, order=41)  # fmt: skip
def to_confirm(request: HttpRequest) -> dict[str, Any] | None:
    count = selectors.to_confirm(viewer=request.user).count()
    return {"count": count} if count else None


@workbench_panel("organizations.review", title=_("Organisations to review"),
                 template="organizations/panel_review.html", roles=STAFF, order=42)  # fmt: skip
def review(request: HttpRequest) -> dict[str, Any] | None:
    queue = selectors.review_queue(viewer=request.user)
    count = queue.count()
    return {"count": count, "rows": list(queue[:5])} if count else None


@workbench_panel("organizations.next_shifts", title=_("My next volunteer shifts"),
                 template="organizations/panel_next_shifts.html", roles=PEOPLE, order=43)  # fmt: skip
def next_shifts(request: HttpRequest) -> dict[str, Any] | None:
    rows = list(selectors.my_attendances(viewer=request.user, upcoming=True)[:3])
    return {"rows": rows} if rows else None
