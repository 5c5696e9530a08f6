"""Planning standards checked on arrays of areas, facilities and demand points (the rules come from
`linli.engine.standards_rules`).

An area's facilities and points are those whose area code starts with the area's prefix (2, 4, 6, 9 or 12
digits of the 12-digit statistical code, by level). Usable without Django: ``standards_rules.load_rules(path)``,
build `Areas`, `Facilities` (and `Points` + an `access.Accessibility` for circle rules), call ``evaluate``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from linli.engine.access import Accessibility
from linli.engine.standards_rules import LEVEL_DIGITS, Rule, Rules


class StandardsError(ValueError):
    """Bad arrays given to `evaluate` (the message names the input)."""


# ---------------------------------------------------------------------------------------------- inputs


def _array(name: str, values: ArrayLike, n: int | None, dtype: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=dtype)
    if arr.ndim != 1:
        raise StandardsError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if n is not None and len(arr) != n:
        raise StandardsError(f"{name} has {len(arr)} values, expected {n}")
    return arr


def _counts(name: str, values: ArrayLike, n: int) -> np.ndarray:
    arr = _array(name, values, n, np.float64)
    bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
    if len(bad):
        raise StandardsError(f"{name} must be finite and >= 0; bad at position(s) {bad[:20].tolist()}")
    return arr


@dataclass(frozen=True)
class Areas:
    """Areas to check: 12-digit `code`, `level` (town, village …), `kind` (urban/rural), and the residents
    and households living in each (for higher levels, the sums of their communities and villages)."""

    code: np.ndarray
    level: np.ndarray
    kind: np.ndarray
    residents: np.ndarray
    households: np.ndarray

    def __post_init__(self) -> None:
        code = _array("areas.code", self.code, None, "U12")
        n = len(code)
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "level", _array("areas.level", self.level, n, str))
        object.__setattr__(self, "kind", _array("areas.kind", self.kind, n, str))
        object.__setattr__(self, "residents", _counts("areas.residents", self.residents, n))
        object.__setattr__(self, "households", _counts("areas.households", self.households, n))
        bad = sorted(set(self.level.tolist()) - set(LEVEL_DIGITS))
        if bad:
            raise StandardsError(f"areas.level has unknown level(s) {bad}; known: {list(LEVEL_DIGITS)}")


@dataclass(frozen=True)
class Facilities:
    """Facilities: `type_code`, the `area_code` (12 digits) they lie in, `floor_area` in m² (NaN unknown)."""

    type_code: np.ndarray
    area_code: np.ndarray
    floor_area: np.ndarray

    def __post_init__(self) -> None:
        types = _array("facilities.type_code", self.type_code, None, str)
        n = len(types)
        floor = _array("facilities.floor_area", self.floor_area, n, np.float64)
        bad = np.flatnonzero(floor < 0)
        if len(bad):
            raise StandardsError(f"facilities.floor_area must be >= 0; bad at position(s) {bad[:20].tolist()}")
        object.__setattr__(self, "type_code", types)
        object.__setattr__(self, "area_code", _array("facilities.area_code", self.area_code, n, "U12"))
        object.__setattr__(self, "floor_area", floor)


@dataclass(frozen=True)
class Points:
    """Residential (demand) points: the `area_code` (12 digits) they lie in and their `residents`."""

    area_code: np.ndarray
    residents: np.ndarray

    def __post_init__(self) -> None:
        code = _array("points.area_code", self.area_code, None, "U12")
        object.__setattr__(self, "area_code", code)
        object.__setattr__(self, "residents", _counts("points.residents", self.residents, len(code)))


# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class AreaCheck:
    """One area under one rule: the measured `value` against the `threshold`, and the figures behind it."""

    code: str
    value: float
    threshold: float
    passed: bool
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleCheck:
    """One rule over all its areas. `evaluated` is False (with `reason`) when its inputs were missing;
    `skipped` lists areas the rule does not apply to (no households, no residents)."""

    rule: Rule
    areas: tuple[AreaCheck, ...]
    evaluated: bool = True
    reason: str = ""
    skipped: tuple[str, ...] = ()
    summary: Mapping[str, Any] = field(default_factory=dict)

    @property
    def passing(self) -> tuple[AreaCheck, ...]:
        return tuple(a for a in self.areas if a.passed)

    @property
    def failing(self) -> tuple[AreaCheck, ...]:
        return tuple(a for a in self.areas if not a.passed)


@dataclass(frozen=True)
class Compliance:
    """The checks of every rule, in the rules file's order."""

    rules: Rules
    checks: tuple[RuleCheck, ...]

    def get(self, rule_id: str) -> RuleCheck:
        for check in self.checks:
            if check.rule.id == rule_id:
                return check
        raise KeyError(rule_id)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (infinite or undefined values become None)."""
        return {
            "rules_file": self.rules.source,
            "walking_speed_mps": self.rules.walking_speed_mps,
            "rules": [_check_dict(c, self.rules.walking_speed_mps) for c in self.checks],
        }


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _check_dict(check: RuleCheck, speed: float) -> dict[str, Any]:
    r = check.rule
    params = r.parameters()
    for item in params.get("required", []):
        item["minutes"] = round(item["distance_m"] / speed / 60, 1)
    return {
        "id": r.id,
        "kind": r.kind,
        "title_zh": r.title_zh,
        "title_en": r.title_en,
        "source": r.source,
        "verified": r.verified,
        "note": r.note,
        "level": r.level,
        "area_kind": r.area_kind,
        "parameters": params,
        "evaluated": check.evaluated,
        "reason": check.reason,
        "areas_passed": len(check.passing),
        "areas_failed": len(check.failing),
        "failing": [a.code for a in check.failing],
        "skipped": list(check.skipped),
        "summary": dict(check.summary),
        "areas": [
            {
                "code": a.code,
                "value": _finite(a.value),
                "threshold": _finite(a.threshold),
                "passed": a.passed,
                "detail": dict(a.detail),
            }
            for a in check.areas
        ],
    }


# ------------------------------------------------------------------------------------------ evaluation


def _selected(rule: Rule, areas: Areas) -> np.ndarray:
    keep = areas.level == rule.level
    if rule.area_kind != "any":
        keep &= areas.kind == rule.area_kind
    return np.flatnonzero(keep)


def _member(codes: np.ndarray, area_codes: np.ndarray, digits: int) -> np.ndarray:
    """Position in `area_codes` (all of one level) of the area each code lies in; -1 for none."""
    if len(codes) == 0 or len(area_codes) == 0:
        return np.full(len(codes), -1, dtype=np.int64)
    prefixes = area_codes.astype(f"U{digits}")
    order = np.argsort(prefixes)
    sorted_prefixes = prefixes[order]
    wanted = codes.astype(f"U{digits}")
    pos = np.clip(np.searchsorted(sorted_prefixes, wanted), 0, len(sorted_prefixes) - 1)
    return np.where(sorted_prefixes[pos] == wanted, order[pos], -1)


def _facility_index(rule: Rule, facilities: Facilities, area_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The facilities of the rule's types and the area (position in `area_codes`) each lies in."""
    of_type = np.flatnonzero(np.isin(facilities.type_code, list(rule.types)))
    where = _member(facilities.area_code[of_type], area_codes, LEVEL_DIGITS[rule.level])
    keep = where >= 0
    return of_type[keep], where[keep]


