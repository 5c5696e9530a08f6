"""Location set covering (LSCP, Toregas et al. 1971): the fewest new sites that bring every demand point
within a radius of an open site, solved exactly with HiGHS from a greedy start."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from linli.engine import highs
from linli.engine.siting_inputs import InfeasibleError, check_existing, check_time_limit, coverage_matrix


@dataclass(frozen=True)
class LSCPResult:
    """A set covering solution: the fewest new sites (`added`) that with `existing` cover every demand
    point; `n_sites` counts the new ones; `lower_bound` is the proven bound on that count."""

    n_sites: int
    facilities: np.ndarray
    added: np.ndarray
    optimal: bool
    gap: float
    lower_bound: float
    seconds: float
    heuristic_sites: int


def _lscp_greedy(cover: sp.csr_matrix) -> np.ndarray:
    """Greedy set cover of every row (most newly covered points first), then drop redundant sites."""
    cover_t = cover.T.tocsr().astype(np.float64)
    todo = np.ones(cover.shape[0])
    chosen: list[int] = []
    while todo.any():
        j = int(np.argmax(cover_t @ todo))
        chosen.append(j)
        todo[cover_t[j].indices] = 0.0
    count = np.asarray(cover[:, chosen].sum(axis=1)).ravel()
    sites = []
    for j in sorted(chosen, key=lambda j: cover_t[j].nnz):
        rows = cover_t[j].indices
        if np.all(count[rows] >= 2):
            count[rows] -= 1
        else:
            sites.append(j)
    return np.array(sorted(sites), dtype=np.int64)


def lscp(
    distances: object,
    radius: float,
    *,
    existing: ArrayLike | None = None,
    time_limit: float = 60.0,
) -> LSCPResult:
    """Location set covering: the fewest new sites such that every demand point is within `radius` of an
    open site (Toregas et al. 1971). Raises InfeasibleError naming the points no candidate reaches."""
    t0 = time.perf_counter()
    cover = coverage_matrix(distances, radius)
    n, m = cover.shape
    ex = check_existing(existing, m)
    deadline = t0 + check_time_limit(time_limit)
    fixed = np.asarray(cover[:, ex].sum(axis=1)).ravel() > 0 if len(ex) else np.zeros(n, dtype=bool)
    unreachable = np.flatnonzero(np.diff(cover.indptr) == 0)
    if len(unreachable):
        raise InfeasibleError(f"no candidate site is within radius={radius:g} of", unreachable)
    free = np.setdiff1d(np.arange(m), ex)
    rows = np.flatnonzero(~fixed)
    if len(rows) == 0:
        return LSCPResult(0, ex, np.empty(0, dtype=np.int64), True, 0.0, 0.0, time.perf_counter() - t0, 0)
    sub = cover[rows][:, free].tocsr()
    greedy = _lscp_greedy(sub)
    start = np.zeros(len(free))
    start[greedy] = 1.0
    res = highs.solve(
        np.ones(len(free)),
        sp.csc_matrix(sub, dtype=np.float64),
        np.ones(len(rows)),
        np.full(len(rows), np.inf),
        np.zeros(len(free)),
        np.ones(len(free)),
        np.ones(len(free), dtype=bool),
        time_limit=deadline - time.perf_counter(),
        start=start,
    )
    chosen = np.flatnonzero(res.x > 0.5) if res.x is not None else greedy
    if len(chosen) > len(greedy):
        chosen = greedy
    added = free[chosen]
    bound = float(np.ceil(res.bound - 1e-6)) if np.isfinite(res.bound) else 0.0
    optimal = res.optimal or bound >= len(added)
    return LSCPResult(
        n_sites=len(added),
        facilities=np.union1d(ex, added),
        added=added,
        optimal=optimal,
        gap=0.0 if optimal else highs.relative_gap(len(added), bound, maximize=False),
        lower_bound=float(len(added)) if optimal else bound,
        seconds=time.perf_counter() - t0,
        heuristic_sites=len(greedy),
    )
