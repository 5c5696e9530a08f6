"""Maximal covering (MCLP, Church & ReVelle 1974): open `p` new sites maximising the demand weight within a
radius of an open site, solved exactly (reductions, then `linli.engine.mclp_search`)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from linli.engine import highs, mclp_search
from linli.engine.siting_inputs import (
    SitingError,
    check_existing,
    check_p,
    check_time_limit,
    check_weights,
    coverage_matrix,
)


@dataclass(frozen=True)
class MCLPResult:
    """A maximal covering solution: `facilities` are all open candidates (existing included), `added` the
    new ones; `covered` flags the demand points within the radius of an open site; `covered_weight` is the
    objective and `upper_bound` the proven bound, `gap` = (upper_bound - covered_weight) / covered_weight."""

    covered_weight: float
    total_weight: float
    facilities: np.ndarray
    added: np.ndarray
    covered: np.ndarray
    optimal: bool
    gap: float
    upper_bound: float
    seconds: float
    heuristic_weight: float


def covered_weight(distances: np.ndarray, weights: np.ndarray, open_: ArrayLike, radius: float) -> float:
    """The MCLP objective of the open columns `open_`: the weight of the demand points within `radius` of
    one of them (0 when none is open).

    Parameters
    ----------
    distances : (n, m) float array
        Dense distances (``inf`` = unreachable).
    weights : (n,) float array
    open_ : (k,) int array_like
        Open columns.
    radius : float

    Returns
    -------
    float
    """
    cols = np.asarray(open_, dtype=np.int64)
    if len(cols) == 0:
        return 0.0
    return float(weights @ (distances[:, cols].min(axis=1) <= radius))


def _mclp_greedy(cover: sp.csr_matrix, w: np.ndarray, p: int, fixed_covered: np.ndarray) -> np.ndarray:
    """Greedy: repeatedly open the candidate covering the most uncovered weight."""
    cover_t = cover.T.tocsr().astype(np.float64)
    todo = np.where(fixed_covered, 0.0, w)
    chosen: list[int] = []
    usable = np.ones(cover.shape[1], dtype=bool)
    for _ in range(min(p, cover.shape[1])):
        gain = cover_t @ todo
        gain[~usable] = -1.0
        j = int(np.argmax(gain))
        chosen.append(j)
        usable[j] = False
        todo[cover_t[j].indices] = 0.0
    return np.array(sorted(chosen), dtype=np.int64)


def _mclp_reduce(cover: sp.csr_matrix, w: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Shrink a covering model without changing its optimum.

    Demand points with the same set of covering candidates become one row with their summed weight
    (rows of zero weight or no candidate are dropped), and a candidate whose rows are a subset of another
    candidate's rows is dropped (of identical ones the first is kept). Returns (rows x kept candidates
    matrix, row weights, kept candidate indices)."""
    cover = sp.csr_matrix(cover, dtype=bool)
    cover.sort_indices()
    live = np.flatnonzero((w > 0) & (np.diff(cover.indptr) > 0))
    groups: dict[bytes, int] = {}
    first: list[int] = []
    agg: list[float] = []
    for i in live:
        key = cover.indices[cover.indptr[i] : cover.indptr[i + 1]].tobytes()
        g = groups.setdefault(key, len(first))
        if g == len(first):
            first.append(int(i))
            agg.append(0.0)
        agg[g] += float(w[i])
    a = cover[np.array(first, dtype=np.int64)].astype(np.float64) if first else sp.csr_matrix((0, cover.shape[1]))
    col = sp.csc_matrix(a)
    size = np.diff(col.indptr)
    inter = (col.T @ col).tocoo()  # inter[j, k] = rows covered by both j and k
    j, k = inter.row, inter.col
    bigger = (size[k] > size[j]) | ((size[k] == size[j]) & (k < j))
    dominated = np.zeros(a.shape[1], dtype=bool)
    dominated[j[(j != k) & (inter.data == size[j]) & bigger]] = True
    dominated[size == 0] = True
    kept = np.flatnonzero(~dominated)
    return sp.csr_matrix(col[:, kept]), np.array(agg), kept