def _by_type(types: np.ndarray) -> dict[str, int]:
    names, counts = np.unique(types, return_counts=True)
    return {str(k): int(v) for k, v in zip(names, counts, strict=True)}


def _one_per_area(rule: Rule, areas: Areas, facilities: Facilities) -> RuleCheck:
    sel = _selected(rule, areas)
    fac, where = _facility_index(rule, facilities, areas.code[sel])
    count = np.bincount(where, minlength=len(sel))
    checks = tuple(
        AreaCheck(
            code=str(areas.code[a]),
            value=float(count[i]),
            threshold=float(rule.min_count),
            passed=bool(count[i] >= rule.min_count),
            detail={"facilities": int(count[i]), "by_type": _by_type(facilities.type_code[fac[where == i]])},
        )
        for i, a in enumerate(sel)
    )
    return RuleCheck(rule=rule, areas=checks)


def _max_residents(rule: Rule, areas: Areas, facilities: Facilities) -> RuleCheck:
    sel = _selected(rule, areas)
    _fac, where = _facility_index(rule, facilities, areas.code[sel])
    count = np.bincount(where, minlength=len(sel))
    limit = rule.max_residents
    checks = []
    for i, a in enumerate(sel):
        residents = float(areas.residents[a])
        n = int(count[i])
        value = residents / n if n else (math.inf if residents > 0 else 0.0)
        needed = math.ceil(residents / limit - 1e-9) if residents > 0 else 0
        detail = {"residents": int(residents), "facilities": n, "facilities_needed": needed, "more": max(0, needed - n)}
        checks.append(
            AreaCheck(code=str(areas.code[a]), value=value, threshold=limit, passed=value <= limit, detail=detail)
        )
    return RuleCheck(rule=rule, areas=tuple(checks))


