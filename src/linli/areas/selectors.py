"""Reads of areas, always through the viewer's scope."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from linli.areas.codes import LEVEL_DEPTH, SEGMENTS, child_level, prefix_of
from linli.areas.enums import AgeGroup, AreaLevel
from linli.areas.models import Area, AreaPopulation, ResidentialPoint
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, filter_scope, require, scope_prefix

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


def areas_visible(*, viewer: AnyUser) -> QuerySet[Area]:
    require(viewer, Perm.AREA_VIEW)
    return filter_scope(viewer, Area.objects.all(), "code")


def area_list(
    *,
    viewer: AnyUser,
    level: str | None = None,
    kind: str | None = None,
    parent: str | None = None,
    q: str | None = None,
) -> QuerySet[Area]:
    qs = areas_visible(viewer=viewer)
    if level:
        qs = qs.filter(level=level)
    if kind:
        qs = qs.filter(kind=kind)
    if parent:
        qs = qs.filter(parent__code=parent)
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(code__startswith=q)
    return qs.order_by("code")


def area_get(*, viewer: AnyUser, code: str) -> Area:
    """The area, or 404 when it does not exist or lies outside the viewer's scope (it is not theirs to
    know of)."""
    area = areas_visible(viewer=viewer).select_related("parent").filter(code=code).first()
    if area is None:
        raise ApplicationError("not_found", _("No such area."), {"code": code}, status=404)
    return area


def area_roots(*, viewer: AnyUser) -> QuerySet[Area]:
    """The highest areas the viewer sees: where their area browser starts."""
    qs = areas_visible(viewer=viewer)
    for level, _start, _end in SEGMENTS:
        level_qs = qs.filter(level=level)
        if level_qs.exists():
            return level_qs
    return qs.none()


def area_ancestors(*, viewer: AnyUser, area: Area) -> list[Area]:
    """The chain from the viewer's highest visible area down to `area`'s parent."""
    chain: list[Area] = []
    parent = area.parent
    prefix = scope_prefix(viewer)
    while parent is not None and prefix is not None and parent.code.startswith(prefix):
        chain.append(parent)
        parent = parent.parent
    return list(reversed(chain))


def area_subtree(*, viewer: AnyUser, code: str, depth: int | None = None) -> QuerySet[Area]:
    """`code` and everything below it (down `depth` levels if given)."""
    area = area_get(viewer=viewer, code=code)
    qs = areas_visible(viewer=viewer).filter(code__startswith=prefix_of(area.code))
    if depth is not None:
        levels = [
            lvl for lvl, _s, _e in SEGMENTS if 0 <= LEVEL_DEPTH[lvl] - LEVEL_DEPTH[AreaLevel(area.level)] <= depth
        ]
        qs = qs.filter(level__in=levels)
    return qs.order_by("code")


def population_by_age(*, viewer: AnyUser, code: str) -> dict[str, Any]:
    """Residents by age group and households of `code`: the sums over its communities and villages."""
    area = area_get(viewer=viewer, code=code)
    prefix = prefix_of(area.code)
    rows = AreaPopulation.objects.filter(area__code__startswith=prefix).values("age_group").annotate(n=Sum("count"))
    by_age = {group.value: 0 for group in AgeGroup}
    for row in rows:
        by_age[row["age_group"]] = row["n"] or 0
    counts = Area.objects.filter(code__startswith=prefix, level=AreaLevel.VILLAGE).aggregate(
        households=Sum("households"), villages=Count("id")
    )
    return {
        "code": area.code,
        "population": by_age,
        "total": sum(by_age.values()),
        "households": counts["households"] or 0,
        "villages": counts["villages"] or 0,
    }


def children_population(*, viewer: AnyUser, code: str) -> list[dict[str, Any]]:
    """Each child area of `code` with its residents by age group and households, summed in two queries."""
    area = area_get(viewer=viewer, code=code)
    level = child_level(AreaLevel(area.level))
    if level is None:
        return []
    children = list(areas_visible(viewer=viewer).filter(parent=area).order_by("code"))
    width = SEGMENTS[LEVEL_DEPTH[level]][2]
    prefix = prefix_of(area.code)
    pop: dict[str, dict[str, int]] = defaultdict(lambda: {g.value: 0 for g in AgeGroup})
    for row in (
        AreaPopulation.objects.filter(area__code__startswith=prefix)
        .annotate(child=Substr("area__code", 1, width))
        .values("child", "age_group")
        .annotate(n=Sum("count"))
    ):
        pop[row["child"]][row["age_group"]] = row["n"] or 0
    households = {
        row["child"]: row["h"] or 0
        for row in Area.objects.filter(code__startswith=prefix, level=AreaLevel.VILLAGE)
        .annotate(child=Substr("code", 1, width))
        .values("child")
        .annotate(h=Sum("households"))
    }
    out = []
    for child in children:
        key = child.code[:width]
        by_age = dict(pop[key])
        out.append(
            {
                "area": child,
                "population": by_age,
                "total": sum(by_age.values()),
                "households": households.get(key, 0),
            }
        )
    return out


def residential_points(*, viewer: AnyUser, code: str) -> QuerySet[ResidentialPoint]:
    area = area_get(viewer=viewer, code=code)
    return ResidentialPoint.objects.visible_to(viewer).filter(area_code__startswith=prefix_of(area.code))
