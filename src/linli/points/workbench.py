"""Workbench panels: a resident's points; staff's redemptions to collect and flags to review."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from linli.core.enums import Role
from linli.core.permissions import Perm, has_perm
from linli.core.workbench import workbench_panel
from linli.points import selectors

STAFF = {Role.COMMUNITY_STAFF, Role.TOWN_STAFF, Role.DISTRICT_ADMIN}


@workbench_panel(
    "points.balance", title=_("My points"), template="points/panel_balance.html", roles={Role.RESIDENT}, order=30
)
def balance_panel(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    return {
        "balance": selectors.balance_of(user=user),
        "to_collect": selectors.redemptions_of(user=user).filter(status="issued").count(),
        "next_expiry": selectors.next_expiry(user=user),
    }


@workbench_panel("points.staff", title=_("Points to handle"), template="points/panel_staff.html", roles=STAFF, order=40)
def staff_panel(request: HttpRequest) -> dict[str, Any] | None:
    if not has_perm(request.user, Perm.POINTS_MANAGE):
        return None
    return {
        "to_collect": selectors.redemptions_to_collect(actor=request.user).count(),
        "flags": selectors.flags_for_staff(actor=request.user).count(),
    }