def _floor_area(rule: Rule, areas: Areas, facilities: Facilities) -> RuleCheck:
    sel = _selected(rule, areas)
    fac, where = _facility_index(rule, facilities, areas.code[sel])
    floor = facilities.floor_area[fac]
    known = np.isfinite(floor)
    total = np.bincount(where[known], weights=floor[known], minlength=len(sel))
    unknown = np.bincount(where[~known], minlength=len(sel))
    count = np.bincount(where, minlength=len(sel))
    target = rule.min_m2_per_100_households
    checks, skipped = [], []
    for i, a in enumerate(sel):
        households = float(areas.households[a])
        if households <= 0:
            skipped.append(str(areas.code[a]))
            continue
        value = float(total[i]) / households * 100
        detail: dict[str, Any] = {
            "floor_area_m2": float(total[i]),
            "households": int(households),
            "facilities": int(count[i]),
            "unknown_floor_area": int(unknown[i]),
            "shortfall_m2": max(0.0, round(target * households / 100 - float(total[i]), 1)),
        }
        if rule.preferred_m2_per_100_households is not None:
            detail["preferred_met"] = value >= rule.preferred_m2_per_100_households
        passed = value >= target
        checks.append(AreaCheck(code=str(areas.code[a]), value=value, threshold=target, passed=passed, detail=detail))
    return RuleCheck(rule=rule, areas=tuple(checks), skipped=tuple(skipped))


def _missing(residents: np.ndarray, lacking: np.ndarray, rule: Rule) -> list[dict[str, Any]]:
    """Required types ordered by the residents lacking them (most first), those lacking none left out."""
    total = float(residents.sum())
    lack = residents @ lacking if len(residents) else np.zeros(len(rule.required))
    order = np.argsort(-lack, kind="stable")
    return [
        {
            "type": rule.required[j].type,
            "residents": round(float(lack[j])),
            "share": round(float(lack[j] / total), 4) if total > 0 else 0.0,
        }
        for j in order
        if lack[j] > 0
    ]


def _circle_set(rule: Rule, areas: Areas, points: Points | None, access: Accessibility | None) -> RuleCheck:
    if points is None or access is None:
        return RuleCheck(rule=rule, areas=(), evaluated=False, reason="no residential points or walking network")
    if access.distance.shape[0] != len(points.area_code):
        raise StandardsError(
            f"access has {access.distance.shape[0]} rows for {len(points.area_code)} points (they must align)"
        )
    sel = _selected(rule, areas)
    where = _member(points.area_code, areas.code[sel], LEVEL_DIGITS[rule.level])
    inside = where >= 0
    where, residents = where[inside], points.residents[inside]
    dist = access.distance[inside]
    lacking = np.ones((len(where), len(rule.required)), dtype=bool)
    for j, req in enumerate(rule.required):
        if req.type in access.types:
            lacking[:, j] = ~(dist[:, access.types.index(req.type)] <= req.distance_m)
    complete = ~lacking.any(axis=1)
    total = np.bincount(where, weights=residents, minlength=len(sel))
    done = np.bincount(where[complete], weights=residents[complete], minlength=len(sel))
    n_points = np.bincount(where, minlength=len(sel))
    n_complete = np.bincount(where[complete], minlength=len(sel))
    checks, skipped = [], []
    for i, a in enumerate(sel):
        if total[i] <= 0:
            skipped.append(str(areas.code[a]))
            continue
        share = float(done[i] / total[i])
        mine = where == i
        detail = {
            "residents": round(float(total[i])),
            "residents_complete": round(float(done[i])),
            "points": int(n_points[i]),
            "points_complete": int(n_complete[i]),
            "missing": _missing(residents[mine], lacking[mine], rule),
        }
        passed = share >= rule.min_share
        checks.append(
            AreaCheck(code=str(areas.code[a]), value=share, threshold=rule.min_share, passed=passed, detail=detail)
        )
    evaluated = total > 0
    all_res, all_done = float(total[evaluated].sum()), float(done[evaluated].sum())
    summary = {
        "residents": round(float(all_res)),
        "residents_complete": round(float(all_done)),
        "share": all_done / all_res if all_res > 0 else 0.0,
        "missing": _missing(residents, lacking, rule),
    }
    return RuleCheck(rule=rule, areas=tuple(checks), skipped=tuple(skipped), summary=summary)


def evaluate(
    rules: Rules,
    areas: Areas,
    facilities: Facilities,
    *,
    points: Points | None = None,
    access: Accessibility | None = None,
) -> Compliance:
    """Check every rule on every area of its level and kind.

    Circle rules need `points` and `access` (row i = point i; columns the facility types, as returned by
    `access.accessibility` for the points); without them they come back with `evaluated=False`. A type
    absent from `access.types` counts as unreachable.
    """
    checks = []
    for rule in rules:
        if rule.kind == "one_per_area":
            checks.append(_one_per_area(rule, areas, facilities))
        elif rule.kind == "max_residents_per_facility":
            checks.append(_max_residents(rule, areas, facilities))
        elif rule.kind == "floor_area_per_households":
            checks.append(_floor_area(rule, areas, facilities))
        else:
            checks.append(_circle_set(rule, areas, points, access))
    return Compliance(rules=rules, checks=tuple(checks))
