"""Reads of indicators: values computed from the definitions (`compute_all`, `values_live`), values read
from the daily snapshots (`values_snapshot`), targets and their red/amber/green status, the dashboard rows,
the monthly series - always through the viewer's scope (an area outside it answers 404)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.areas.codes import CodeError, check_code, prefix_of
from linli.areas.models import Area
from linli.areas.selectors import area_get
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, require
from linli.indicators.models import IndicatorTarget, Snapshot
from linli.indicators.registry import (
    AreaInfo,
    Context,
    Direction,
    Figure,
    Indicator,
    TargetKind,
    definition,
    definitions,
)

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


class Status:
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NO_TARGET = "no_target"
    MISSING = "missing"
    NOT_COMPARED = "not_compared"


STATUS_LABELS = {
    Status.GREEN: gettext_lazy("target met"),
    Status.AMBER: gettext_lazy("close to the target"),
    Status.RED: gettext_lazy("target missed"),
    Status.NO_TARGET: gettext_lazy("no target set"),
    Status.MISSING: gettext_lazy("no data"),
    Status.NOT_COMPARED: gettext_lazy("reported as it is"),
}

# Amber: within this share of the target.
AMBER_BAND = 0.1


def area_index(prefix: str = "") -> dict[str, AreaInfo]:
    qs = Area.objects.all()
    if prefix:
        qs = qs.filter(code__startswith=prefix)
    parents = dict(Area.objects.values_list("pk", "code"))
    return {
        code: AreaInfo(code, name, level, kind, parents.get(parent_id) if parent_id else None)
        for code, name, level, kind, parent_id in qs.values_list("code", "name", "level", "kind", "parent_id")
    }


def compute_all(
    *, as_of: dt.date, area_code: str = "", codes: Iterable[str] | None = None
) -> tuple[Context, dict[str, dict[str, Figure]]]:
    """Every indicator (or those of `codes`) for every area of the subtree of `area_code` (all areas when
    empty), computed from the raw rows in bulk: {indicator code: {area code: Figure}}."""
    prefix = prefix_of(area_code) if area_code else ""
    ctx = Context(as_of=as_of, areas=area_index(prefix), prefix=prefix)
    wanted = set(codes) if codes is not None else None
    out = {}
    for ind in definitions():
        if wanted is None or ind.code in wanted:
            out[ind.code] = ind.compute(ctx)
    return ctx, out


def value_of(code: str, area_code: str, as_of: dt.date) -> float | None:
    """The value of one indicator for one area on one day, from the raw rows (the registry's function
    restricted to the area's subtree)."""
    ind = definition(code)
    if ind is None:
        raise ApplicationError("not_found", _("No such indicator."), {"field": "code", "value": code}, status=404)
    _ctx, figures = compute_all(as_of=as_of, area_code=area_code, codes=[code])
    return ind.value(figures[code].get(area_code))


def parse_area(code: str) -> str:
    try:
        return check_code(code)
    except CodeError as exc:
        raise ApplicationError("invalid", _("Area code: %(problem)s") % {"problem": exc}, {"field": "area"}) from exc


@dataclass
class Cell:
    """One indicator for one area: value, numerator, denominator, where it comes from and as of when."""

    indicator: Indicator
    area_code: str
    value: float | None
    numerator: float | None
    denominator: float | None
    as_of: dt.date
    computed_at: dt.datetime | None
    source: str  # "snapshot" or "live"
    target: float | None = None
    status: str = Status.MISSING

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def targets_for(area_codes: Iterable[str], year: int) -> dict[tuple[str, str], float]:
    return {
        (code, area): value
        for code, area, value in IndicatorTarget.objects.filter(area_code__in=list(area_codes), year=year).values_list(
            "code", "area_code", "value"
        )
    }


def status_of(ind: Indicator, value: float | None, target: float | None) -> str:
    if ind.target == TargetKind.NONE:
        return Status.NOT_COMPARED if value is not None else Status.MISSING
    if value is None:
        return Status.MISSING
    if target is None:
        return Status.NO_TARGET
    if ind.direction == Direction.HIGHER:
        if value >= target:
            return Status.GREEN
        return Status.AMBER if value >= target * (1 - AMBER_BAND) else Status.RED
    if value <= target:
        return Status.GREEN
    return Status.AMBER if value <= target * (1 + AMBER_BAND) or (target == 0 and value == 0) else Status.RED


def _with_targets(cells: list[Cell], year: int) -> list[Cell]:
    targets = targets_for({c.area_code for c in cells}, year)
    for c in cells:
        c.target = targets.get((c.indicator.code, c.area_code))
        c.status = status_of(c.indicator, c.value, c.target)
    return cells


def latest_snapshot_date(area_codes: Iterable[str], as_of: dt.date) -> dt.date | None:
    return (
        Snapshot.objects.filter(area_code__in=list(area_codes), date__lte=as_of)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )


def values_snapshot(area_codes: list[str], as_of: dt.date) -> list[Cell] | None:
    """The cells of the latest snapshot day on or before `as_of` holding the first of these areas (the one
    asked for; its children were taken with it); None without one."""
    day = latest_snapshot_date(area_codes[:1], as_of)
    if day is None:
        return None
    defs = {i.code: i for i in definitions()}
    cells = []
    for s in Snapshot.objects.filter(area_code__in=area_codes, date=day, code__in=list(defs)):
        cells.append(
            Cell(defs[s.code], s.area_code, s.value, s.numerator, s.denominator, s.date, s.computed_at, "snapshot")
        )
    return _with_targets(cells, as_of.year)


def values_live(area_code: str, as_of: dt.date, area_codes: list[str] | None = None) -> list[Cell]:
    """The cells computed now from the raw rows for `area_code` and its subtree (or only `area_codes`)."""
    ctx, figures = compute_all(as_of=as_of, area_code=area_code)
    wanted = area_codes or list(ctx.areas)
    now = timezone.now()
    cells = []
    for ind in definitions():
        for code in wanted:
            fig = figures[ind.code].get(code)
            if fig is None:
                continue
            cells.append(Cell(ind, code, ind.value(fig), fig.numerator, fig.denominator, as_of, now, "live"))
    return _with_targets(cells, as_of.year)


@dataclass
class Dashboard:
    area: Area
    children: list[Area]
    as_of: dt.date
    source: str
    computed_at: dt.datetime | None
    rows: list[dict[str, Any]]  # per indicator: its cell for the area, the cells of the children


def dashboard(*, viewer: AnyUser, code: str, as_of: dt.date | None = None, live: bool = False) -> Dashboard:
    """Every indicator of the area with each child's value: from the latest snapshot on or before `as_of`,
    or computed from the raw rows when there is none (or `live`)."""
    require(viewer, Perm.INDICATOR_VIEW)
    area = area_get(viewer=viewer, code=parse_area(code))
    day = as_of or timezone.localdate()
    children = list(Area.objects.filter(parent=area).order_by("code"))
    codes = [area.code, *(c.code for c in children)]
    cells = None if live else values_snapshot(codes, day)
    if cells is None:
        cells = values_live(area.code, day, codes)
    by = {(c.indicator.code, c.area_code): c for c in cells}
    rows = []
    for ind in definitions():
        if not ind.applies_to(area.level):
            continue
        main = by.get((ind.code, area.code))
        if main is None:
            continue
        rows.append(
            {
                "indicator": ind,
                "cell": main,
                "children": [
                    (child, by.get((ind.code, child.code))) for child in children if ind.applies_to(child.level)
                ],
            }
        )
    first = cells[0] if cells else None
    return Dashboard(
        area=area,
        children=children,
        as_of=first.as_of if first else day,
        source=first.source if first else "live",
        computed_at=first.computed_at if first else None,
        rows=rows,
    )


def series(*, viewer: AnyUser, code: str, indicator: str, months: int = 12) -> list[dict[str, Any]]:
    """The indicator's value on the last snapshot day of each month (at most `months`, oldest first)."""
    require(viewer, Perm.INDICATOR_VIEW)
    area = area_get(viewer=viewer, code=parse_area(code))
    ind = definition(indicator)
    if ind is None:
        raise ApplicationError(
            "not_found", _("No such indicator."), {"field": "indicator", "value": indicator}, status=404
        )
    last: dict[str, Snapshot] = {}
    for s in Snapshot.objects.filter(area_code=area.code, code=ind.code).order_by("date"):
        last[s.date.strftime("%Y-%m")] = s
    points = [
        {"month": m, "date": s.date, "value": s.value, "numerator": s.numerator, "denominator": s.denominator}
        for m, s in sorted(last.items())
    ]
    return points[-months:]


def snapshot_dates(*, area_code: str) -> list[dt.date]:
    return list(
        Snapshot.objects.filter(area_code=area_code).values_list("date", flat=True).distinct().order_by("-date")[:400]
    )


def targets_visible(*, viewer: AnyUser, year: int | None = None) -> Any:
    require(viewer, Perm.INDICATOR_VIEW)
    qs = IndicatorTarget.objects.visible_to(viewer)
    return qs.filter(year=year) if year else qs
