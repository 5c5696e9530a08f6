"""The ONE registry of indicator definitions (指标定义).

An indicator is a definition: a code, its Chinese and English name, unit, direction (higher or lower is
better), the formula in words and as a function, the target it is compared with, the area levels it applies
to and the sentence of the source report it fills. The dashboard, the workbench panel, the snapshots, the
report, the API and the open data all read `REGISTRY`, so one figure never differs between two places.

A formula is computed in bulk: `compute(ctx)` answers for every area of the context at once (a few grouped
queries, never one per area), as `{area_code: Figure(numerator, denominator)}`. The value of one area on one
day is `value_of(code, area_code, as_of)`, the same function restricted to that area's subtree.

Adding an indicator (organisations, points, procurement, construction...) is one `register(Indicator(...))`
in `linli/indicators/formulas.py` (or a module it imports) with a compute function over that app's selectors.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils import translation

from linli.areas.codes import SEGMENTS, prefix_of
from linli.areas.enums import AreaLevel


class Unit(StrEnum):
    COUNT = "count"  # 个 (facilities, items)
    BEDS = "beds"  # 张
    PERCENT = "percent"  # %
    SCORE = "score"  # points on a 1-5 scale
    HOURS = "hours"  # 小时 (volunteer hours)
    PERSON_TIMES = "person_times"  # 人次 (staff sent down)
    POINTS = "points"  # 积分 (points outstanding)
    WAN_YUAN = "wan_yuan"  # 万元 (funds)


UNIT_LABELS = {
    Unit.COUNT: ("个", ""),
    Unit.BEDS: ("张", " beds"),
    Unit.PERCENT: ("%", "%"),
    Unit.SCORE: ("分", " / 5"),
    Unit.HOURS: ("小时", " h"),
    Unit.PERSON_TIMES: ("人次", " visits"),
    Unit.POINTS: ("积分", " points"),
    Unit.WAN_YUAN: ("万元", " x 10,000 yuan"),
}
# Units whose figure is a plain amount (no denominator): shown as the numerator itself.
AMOUNT_UNITS = (Unit.COUNT, Unit.BEDS, Unit.HOURS, Unit.PERSON_TIMES, Unit.POINTS, Unit.WAN_YUAN)


class Direction(StrEnum):
    HIGHER = "higher"  # more is better
    LOWER = "lower"  # less is better


class TargetKind(StrEnum):
    NONE = "none"  # a count reported as it is
    INDICATOR_TARGET = "indicator_target"  # `IndicatorTarget` rows (per indicator, area, year)


ALL_LEVELS = frozenset({AreaLevel.PROVINCE, AreaLevel.CITY, AreaLevel.COUNTY, AreaLevel.TOWN, AreaLevel.VILLAGE})
ABOVE_VILLAGE = ALL_LEVELS - {AreaLevel.VILLAGE}


@dataclass(frozen=True)
class Figure:
    """A numerator and (for a rate or mean) a denominator; `value` applies the indicator's scale."""

    numerator: float
    denominator: float | None = None


@dataclass(frozen=True)
class AreaInfo:
    code: str
    name: str
    level: str
    kind: str
    parent: str | None


@dataclass
class Context:
    """What a bulk computation runs over: the day, and the areas (the whole tree, or one subtree)."""

    as_of: dt.date
    areas: dict[str, AreaInfo]
    prefix: str = ""  # only records whose area code starts with it
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def day_end(self) -> dt.datetime:
        from django.utils import timezone

        return timezone.make_aware(dt.datetime.combine(self.as_of + dt.timedelta(days=1), dt.time.min))

    @property
    def window_start(self) -> dt.datetime:
        """Flows (bookings, requests, ratings, needs) are counted over the 365 days ending on `as_of`."""
        return self.day_end - dt.timedelta(days=365)

    def scoped(self, qs: Any, field: str = "area_code") -> Any:
        return qs.filter(**{f"{field}__startswith": self.prefix}) if self.prefix else qs

    def ancestors(self, code: str) -> list[str]:
        """`code` and every area above it that exists in the context (for roll-ups)."""
        out = []
        for _level, _start, end in SEGMENTS:
            candidate = code[:end].ljust(12, "0")
            if candidate in self.areas and candidate not in out:
                out.append(candidate)
        return out

    def rollup(self, rows: Iterable[tuple[str, float, float | None]]) -> dict[str, Figure]:
        """Sum (area code of a record, numerator, denominator) into every area above the record, itself
        included. Areas with nothing get 0 / 0 (a count of 0, a rate with no denominator)."""
        num: dict[str, float] = defaultdict(float)
        den: dict[str, float] = defaultdict(float)
        has_den = False
        for code, n, d in rows:
            for a in self.ancestors(code):
                num[a] += n
                if d is not None:
                    has_den = True
                    den[a] += d
        return {code: Figure(num.get(code, 0.0), den.get(code, 0.0) if has_den else None) for code in self.areas}

    def rate_rollup(self, rows: Iterable[tuple[str, float, float]]) -> dict[str, Figure]:
        """Like `rollup`, for a rate: every area has a denominator (0 when nothing was counted)."""
        num: dict[str, float] = defaultdict(float)
        den: dict[str, float] = defaultdict(float)
        for code, n, d in rows:
            for a in self.ancestors(code):
                num[a] += n
                den[a] += d
        return {code: Figure(num.get(code, 0.0), den.get(code, 0.0)) for code in self.areas}


Compute = Callable[[Context], dict[str, Figure]]


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    unit: Unit
    direction: Direction
    formula_zh: str
    formula_en: str
    compute: Compute
    group: str  # a section of the report: "carriers", "functions", "market", "quality"
    source: str  # the sentence of the source report it fills, with the report's title
    levels: frozenset[str] = ALL_LEVELS
    target: TargetKind = TargetKind.INDICATOR_TARGET
    scale: float = 1.0  # value = numerator / denominator * scale (100 for a percentage)
    blank: str = ""  # the blank of the source report it fills ("已建成邻里中心*个")
    order: int = 100

    @property
    def name(self) -> str:
        return self.name_zh if _chinese() else self.name_en

    @property
    def formula(self) -> str:
        return self.formula_zh if _chinese() else self.formula_en

    @property
    def unit_label(self) -> str:
        zh, en = UNIT_LABELS[self.unit]
        return zh if _chinese() else en

    def value(self, figure: Figure | None) -> float | None:
        """The figure as shown: a count, or numerator / denominator x scale; None when the denominator is 0
        (nothing to divide: the figure is missing, not zero)."""
        if figure is None:
            return None
        if self.unit in AMOUNT_UNITS and figure.denominator is None:
            return figure.numerator
        if not figure.denominator:
            return None
        return figure.numerator / figure.denominator * self.scale

    def applies_to(self, level: str) -> bool:
        return level in self.levels


def _chinese() -> bool:
    return (translation.get_language() or "zh-hans").lower().startswith("zh")


REGISTRY: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    if indicator.code in REGISTRY:
        raise ValueError(f"indicator {indicator.code!r} is registered twice")
    REGISTRY[indicator.code] = indicator
    return indicator


def definitions() -> list[Indicator]:
    """Every indicator, in the order of the report."""
    from linli.indicators import formulas, formulas_apps  # noqa: F401  (fill the registry)

    return sorted(REGISTRY.values(), key=lambda i: (i.order, i.code))


def definition(code: str) -> Indicator | None:
    definitions()
    return REGISTRY.get(code)


def area_prefix(code: str) -> str:
    return prefix_of(code)
