"""One siting question on arrays: solve it with the chosen model, then describe the answer.

`solve` calls `lscp`, `mclp` or `p_median` on a walking-distance matrix whose first columns are the
existing sites. `describe` reports the objective and the coverage before and after the new sites, and each
new site's gains: `gain` is its share of the total improvement when the new sites are added one by one,
the most useful first (the gains add up to after - before), `unique_gain` what the site alone brings given
all the others (the loss if it were dropped), `covered_gain` the weight it newly brings within the radius
in that order, and `served` the weight for which it is the nearest open site.

The objectives are the models' own: `pmedian.pmedian_cost` and `mclp.covered_weight`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from linli.engine.lscp import lscp
from linli.engine.mclp import covered_weight, mclp
from linli.engine.pmedian import p_median, pmedian_cost
from linli.engine.siting_inputs import SitingError

Objective = Literal["mclp", "lscp", "pmedian"]
OBJECTIVES: tuple[Objective, ...] = ("mclp", "lscp", "pmedian")


@dataclass(frozen=True)
class Solution:
    """What `solve` found.

    Attributes
    ----------
    added : (k,) int64 array
        Columns of the new sites.
    optimal : bool
        Proven optimal.
    gap : float
        Proven relative gap.
    bound : float
        The proven bound (MCLP: upper bound on the covered weight; LSCP: lower bound on the number of new
        sites; p-median: lower bound on the weighted distance).
    seconds : float
        Solver time.
    weights : (n,) float array
        The weights solved for: for the p-median, 0 for the demand points no site reaches (see `dropped`).
    dropped : (n,) bool array
        Demand points left out because no site reaches them (p-median only; the covering models count
        them as uncovered).
    """

    added: np.ndarray
    optimal: bool
    gap: float
    bound: float
    seconds: float
    weights: np.ndarray
    dropped: np.ndarray


def solve(
    objective: Objective,
    distances: np.ndarray,
    *,
    weights: ArrayLike,
    existing: ArrayLike,
    k: int | None = None,
    radius: float | None = None,
    time_limit: float = 60.0,
) -> Solution:
    """Solve a siting question.

    Parameters
    ----------
    objective : {"mclp", "lscp", "pmedian"}
    distances : (n, m) float array
        Metres from demand point i to site column j (``inf`` = unreachable).
    weights : (n,) array_like
        Demand weights.
    existing : (e,) int array_like
        Columns of the existing sites (open whatever the solution).
    k : int, optional
        New sites to open (MCLP and p-median).
    radius : float, optional
        Metres that count as covered (MCLP and LSCP).
    time_limit : float
        Seconds.

    Returns
    -------
    Solution

    Raises
    ------
    SitingError
        Bad input, naming it; `InfeasibleError` (a SitingError) when some demand cannot be served.
    """
    w = np.asarray(weights, dtype=np.float64)
    dropped = np.zeros(len(w), dtype=bool)
    if objective == "mclp":
        if k is None or radius is None:
            raise SitingError("mclp needs k and radius")
        m = mclp(distances, radius, k, weights=w, existing=existing, time_limit=time_limit)
        added, optimal, gap, bound, seconds = m.added, m.optimal, m.gap, m.upper_bound, m.seconds
    elif objective == "lscp":
        if radius is None:
            raise SitingError("lscp needs radius")
        s = lscp(distances, radius, existing=existing, time_limit=time_limit)
        added, optimal, gap, bound, seconds = s.added, s.optimal, s.gap, s.lower_bound, s.seconds
    elif objective == "pmedian":
        if k is None:
            raise SitingError("pmedian needs k")
        dropped = ~np.isfinite(distances).any(axis=1)
        w = np.where(dropped, 0.0, w)
        p = p_median(distances, k, weights=w, existing=existing, time_limit=time_limit)
        added, optimal, gap, bound, seconds = p.added, p.optimal, p.gap, p.lower_bound, p.seconds
    else:
        raise SitingError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    return Solution(np.asarray(added, dtype=np.int64), bool(optimal), gap, bound, seconds, w, dropped)


def score(objective: str, distances: np.ndarray, weights: np.ndarray, open_: np.ndarray, radius: float | None) -> float:
    """The objective of the open columns `open_` as a number to maximise: the covered weight (MCLP and
    LSCP, within `radius`), or minus the p-median cost (-inf when some weighted point reaches no open site)."""
    if objective == "pmedian":
        return -pmedian_cost(distances, weights, open_) if len(open_) else -np.inf
    if radius is None:
        raise SitingError(f"{objective} needs a radius to be scored")
    return covered_weight(distances, weights, open_, radius)


@dataclass(frozen=True)
class SiteGain:
    """A new site's contribution (see the module docstring); None where it is not a finite number."""

    column: int
    gain: float | None
    unique_gain: float | None
    covered_gain: float | None
    served: float


