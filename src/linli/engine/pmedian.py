"""The p-median: open `p` new sites minimising the weighted distance of every demand point to its nearest
open site, solved exactly with HiGHS (or, with few open sites, `linli.engine.pmedian_lagrange`).

A greedy heuristic with vertex interchange gives the solvers their starting solution. The radius
formulation (Elloumi 2010; García, Labbé & Marín 2011): for each client the distinct candidate distances
D1 < D2 < ... are levels, and z[k] = 1 when no open site lies within D[k]; the client's cost is
D1 + sum_k (D[k+1] - D[k]) z[k]. Only the first levels of each client are kept; the truncated model is a
relaxation, and levels are added for the clients whose LP or MIP solution reaches beyond them until the
solution is exact, which proves optimality for the full problem.

`pmedian_cost` is the objective, the one definition every caller uses (the planning side reports it too).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from linli.engine import highs
from linli.engine.pmedian_lagrange import lagrangian_pmedian
from linli.engine.siting_inputs import (
    InfeasibleError,
    check_distances,
    check_existing,
    check_p,
    check_time_limit,
    check_weights,
)


@dataclass(frozen=True)
class PMedianResult:
    """A p-median solution.

    `facilities` are all open candidate indices (existing included), `added` the new ones; `assignment`
    gives each demand point's nearest open candidate; `objective` the weighted distance sum;
    `lower_bound` the proven bound, `gap` = (objective - lower_bound) / objective; `optimal` is True when
    the solution is proven optimal; `heuristic_objective` is the starting solution's value.
    """

    objective: float
    facilities: np.ndarray
    added: np.ndarray
    assignment: np.ndarray
    optimal: bool
    gap: float
    lower_bound: float
    seconds: float
    heuristic_objective: float


def _assign(d: np.ndarray, open_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sub = d[:, open_]
    k = np.argmin(sub, axis=1)
    return open_[k], sub[np.arange(len(d)), k]


def pmedian_greedy(d: np.ndarray, w: np.ndarray, p: int, existing: np.ndarray) -> np.ndarray:
    """Greedy addition: repeatedly open the candidate that lowers the weighted cost most."""
    big = 10.0 * (np.max(d[np.isfinite(d)], initial=0.0) + 1.0)
    cur = d[:, existing].min(axis=1) if len(existing) else np.full(d.shape[0], big)
    cur = np.minimum(cur, big)
    chosen = list(existing)
    is_open = np.zeros(d.shape[1], dtype=bool)
    is_open[existing] = True
    for _ in range(p):
        saving = w @ np.maximum(cur[:, None] - d, 0.0)
        saving[is_open] = -1.0
        j = int(np.argmax(saving))
        chosen.append(j)
        is_open[j] = True
        cur = np.minimum(cur, d[:, j])
    return np.array(sorted(chosen), dtype=np.int64)


def pmedian_interchange(
    d: np.ndarray, w: np.ndarray, open_: np.ndarray, existing: np.ndarray, deadline: float
) -> np.ndarray:
    """Best-improvement vertex interchange (Teitz & Bart) with the gain/loss/extra decomposition of
    Resende & Werneck, evaluated for all swaps at once."""
    n, m = d.shape
    big = 10.0 * (np.max(d[np.isfinite(d)], initial=0.0) + 1.0)
    dd = np.minimum(d, big)
    open_ = open_.copy()
    fixed = np.isin(open_, existing)
    while time.perf_counter() < deadline and len(open_) < m:
        sub = dd[:, open_]
        if len(open_) > 1:
            part = np.argpartition(sub, 1, axis=1)[:, :2]
            a, b = sub[np.arange(n), part[:, 0]], sub[np.arange(n), part[:, 1]]
            c1 = np.where(a <= b, part[:, 0], part[:, 1])
            d1, d2 = np.minimum(a, b), np.maximum(a, b)
        else:
            c1, d1, d2 = np.zeros(n, dtype=np.int64), sub[:, 0], np.full(n, big)
        gain = w @ np.maximum(d1[:, None] - dd, 0.0)
        loss = np.bincount(c1, weights=w * (d2 - d1), minlength=len(open_))
        extra_c = w[:, None] * np.maximum(d2[:, None] - np.maximum(d1[:, None], dd), 0.0)
        owner = sp.csr_matrix((np.ones(n), (c1, np.arange(n))), shape=(len(open_), n))
        extra = owner @ extra_c
        saving = gain[None, :] - loss[:, None] + extra
        saving[:, open_] = -np.inf
        saving[fixed, :] = -np.inf
        r, j = np.unravel_index(int(np.argmax(saving)), saving.shape)
        if saving[r, j] <= 1e-9 * max(1.0, float(w @ d1)):
            break
        open_[r] = j
    return np.sort(open_)


def pmedian_cost(d: np.ndarray, w: np.ndarray, open_: np.ndarray) -> float:
    """The p-median objective: the weighted distance of every demand point to its nearest open site.

    Parameters
    ----------
    d : (n, m) float array
        Distances (``inf`` = unreachable).
    w : (n,) float array
        Weights, >= 0; a point of weight 0 does not count (it may be unreachable).
    open_ : (k,) int array, k >= 1
        Open columns.

    Returns
    -------
    float
        ``inf`` when a point of positive weight reaches no open site.
    """
    dist = d[:, open_].min(axis=1)
    pos = w > 0  # a zero-weight point may be unreachable (0 * inf would be nan)
    return float(w[pos] @ dist[pos]) if np.all(np.isfinite(dist[pos])) else np.inf


@dataclass(frozen=True)
class _Truncated:
    """A truncated radius model as HiGHS input; `zi`, `zk` give the client and 0-based level of each z."""

    cost: np.ndarray
    a: sp.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    offset: float
    zi: np.ndarray
    zk: np.ndarray

    def solve(self, n_y: int, *, mip: bool, deadline: float, start: np.ndarray | None = None) -> highs.Solved:
        integer = None
        if mip:
            integer = np.zeros(self.a.shape[1], dtype=bool)
            integer[:n_y] = True
        return highs.solve(
            self.cost,
            self.a,
            self.row_lower,
            self.row_upper,
            self.col_lower,
            self.col_upper,
            integer,
            offset=self.offset,
            time_limit=deadline - time.perf_counter(),
            start=start,
        )


class _RadiusModel:
    """The sorted-distance levels of every client over a set of candidates, and truncated models."""

    def __init__(self, d: np.ndarray, w: np.ndarray, n_open: int) -> None:
        n, m = d.shape
        self.d, self.w = d, w
        self.order = np.argsort(d, axis=1, kind="stable")
        ds = np.take_along_axis(d, self.order, axis=1)
        self.sorted = ds
        new = np.ones((n, m), dtype=bool)
        new[:, 1:] = ds[:, 1:] != ds[:, :-1]
        self.level = np.cumsum(new, axis=1) - 1  # 0-based level of each sorted position
        self.finite = np.isfinite(ds)
        n_finite_levels = np.where(self.finite.any(axis=1), (self.level * self.finite).max(axis=1) + 1, 0)
        # With n_open sites open, one of the (m - n_open + 1) closest candidates is open: deeper levels
        # never matter.
        pigeon = self.level[:, m - n_open] + 1
        self.cap = np.where(np.isfinite(ds[:, m - n_open]), pigeon, n_finite_levels)
        # Level values U[i, k] as a ragged array: values[ptr[i] + k].
        self.ptr = np.concatenate([[0], np.cumsum(new.sum(axis=1))])
        self.values = ds[new]

    def value(self, k: np.ndarray) -> np.ndarray:
        """U[i, k[i]] (0-based level k) for every client."""
        return self.values[self.ptr[:-1] + k]

    def keep_for(self, dist: np.ndarray) -> np.ndarray:
        """Number of levels (1-based) needed to cost distances `dist[i]` exactly, within 1..cap."""
        pos = np.minimum((self.sorted < dist[:, None]).sum(axis=1), self.sorted.shape[1] - 1)
        keep = self.level[np.arange(len(dist)), pos] + 1
        return np.clip(np.where(np.isfinite(dist), keep, self.cap), 1, self.cap)

    def build(self, keep: np.ndarray, n_open: int, existing: np.ndarray) -> _Truncated:
        """Truncated model keeping levels 1..keep[i] (1-based) of client i.

        Columns: y (m candidates) then z[i, k] for k = 1..keep[i]-1 (z[i, k] = 1 when no open site is
        within U[i, k]). Rows per client: level k for k = 1..keep[i]-1, plus level keep[i] when it is the
        client's last useful level (a hard row).
        """
        n, m = self.d.shape
        nz = keep - 1
        nrows = nz + (keep >= self.cap)
        zoff = m + np.concatenate([[0], np.cumsum(nz)])
        roff = np.concatenate([[0], np.cumsum(nrows)])
        ci, pos = np.nonzero((self.level < nrows[:, None]) & self.finite)
        y_rows = roff[ci] + self.level[ci, pos]
        y_cols = self.order[ci, pos]
        # z[i, k] is +1 in row k and -1 in row k+1 when that row exists.
        zi = np.repeat(np.arange(n), nz)
        zk = np.arange(len(zi)) - np.repeat(zoff[:-1] - m, nz)
        zcol = zoff[zi] + zk
        nxt = zk + 1 < nrows[zi]
        rows = np.concatenate([y_rows, roff[zi] + zk, roff[zi[nxt]] + zk[nxt] + 1, np.full(m, roff[-1])])
        cols = np.concatenate([y_cols, zcol, zcol[nxt], np.arange(m)])
        vals = np.concatenate([np.ones(len(y_rows)), np.ones(len(zi)), -np.ones(int(nxt.sum())), np.ones(m)])
        n_rows, n_cols = int(roff[-1]) + 1, int(zoff[-1])
        row_lower = np.zeros(n_rows)
        row_lower[roff[:-1][nrows > 0]] = 1.0
        row_lower[-1] = n_open
        row_upper = np.full(n_rows, np.inf)
        row_upper[-1] = n_open
        step = self.values[self.ptr[:-1][zi] + zk + 1] - self.values[self.ptr[:-1][zi] + zk]
        col_lower = np.zeros(n_cols)
        col_lower[existing] = 1.0
        col_upper = np.concatenate([np.ones(m), np.full(n_cols - m, np.inf)])
        return _Truncated(
            cost=np.concatenate([np.zeros(m), self.w[zi] * step]),
            a=sp.csc_matrix((vals, (rows, cols)), shape=(n_rows, n_cols)),
            row_lower=row_lower,
            row_upper=row_upper,
            col_lower=col_lower,
            col_upper=col_upper,
            offset=float(self.w @ self.values[self.ptr[:-1]]),
            zi=zi,
            zk=zk,
        )

    def start(self, model: _Truncated, open_: np.ndarray) -> np.ndarray:
        """Full column vector of a truncated model for the integer solution `open_`."""
        y = np.zeros(self.d.shape[1])
        y[open_] = 1.0
        dist = self.d[:, open_].min(axis=1)
        z = (dist[model.zi] > self.values[self.ptr[:-1][model.zi] + model.zk]).astype(np.float64)
        return np.concatenate([y, z])

    def reach(self, y: np.ndarray) -> np.ndarray:
        """Levels (1-based) at which each client's cumulative fractional coverage by `y` reaches 1."""
        cum = np.cumsum(np.where(self.finite, y[self.order], 0.0), axis=1)
        pos = np.argmax(cum >= 1.0 - 1e-6, axis=1)
        lvl = self.level[np.arange(self.d.shape[0]), pos] + 1
        return np.minimum(np.where(cum[:, -1] >= 1.0 - 1e-6, lvl, self.cap), self.cap)