def mclp(
    distances: object,
    radius: float,
    p: int,
    *,
    weights: ArrayLike | None = None,
    existing: ArrayLike | None = None,
    time_limit: float = 60.0,
    mip_gap: float = 0.0,
) -> MCLPResult:
    """Maximal covering: open `p` new sites (besides `existing`, whose coverage counts) maximising the
    weight of the demand points within `radius` of an open site (Church & ReVelle 1974).

    The solve stops once the proven gap is at most `mip_gap` (0: prove optimality); `upper_bound` is the
    proven bound (rounded down when all weights are integers), `gap` is measured from it and `optimal` is
    True only when that gap is 0. Before solving, demand points covered by `existing` or by no candidate are
    dropped, points with the same covering candidates merged and dominated candidates dropped. Then
    (`mclp_search.solve`) the LP relaxation, a bound with the site limit priced at the LP's site price
    (small MIPs solved in integers; usually enough on clustered demand) beside a heuristic search (swaps,
    LP-guided neighbourhood MIPs), and, if that bound does not prove the gap, HiGHS's branch-and-bound from
    the search's best; the result is the best solution found.
    Model: max sum w_i c_i, c_i <= sum of the covering x_j, sum x_j <= p, with binary x and c in [0, 1]
    (integral at an optimum)."""
    t0 = time.perf_counter()
    cover = coverage_matrix(distances, radius)
    n, m = cover.shape
    w = check_weights(weights, n)
    ex = check_existing(existing, m)
    p = check_p(p, m, len(ex))
    deadline = t0 + check_time_limit(time_limit)
    if not 0.0 <= mip_gap < 1.0:
        raise SitingError(f"mip_gap must be in [0, 1), got {mip_gap}")
    fixed = np.asarray(cover[:, ex].sum(axis=1)).ravel() > 0 if len(ex) else np.zeros(n, dtype=bool)
    free = np.setdiff1d(np.arange(m), ex)

    def covered_by(sites: np.ndarray) -> np.ndarray:
        return fixed | (np.asarray(cover[:, sites].sum(axis=1)).ravel() > 0)

    def padded(local: np.ndarray) -> np.ndarray:
        """Global indices of the chosen kept candidates, topped up to p new sites with unused ones."""
        chosen = kept[local]
        return np.sort(np.concatenate([chosen, free[~np.isin(free, chosen)][: p - len(chosen)]]))

    a, wa, kept_local = _mclp_reduce(cover[:, free], np.where(fixed, 0.0, w))
    kept = free[kept_local]
    k, mk = a.shape
    q = min(p, mk)
    start_local = _mclp_greedy(a, wa, q, np.zeros(k, dtype=bool))
    heuristic = float(w @ covered_by(padded(start_local)))
    best_local = start_local
    res: mclp_search.Outcome | None = None
    if 0 < q < mk and k > 0:
        # HiGHS's branch-and-bound in a worker thread, the heuristic search beside it (mclp_search)
        res = mclp_search.solve(a, wa, q, start_local, deadline, mip_gap=mip_gap, offset=float(w @ fixed))
        if float(w @ covered_by(padded(res.sites))) > float(w @ covered_by(padded(best_local))):
            best_local = res.sites
    added = padded(best_local)
    cov = covered_by(added)
    value = float(w @ cov)
    if res is None:  # nothing to decide: every kept candidate opens, or no demand is left to cover
        bound, proven = value, True
    else:
        bound = max(value, res.bound) if np.isfinite(res.bound) else np.inf
        if np.isfinite(bound) and np.all(w == np.round(w)):  # integral weights: so is every covered weight
            bound = max(value, float(np.floor(bound + 1e-9 * max(1.0, abs(bound)))))
        proven = res.optimal and mip_gap == 0.0
    gap = 0.0 if proven else highs.relative_gap(value, bound, maximize=True)
    return MCLPResult(
        covered_weight=value,
        total_weight=float(w.sum()),
        facilities=np.union1d(ex, added),
        added=added,
        covered=cov,
        optimal=proven or gap == 0.0,
        gap=gap,
        upper_bound=value if proven else bound,
        seconds=time.perf_counter() - t0,
        heuristic_weight=heuristic,
    )
