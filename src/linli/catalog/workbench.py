"""Workbench (工作台) panels of the registry and the catalogue: services near a resident's home; a few key
counts of a sub-district's or district's scope (communities and villages, residents on record, facilities
built and to come, service items offered). Registered from `CatalogConfig.ready`; reads go through the
selectors of areas, facilities, catalog and core, scoped to the user."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from linli.areas.enums import AreaLevel
from linli.areas.selectors import areas_visible
from linli.catalog.public_views import distance_label
from linli.catalog.selectors import nearby_rows
from linli.core.enums import Role
from linli.core.errors import ApplicationError
from linli.core.selectors import people_in_scope
from linli.core.workbench import workbench_panel
from linli.facilities.enums import ConstructionStatus
from linli.facilities.selectors import facilities_visible, search_point

NEAR_SHOWN = 3
# Searched in turn until NEAR_SHOWN places are found: a short walk first (fewer candidates to load in a dense
# district), then the 15-minute walk (about 1 km), then the 2-km rural circle. The nearest NEAR_SHOWN within
# a radius are the nearest overall, so the answer is the same as one search at 2 km.
NEAR_RADII_M = (500, 1000, 2000)
RESIDENT_ROLES = {Role.RESIDENT, Role.ORG_LEADER}
OVERSIGHT_ROLES = {Role.TOWN_STAFF, Role.DISTRICT_ADMIN}
TO_COME = (ConstructionStatus.PLANNED, ConstructionStatus.APPROVED, ConstructionStatus.UNDER_CONSTRUCTION)


@workbench_panel(
    "catalog.near",
    title=_("Services near my home"),
    template="catalog/panel_near.html",
    roles=RESIDENT_ROLES,
    order=40,
)
def near_home_panel(request: HttpRequest) -> dict[str, Any] | None:
    home = getattr(request.user, "home_area_code", "") or ""
    rows: list[dict[str, Any]] = []
    if home:
        try:
            lon, lat = search_point(None, None, home)
        except ApplicationError:
            home = ""  # no such area on record (or no centre): the page lets the resident pick one
        else:
            for radius in NEAR_RADII_M:
                rows = nearby_rows(lon, lat, None, radius, NEAR_SHOWN)
                if len(rows) >= NEAR_SHOWN:
                    break
    for row in rows:
        row["distance_label"] = distance_label(row["distance_m"])
    return {"home": home, "rows": rows}


@workbench_panel(
    "catalog.scope",
    title=_("My area in figures"),
    template="catalog/panel_scope.html",
    roles=OVERSIGHT_ROLES,
    order=40,
)
def scope_counts_panel(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    facilities = (
        facilities_visible(viewer=user)
        .order_by()
        .aggregate(
            built=Count("id", filter=Q(status=ConstructionStatus.BUILT)),
            to_come=Count("id", filter=Q(status__in=TO_COME)),
            items=Count("offerings__item", filter=Q(offerings__active=True), distinct=True),
        )
    )
    return {
        "communities": areas_visible(viewer=user).filter(level=AreaLevel.VILLAGE).count(),
        "residents": people_in_scope(viewer=user).filter(role=Role.RESIDENT).count(),
        **facilities,
    }