# Up to this many sites to open (existing included) `p_median` uses the Lagrangian method; see its docstring.
_LAGRANGE_MAX_OPEN = 10


def p_median(
    distances: ArrayLike,
    p: int,
    *,
    weights: ArrayLike | None = None,
    existing: ArrayLike | None = None,
    time_limit: float = 60.0,
) -> PMedianResult:
    """Open `p` new sites (besides `existing`) minimising the weighted distance of every demand point to
    its nearest open site. Exact within `time_limit` seconds (then `optimal` is True and `gap` 0).

    Steps: greedy + interchange heuristic (upper bound UB); LP of the truncated radius model, where
    levels are added until the LP is exact; reduced-cost fixing against UB removes the candidates that
    cannot be in a better solution; an interchange started from the LP's largest sites may improve UB;
    finally the MIP, deepening the clients its solution sends beyond their kept levels, until its
    solution is costed exactly or its bound reaches UB.

    With at most `_LAGRANGE_MAX_OPEN` (10) open sites, finite distances and some positive weight, the
    Lagrangian branch-and-bound of `linli.engine.pmedian_lagrange` replaces the radius steps: at small p
    the radius MIP ran 60 s at n >= 500 without closing a 0.5-1 % gap, and the Benders method
    (`linli.engine.pmedian_benders`, kept but no longer called here) still stopped at 60 s for
    n = 700-900, p = 5 and 10, which the Lagrangian search proves in seconds (see docs/benchmarks.md).
    For p = 20-70 it showed no clear gain over the radius formulation, which larger p keep (no finer
    crossover was measured).
    """
    t0 = time.perf_counter()
    d = check_distances(distances)
    n, m = d.shape
    w = check_weights(weights, n)
    ex = check_existing(existing, m)
    p = check_p(p, m, len(ex))
    deadline = t0 + check_time_limit(time_limit)
    n_open = p + len(ex)
    unreachable = np.flatnonzero(~np.isfinite(d).any(axis=1) & (w > 0))
    if len(unreachable):
        raise InfeasibleError("no candidate site reaches", unreachable)

    best = pmedian_interchange(d, w, pmedian_greedy(d, w, p, ex), ex, t0 + 0.2 * (deadline - t0))
    best_cost = heuristic_cost = pmedian_cost(d, w, best)
    lower = -np.inf
    optimal = False
    positive = w > 0
    benders = n_open <= _LAGRANGE_MAX_OPEN and n_open < m and positive.any() and np.isfinite(d[positive]).all()
    if benders:
        outcome = lagrangian_pmedian(
            d, w, p, ex, best, deadline, local_search=lambda s, until: pmedian_interchange(d, w, s, ex, until)
        )
        best, lower, optimal = outcome.best, outcome.lower, outcome.optimal
        best_cost = pmedian_cost(d, w, best)

    cand = np.arange(m)  # surviving candidates (global indices); `best` and `ex` always survive
    model = _RadiusModel(d, w, n_open)
    keep = np.minimum(model.keep_for(d[:, best].min(axis=1)) + 1, model.cap)
    guided_for: np.ndarray | None = None
    while not benders and time.perf_counter() < deadline:
        tol = 1e-7 * max(1.0, abs(best_cost))
        trunc = model.build(keep, n_open, np.searchsorted(cand, ex))
        lp = trunc.solve(len(cand), mip=False, deadline=deadline)
        if lp.x is None or lp.reduced_cost is None:
            break
        lower = max(lower, min(lp.objective, best_cost))
        if lower >= best_cost - tol:
            optimal = True
            break
        y, rc = lp.x[: len(cand)], lp.reduced_cost[: len(cand)]
        alive = (lp.objective + rc <= best_cost + tol) | np.isin(cand, ex) | np.isin(cand, best)
        if alive.sum() < 0.9 * len(cand):
            thresholds = model.value(keep - 1)
            cand = cand[alive]
            model = _RadiusModel(d[:, cand], w, n_open)
            keep = np.maximum(model.keep_for(thresholds), 1)
            continue
        need = model.reach(y)
        if (need > keep).any():
            keep = np.where(need > keep, np.maximum(need, keep + 1), keep)
            continue
        # The LP is exact. Try an interchange from its largest sites once per candidate set.
        ex_local = np.searchsorted(cand, ex)
        if guided_for is not cand:
            guided_for = cand
            order = np.argsort(-y, kind="stable")
            top = np.sort(np.concatenate([ex_local, order[~np.isin(order, ex_local)][:p]]))
            guided = cand[pmedian_interchange(d[:, cand], w, top, ex_local, deadline)]
            if pmedian_cost(d, w, guided) < best_cost:
                best, best_cost = guided, pmedian_cost(d, w, guided)
                continue
        break

    while not benders and not optimal and time.perf_counter() < deadline:
        trunc = model.build(keep, n_open, np.searchsorted(cand, ex))
        res = trunc.solve(len(cand), mip=True, deadline=deadline, start=model.start(trunc, np.searchsorted(cand, best)))
        if res.infeasible:
            raise InfeasibleError(f"no choice of {p} new sites reaches every demand point", np.arange(n))
        if np.isfinite(res.bound):
            lower = max(lower, min(res.bound, best_cost))
        if res.x is None:
            break
        sol_local = np.flatnonzero(res.x[: len(cand)] > 0.5)
        sol_cost = pmedian_cost(d, w, cand[sol_local])
        if sol_cost < best_cost:
            best, best_cost = cand[sol_local], sol_cost
        if not res.optimal:
            break
        if lower >= best_cost - 1e-7 * max(1.0, abs(best_cost)):
            optimal = True
            break
        dist = model.d[:, sol_local].min(axis=1)
        beyond = dist > model.value(keep - 1)
        if not beyond.any():
            optimal = True
            break
        keep = np.where(beyond, np.maximum(model.keep_for(dist), keep + 1), keep)

    assignment, _ = _assign(d, best)
    gap = 0.0 if optimal else highs.relative_gap(best_cost, lower, maximize=False)
    return PMedianResult(
        objective=best_cost,
        facilities=best,
        added=np.setdiff1d(best, ex),
        assignment=assignment,
        optimal=optimal or gap == 0.0,
        gap=gap,
        lower_bound=best_cost if optimal else lower,
        seconds=time.perf_counter() - t0,
        heuristic_objective=heuristic_cost,
    )
