"""The workbench panel of district and sub-district/town staff: the indicators of their scope compared with
their targets (red/amber/green), read from the latest snapshot."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from linli.areas.selectors import area_roots
from linli.core.enums import Role
from linli.core.permissions import Perm, has_perm
from linli.core.workbench import workbench_panel
from linli.indicators.registry import TargetKind
from linli.indicators.selectors import Status, dashboard


@workbench_panel(
    "indicators.targets",
    title=_("Indicators of my area"),
    template="indicators/panel_targets.html",
    roles={Role.DISTRICT_ADMIN, Role.TOWN_STAFF},
    order=20,
)
def targets_panel(request: HttpRequest) -> dict[str, Any] | None:
    if not has_perm(request.user, Perm.INDICATOR_VIEW):
        return None
    root = area_roots(viewer=request.user).first()
    if root is None:
        return None
    board = dashboard(viewer=request.user, code=root.code)
    rows = [r["cell"] for r in board.rows if r["indicator"].target == TargetKind.INDICATOR_TARGET]
    rank = {Status.RED: 0, Status.AMBER: 1, Status.NO_TARGET: 2, Status.GREEN: 3, Status.MISSING: 4}
    rows.sort(key=lambda c: rank.get(c.status, 5))
    counts = {s: sum(1 for c in rows if c.status == s) for s in (Status.RED, Status.AMBER, Status.GREEN)}
    return {"area": board.area, "as_of": board.as_of, "cells": rows[:8], "counts": counts, "source": board.source}