@dataclass(frozen=True)
class Report:
    """What `describe` found.

    Attributes
    ----------
    covered_before, covered_after : (n,) bool arrays
        Demand within the radius of an existing site / of any open site (all False without a radius).
    objective_before, objective_after : float
        In the objective's own units: covered weight (MCLP), weighted metres (p-median; inf when someone
        reaches no site), or the number of new sites (LSCP: 0 before).
    sites : tuple of SiteGain
        The new sites, the most useful first.
    """

    covered_before: np.ndarray
    covered_after: np.ndarray
    objective_before: float
    objective_after: float
    sites: tuple[SiteGain, ...]


def describe(
    objective: str,
    distances: np.ndarray,
    weights: ArrayLike,
    existing: ArrayLike,
    added: ArrayLike,
    radius: float | None,
) -> Report:
    """Describe a solution.

    Parameters
    ----------
    objective : {"mclp", "lscp", "pmedian"}
    distances : (n, m) float array
        As given to `solve`.
    weights : (n,) array_like
        `Solution.weights`.
    existing, added : int array_like
        Columns of the existing and of the new sites.
    radius : float, optional
        Metres that count as covered; None reports no coverage (a p-median without a radius).

    Returns
    -------
    Report
    """
    d = np.asarray(distances, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    ex = np.asarray(existing, dtype=np.int64)
    new = np.asarray(added, dtype=np.int64)
    open_all = np.concatenate([ex, new])
    n = len(w)
    after_near = d[:, open_all].min(axis=1) if len(open_all) else np.full(n, np.inf)
    if radius:
        before_near = d[:, ex].min(axis=1) if len(ex) else np.full(n, np.inf)
        covered_before, covered_after = before_near <= radius, after_near <= radius
    else:
        covered_before, covered_after = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        radius = None
    if objective == "lscp":
        before, after = 0.0, float(len(new))
    else:
        before, after = score(objective, d, w, ex, radius), score(objective, d, w, open_all, radius)
        if objective == "pmedian":
            before, after = -before, -after
    assigned = np.argmin(d[:, open_all], axis=1) if len(open_all) else np.zeros(n, dtype=np.int64)
    reach = np.isfinite(after_near)
    sites = tuple(
        SiteGain(j, gain, unique, covered, float(w[(open_all[assigned] == j) & reach].sum()))
        for j, gain, unique, covered in _gains("mclp" if objective == "lscp" else objective, d, w, ex, new, radius)
    )
    return Report(covered_before, covered_after, before, after, sites)


def _gains(
    objective: str, d: np.ndarray, w: np.ndarray, existing: np.ndarray, added: np.ndarray, radius: float | None
) -> list[tuple[int, float | None, float | None, float | None]]:
    """(column, gain in the greedy order, unique gain given all the others, weight newly covered in that
    order) for every added site, the most useful first."""
    everything = np.concatenate([existing, added])
    full = score(objective, d, w, everything, radius)
    unique = {int(j): full - score(objective, d, w, everything[everything != j], radius) for j in added}
    order: list[tuple[int, float | None, float | None, float | None]] = []
    current = [int(j) for j in existing]
    left = [int(j) for j in added]
    while left:
        base = score(objective, d, w, np.array(current, dtype=np.int64), radius)
        values = [score(objective, d, w, np.array([*current, j], dtype=np.int64), radius) for j in left]
        best = int(np.argmax(values))
        j = left.pop(best)
        gain = values[best] - base if np.isfinite(base) and np.isfinite(values[best]) else None
        covered_gain = None
        if radius is not None:
            covered_gain = score("mclp", d, w, np.array([*current, j], dtype=np.int64), radius) - score(
                "mclp", d, w, np.array(current, dtype=np.int64), radius
            )
        current.append(j)
        u = unique[j]
        order.append((j, gain, u if np.isfinite(u) else None, covered_gain))
    return order
