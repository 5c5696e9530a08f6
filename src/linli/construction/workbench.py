"""The workbench panel of district and sub-district/town staff: delayed construction projects and funds
not yet in place in their scope."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.construction import selectors
from linli.core.enums import Role
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, has_perm
from linli.core.workbench import workbench_panel


@workbench_panel(
    "construction.progress",
    title=_("Construction projects"),
    template="construction/panel.html",
    roles={Role.DISTRICT_ADMIN, Role.TOWN_STAFF},
    order=40,
)
def progress_panel(request: HttpRequest) -> dict[str, Any] | None:
    if not has_perm(request.user, Perm.CONSTRUCTION_VIEW):
        return None
    try:
        area = selectors.board_area(viewer=request.user, area_code=None)
    except ApplicationError:
        return None
    delayed = selectors.delayed_projects(area_code=area.code)
    return {
        "area": area,
        "delayed_count": delayed.count(),
        "delayed": list(delayed[:5]),
        "funds": selectors.funds_not_in_place(area_code=area.code),
        "year": timezone.localdate().year,
    }
