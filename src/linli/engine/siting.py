"""Facility siting: p-median, maximal covering (MCLP) and set covering (LSCP), solved exactly with HiGHS.

Every model takes a cost matrix `distances` of shape (n_demand, n_candidates) (``inf`` = unreachable; for
the covering models it may also be a scipy sparse matrix whose stored entries are the finite distances),
optional demand `weights` and `existing` candidate indices that are open whatever the solution. A greedy
heuristic (with vertex interchange for the p-median) gives HiGHS its starting solution.

The p-median uses the radius formulation (Elloumi 2010; García, Labbé & Marín 2011): for each client the
distinct candidate distances D1 < D2 < ... are levels, and z[k] = 1 when no open site lies within D[k];
the client's cost is D1 + sum_k (D[k+1] - D[k]) z[k]. Only the first levels of each client are kept; the
truncated model is a relaxation, and levels are added for the clients whose LP or MIP solution reaches
beyond them until the solution is exact, which proves optimality for the full problem.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from os import PathLike

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import connected_components, dijkstra

from linli.engine import mclp_search
from linli.engine.pmedian_lagrange import lagrangian_pmedian

_EPS = 1e-7


class SitingError(ValueError):
    """Bad input to a siting model (the message names the input)."""


class InfeasibleError(SitingError):
    """No solution exists; `points` are the demand points that cannot be served."""

    def __init__(self, message: str, points: np.ndarray) -> None:
        self.points = points
        shown = ", ".join(f"#{i}" for i in points[:30])
        more = f" and {len(points) - 30} more" if len(points) > 30 else ""
        super().__init__(f"{message}: demand point(s) {shown}{more}")


# --------------------------------------------------------------------------------------------- inputs


def _dense_distances(distances: object) -> np.ndarray:
    if sp.issparse(distances):
        raise SitingError("distances must be a dense array for the p-median")
    d = np.asarray(distances, dtype=np.float64)
    if d.ndim != 2 or d.shape[0] == 0 or d.shape[1] == 0:
        raise SitingError(f"distances must be a non-empty 2-d array (demand x candidates), got shape {d.shape}")
    bad = np.argwhere(np.isnan(d) | (d < 0))
    if len(bad):
        raise SitingError(f"distances must be >= 0 (inf = unreachable); bad at (demand, candidate) {bad[:10].tolist()}")
    return d


def _weights(weights: object, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,):
        raise SitingError(f"weights must have shape ({n},), got {w.shape}")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if len(bad):
        raise SitingError(f"weights must be finite and >= 0; bad at demand point(s) {bad[:20].tolist()}")
    return w


def _existing(existing: object, m: int) -> np.ndarray:
    if existing is None:
        return np.empty(0, dtype=np.int64)
    e = np.atleast_1d(np.asarray(existing))
    if e.size and not np.issubdtype(e.dtype, np.integer):
        raise SitingError("existing must be candidate indices (integers)")
    e = np.unique(e.astype(np.int64))
    bad = e[(e < 0) | (e >= m)]
    if len(bad):
        raise SitingError(f"existing has candidate indices outside 0..{m - 1}: {bad[:20].tolist()}")
    return e


def _p(p: object, m: int, n_existing: int) -> int:
    if isinstance(p, bool) or not isinstance(p, int | np.integer):
        raise SitingError(f"p must be an integer, got {p!r}")
    p = int(p)
    if p < 0:
        raise SitingError(f"p must be >= 0, got {p}")
    if p + n_existing > m:
        raise SitingError(f"p={p} new sites plus {n_existing} existing exceed the {m} candidate sites")
    if p + n_existing == 0:
        raise SitingError("p must be >= 1 when there are no existing sites")
    return p


def _radius(radius: object) -> float:
    r = float(radius)  # type: ignore[arg-type]
    if not r > 0 or not np.isfinite(r):
        raise SitingError(f"radius must be a positive number of metres, got {radius}")
    return r


def _time_limit(t: float) -> float:
    if not t > 0:
        raise SitingError(f"time_limit must be > 0 seconds, got {t}")
    return float(t)


def coverage_matrix(distances: object, radius: float) -> sp.csr_matrix:
    """Boolean sparse (n_demand, n_candidates) matrix: candidate j covers demand i when d[i, j] <= radius.

    `distances` is a dense array or a sparse matrix whose stored entries (explicit zeros included) are the
    finite distances."""
    r = _radius(radius)
    if sp.issparse(distances):
        coo = sp.coo_matrix(distances)
        if coo.ndim != 2 or 0 in coo.shape:
            raise SitingError(f"distances must be a non-empty 2-d matrix, got shape {coo.shape}")
        if np.any(np.isnan(coo.data) | (coo.data < 0)):
            raise SitingError("distances must be >= 0")
        keep = coo.data <= r
        return sp.csr_matrix((np.ones(int(keep.sum()), dtype=bool), (coo.row[keep], coo.col[keep])), shape=coo.shape)
    d = _dense_distances(distances)
    return sp.csr_matrix(d <= r)


# --------------------------------------------------------------------------------------------- HiGHS


@dataclass(frozen=True)
class _Solved:
    x: np.ndarray | None
    reduced_cost: np.ndarray | None
    objective: float
    bound: float
    optimal: bool
    infeasible: bool


def _highs(
    cost: np.ndarray,
    a: sp.csc_matrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    integer: np.ndarray | None,
    *,
    offset: float = 0.0,
    maximize: bool = False,
    time_limit: float = np.inf,
    start: np.ndarray | None = None,
    rel_gap: float = 0.0,
) -> _Solved:
    """Solve a MIP (or an LP when `integer` is None) with HiGHS, stopping at relative gap `rel_gap`."""
    a = sp.csc_matrix(a)
    lp = highspy.HighsLp()
    lp.num_col_ = a.shape[1]
    lp.num_row_ = a.shape[0]
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.asarray(col_lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(col_upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_upper, dtype=np.float64)
    lp.offset_ = float(offset)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    if maximize:
        lp.sense_ = highspy.ObjSense.kMaximize
    if integer is not None:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous for flag in integer
        ]
    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(__import__("os").environ.get("HLOG")))
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    if np.isfinite(time_limit):
        h.setOptionValue("time_limit", max(float(time_limit), 0.01))
    h.passModel(lp)
    if start is not None and integer is not None:
        h.setSolution(len(start), np.arange(len(start), dtype=np.int32), np.asarray(start, dtype=np.float64))
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    infeasible = status == highspy.HighsModelStatus.kInfeasible
    has_x = info.primal_solution_status == 2  # kSolutionStatusFeasible
    solution = h.getSolution()
    x = np.asarray(solution.col_value) if has_x else None
    reduced = np.asarray(solution.col_dual) if has_x and integer is None and solution.dual_valid else None
    bound = info.objective_function_value if integer is None else info.mip_dual_bound
    return _Solved(
        x=x,
        reduced_cost=reduced,
        objective=float(info.objective_function_value) if has_x else np.nan,
        bound=float(bound),
        optimal=status == highspy.HighsModelStatus.kOptimal,
        infeasible=infeasible,
    )


def _gap(objective: float, bound: float, maximize: bool) -> float:
    if not np.isfinite(bound) or not np.isfinite(objective):
        return np.inf
    diff = bound - objective if maximize else objective - bound
    return max(0.0, diff) / max(abs(objective), 1e-9)


# --------------------------------------------------------------------------------------------- p-median


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


def _pmedian_greedy(d: np.ndarray, w: np.ndarray, p: int, existing: np.ndarray) -> np.ndarray:
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


def _pmedian_interchange(
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


def _pmedian_cost(d: np.ndarray, w: np.ndarray, open_: np.ndarray) -> float:
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

    def solve(self, n_y: int, *, mip: bool, deadline: float, start: np.ndarray | None = None) -> _Solved:
        integer = None
        if mip:
            integer = np.zeros(self.a.shape[1], dtype=bool)
            integer[:n_y] = True
        return _highs(
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
_BENDERS_MAX_OPEN = 10


class _BendersMaster:
    """Benders master of the p-median (Duran-Mateluna, Ales & Elloumi 2023) in a persistent HiGHS model.

    Columns: y (the m candidates) then theta (one per client, its distance); minimise sum_i w_i theta_i
    subject to sum y = n_open and optimality cuts theta_i >= D - sum_{j: d_ij < D} (D - d_ij) y_j, valid for
    every value D (for an integer y the cut at D = the client's nearest open distance is tight). The cuts
    come in closed form from each client's sorted distances; no subproblem is solved."""

    def __init__(self, d: np.ndarray, w: np.ndarray, existing: np.ndarray, n_open: int) -> None:
        n, m = d.shape
        self.d, self.n, self.m = d, n, m
        self.order = np.argsort(d, axis=1, kind="stable")
        self.sorted = np.take_along_axis(d, self.order, axis=1)
        self.tol = 1e-7 * max(1.0, float(self.sorted[:, -1].max()))
        h = highspy.Highs()
        h.setOptionValue("output_flag", bool(__import__("os").environ.get("HLOG")))
        lower = np.zeros(m)
        lower[existing] = 1.0
        h.addVars(m, lower, np.ones(m))
        h.addVars(n, self.sorted[:, 0].copy(), np.full(n, highspy.kHighsInf))
        h.changeColsCost(n, np.arange(m, m + n, dtype=np.int32), np.asarray(w, dtype=np.float64))
        h.addRow(float(n_open), float(n_open), m, np.arange(m, dtype=np.int32), np.ones(m))
        self.h = h

    def cut(self, y: np.ndarray, theta: np.ndarray, tol: float) -> int:
        """Add the deepest cut at `y` of every client whose `theta` is below it by more than `tol`: the cut at
        the distance where y's cumulative coverage of the client reaches 1. Returns the number added."""
        cum = np.cumsum(y[self.order], axis=1)
        pos = np.where(cum[:, -1] >= 1.0 - 1e-9, np.argmax(cum >= 1.0 - 1e-9, axis=1), self.m - 1)
        level = self.sorted[np.arange(self.n), pos]
        coef = np.maximum(level[:, None] - self.d, 0.0)
        viol = np.flatnonzero(level - coef @ y > theta + tol)
        if len(viol) == 0:
            return 0
        rows = sp.hstack(
            [
                sp.csr_matrix(coef[viol]),
                sp.csr_matrix((np.ones(len(viol)), (np.arange(len(viol)), viol)), (len(viol), self.n)),
            ]
        ).tocsr()
        rows.eliminate_zeros()
        self.h.addRows(
            len(viol),
            level[viol],
            np.full(len(viol), highspy.kHighsInf),
            rows.nnz,
            rows.indptr[:-1].astype(np.int32),
            rows.indices.astype(np.int32),
            rows.data.astype(np.float64),
        )
        return len(viol)

    def x(self) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(self.h.getSolution().col_value)
        return x[: self.m], x[self.m :]

    def run(self, deadline: float) -> highspy.HighsModelStatus:
        self.h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))  # per run in HiGHS 1.15
        self.h.run()
        return self.h.getModelStatus()

    def lp(self, deadline: float, stop_above: float = np.inf, core: np.ndarray | None = None) -> float:
        """Cut loop on the LP relaxation until no cut is violated (or its value exceeds `stop_above`); returns
        the last LP value, a lower bound at every step (inf: infeasible; -inf: no LP solved in time). With a
        `core` point, cuts are separated in-out (Ben-Ameur & Neto) between it and the LP solution."""
        value, alpha = -np.inf, 0.5
        while time.perf_counter() < deadline:
            status = self.run(deadline)
            if status == highspy.HighsModelStatus.kInfeasible:
                return np.inf
            if status != highspy.HighsModelStatus.kOptimal:
                return value
            value = float(self.h.getInfo().objective_function_value)
            if value > stop_above:
                return value
            y, theta = self.x()
            if core is not None and alpha > 1e-3:
                if self.cut(alpha * core + (1 - alpha) * y, theta, self.tol):
                    core = 0.5 * (core + y)
                    continue
                alpha *= 0.5
            if not self.cut(y, theta, self.tol):
                return value
        return value

    def purge(self) -> None:
        """Delete the cuts that are slack or have a zero dual at the current LP solution."""
        sol = self.h.getSolution()
        slack = np.asarray(sol.row_value) - np.asarray(self.h.getLp().row_lower_)
        drop = np.flatnonzero((slack > self.tol) | (np.abs(np.asarray(sol.row_dual)) < 1e-9))
        drop = drop[drop > 0].astype(np.int32)
        if len(drop):
            self.h.deleteRows(len(drop), drop)


def _pmedian_benders(
    d: np.ndarray, w: np.ndarray, p: int, ex: np.ndarray, best: np.ndarray, deadline: float
) -> tuple[np.ndarray, float, bool]:
    """Benders method for small p: LP cut loop, reduced-cost fixing, probing (open each surviving
    candidate in turn and fix it closed when the LP bound then exceeds the incumbent), then the integer
    master, re-solved with the cuts of its solutions until its solution is costed exactly.

    Fixing removes only solutions that cannot beat the incumbent (cost > best - 1 for integer data, else
    within 1e-9 relative), so the bound over the rest, capped at the incumbent, is global. Returns (best
    sites, lower bound, proven optimal)."""
    keep = w > 0
    m, n_open = d.shape[1], p + len(ex)
    master = _BendersMaster(d[keep], w[keep], ex, n_open)
    integral = bool(np.all(w == np.round(w)) and np.all(d[keep] == np.round(d[keep])))
    best_cost = _pmedian_cost(d, w, best)
    lower = -np.inf

    def indicator(sites: np.ndarray) -> np.ndarray:
        y = np.zeros(m)
        y[sites] = 1.0
        return y

    def cutoff() -> float:  # a solution whose cost is provably above this cannot beat the incumbent
        return best_cost - 1.0 + 1e-6 if integral else best_cost - 1e-9 * abs(best_cost)

    master.cut(indicator(best), np.full(master.n, -np.inf), 0.0)
    core = np.full(m, n_open / m)
    core[ex] = 1.0
    bound = master.lp(deadline, core=core)
    lower = max(lower, min(bound, best_cost))
    if bound > cutoff() or not np.isfinite(bound):
        return best, lower, bound > cutoff()
    y_lp, _ = master.x()
    master.purge()
    # LP-guided interchange: start from the LP's largest sites.
    top = np.sort(np.concatenate([ex, np.setdiff1d(np.argsort(-y_lp, kind="stable"), ex)[:p]]))
    guided = _pmedian_interchange(d, w, top, ex, deadline)
    if _pmedian_cost(d, w, guided) < best_cost:
        best, best_cost = guided, _pmedian_cost(d, w, guided)
    if bound > cutoff():
        return best, best_cost, True

    # Reduced-cost fixing, then probing. `floor`: every solution removed by fixing costs more than it.
    if master.run(deadline) != highspy.HighsModelStatus.kOptimal:
        return best, lower, False
    bound = float(master.h.getInfo().objective_function_value)
    rc = np.asarray(master.h.getSolution().col_dual)[:m]
    floor = cutoff()
    lo, hi = indicator(ex), np.ones(m)
    hi[(y_lp < 1e-9) & (bound + rc > floor)] = 0.0
    lo[(y_lp > 1 - 1e-9) & (bound - rc > floor)] = 1.0
    master.h.changeColsBounds(m, np.arange(m, dtype=np.int32), lo, hi)
    probe = np.flatnonzero((lo < hi) & (indicator(best) == 0))
    probe_until = time.perf_counter() + 0.5 * (deadline - time.perf_counter())
    for count, j in enumerate(probe[np.argsort(-rc[probe], kind="stable")]):
        if time.perf_counter() > probe_until:
            break
        master.h.changeColBounds(int(j), 1.0, 1.0)
        if master.lp(probe_until, stop_above=floor) > floor:
            hi[j] = 0.0
        master.h.changeColBounds(int(j), lo[j], hi[j])
        if count % 20 == 19:
            master.lp(probe_until)
            master.purge()
    bound = master.lp(deadline)
    lower = max(lower, min(bound, floor, best_cost))
    if bound > floor:
        return best, best_cost, True

    master.h.changeColsIntegrality(m, np.arange(m, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * m))
    master.h.setOptionValue("mip_rel_gap", 0.0)
    found: list[np.ndarray] = []
    n_cols = m + master.n

    def collect(event: highspy.HighsCallbackEvent) -> None:
        x = np.array(event.data_out.mip_solution)
        if len(x) == n_cols:
            found.append(x)

    master.h.cbMipSolution.subscribe(collect)
    while time.perf_counter() < deadline:
        y_best = indicator(best)
        if np.all((lo <= y_best) & (y_best <= hi)):
            x0 = np.concatenate([y_best, d[keep][:, best].min(axis=1)])
            master.h.setSolution(len(x0), np.arange(len(x0), dtype=np.int32), x0)
        found.clear()
        status = master.run(deadline)
        if status == highspy.HighsModelStatus.kInfeasible:  # every solution left was fixed away
            return best, best_cost, True
        mip_bound = float(master.h.getInfo().mip_dual_bound)
        if np.isfinite(mip_bound):
            lower = max(lower, min(mip_bound, floor, best_cost))
        if master.h.getInfo().primal_solution_status != 2:
            break
        y, theta = master.x()
        sites = np.flatnonzero(y > 0.5)
        cost = _pmedian_cost(d, w, sites)
        if cost < best_cost:
            best, best_cost = sites, cost
        lower = min(lower, best_cost)
        if lower > cutoff() or lower >= best_cost:
            return best, best_cost, True
        if status != highspy.HighsModelStatus.kOptimal:
            break
        if not master.cut(np.round(y), theta, 1e-9 * max(1.0, abs(cost))):
            return best, best_cost, True  # the master's optimum is costed exactly
        for x in found:  # all cuts tight at the tree's solutions: they describe the region it searches
            master.cut(np.round(x[:m]), np.full(master.n, -np.inf), 0.0)
    return best, lower, False


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

    With at most `_BENDERS_MAX_OPEN` (10) open sites, finite distances and some positive weight, the
    Lagrangian branch-and-bound of `linli.engine.pmedian_lagrange` replaces the radius steps: at small p
    the radius MIP ran 60 s at n >= 500 without closing a 0.5-1 % gap, and the Benders method
    (`_pmedian_benders`, kept but no longer called here) still stopped at 60 s for n = 700-900, p = 5 and
    10, which the Lagrangian search proves in seconds (see docs/benchmarks.md). For p = 20-70 it showed no
    clear gain over the radius formulation, which larger p keep (no finer crossover was measured).
    """
    t0 = time.perf_counter()
    d = _dense_distances(distances)
    n, m = d.shape
    w = _weights(weights, n)
    ex = _existing(existing, m)
    p = _p(p, m, len(ex))
    deadline = t0 + _time_limit(time_limit)
    n_open = p + len(ex)
    unreachable = np.flatnonzero(~np.isfinite(d).any(axis=1) & (w > 0))
    if len(unreachable):
        raise InfeasibleError("no candidate site reaches", unreachable)

    best = _pmedian_interchange(d, w, _pmedian_greedy(d, w, p, ex), ex, t0 + 0.2 * (deadline - t0))
    best_cost = heuristic_cost = _pmedian_cost(d, w, best)
    lower = -np.inf
    optimal = False
    positive = w > 0
    benders = n_open <= _BENDERS_MAX_OPEN and n_open < m and positive.any() and np.isfinite(d[positive]).all()
    if benders:
        outcome = lagrangian_pmedian(
            d, w, p, ex, best, deadline, local_search=lambda s, until: _pmedian_interchange(d, w, s, ex, until)
        )
        best, lower, optimal = outcome.best, outcome.lower, outcome.optimal
        best_cost = _pmedian_cost(d, w, best)

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
            guided = cand[_pmedian_interchange(d[:, cand], w, top, ex_local, deadline)]
            if _pmedian_cost(d, w, guided) < best_cost:
                best, best_cost = guided, _pmedian_cost(d, w, guided)
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
        sol_cost = _pmedian_cost(d, w, cand[sol_local])
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
    gap = 0.0 if optimal else _gap(best_cost, lower, maximize=False)
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


# --------------------------------------------------------------------------------------------- OR-Library


@dataclass(frozen=True)
class PMedInstance:
    """An OR-Library p-median instance: `distances` is the n x n all-pairs shortest-path matrix."""

    n: int
    p: int
    distances: np.ndarray


def read_orlib_pmed(path: str | PathLike[str]) -> PMedInstance:
    """Read an OR-Library pmed file (``n m p`` then ``i j cost`` lines, 1-based, undirected).

    Of repeated edges the last occurrence wins, as in Beasley's own reading of the files.
    """
    try:
        text = open(path, encoding="ascii").read()  # noqa: SIM115
    except (OSError, UnicodeDecodeError) as exc:
        raise SitingError(f"cannot read pmed file {path}: {exc}") from exc
    lines = [ln.split() for ln in text.splitlines() if ln.strip()]
    if not lines or len(lines[0]) != 3:
        raise SitingError(f"{path}: line 1 must be 'n_vertices n_edges p'")
    try:
        n, n_edges, p = (int(v) for v in lines[0])
    except ValueError:
        raise SitingError(f"{path}: line 1 must hold three integers, got {' '.join(lines[0])!r}") from None
    if n < 1 or n_edges < 0 or not 1 <= p <= n:
        raise SitingError(f"{path}: line 1 has invalid values n={n}, edges={n_edges}, p={p}")
    body = lines[1 : 1 + n_edges]
    if len(body) < n_edges:
        raise SitingError(f"{path}: expected {n_edges} edge lines, found {len(body)}")
    bad_line = next((k for k, ln in enumerate(body) if len(ln) != 3), None)
    if bad_line is not None:
        raise SitingError(f"{path}: line {bad_line + 2} must be 'i j cost'")
    try:
        edges = np.array([[float(v) for v in ln] for ln in body]).reshape(-1, 3)
    except ValueError as exc:
        raise SitingError(f"{path}: non-numeric edge line ({exc})") from None
    i, j, c = edges[:, 0].astype(np.int64) - 1, edges[:, 1].astype(np.int64) - 1, edges[:, 2]
    bad = np.flatnonzero((i < 0) | (i >= n) | (j < 0) | (j >= n) | ~np.isfinite(c) | (c < 0))
    if len(bad):
        raise SitingError(f"{path}: invalid edge on line(s) {(bad[:10] + 2).tolist()}")
    a, b = np.minimum(i, j), np.maximum(i, j)
    key = a * n + b
    # Last occurrence of each pair: unique on the reversed arrays gives first-in-reverse.
    _, last = np.unique(key[::-1], return_index=True)
    last = len(key) - 1 - last
    last = last[a[last] != b[last]]
    a, b, c = a[last], b[last], c[last]
    graph = sp.csr_matrix((np.concatenate([c, c]), (np.concatenate([a, b]), np.concatenate([b, a]))), (n, n))
    if connected_components(graph, directed=False)[0] > 1:
        raise SitingError(f"{path}: the graph is not connected")
    return PMedInstance(n=n, p=p, distances=dijkstra(graph, directed=True))


# --------------------------------------------------------------------------------------------- covering


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
    w = _weights(weights, n)
    ex = _existing(existing, m)
    p = _p(p, m, len(ex))
    deadline = t0 + _time_limit(time_limit)
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
    gap = 0.0 if proven else _gap(value, bound, maximize=True)
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
    ex = _existing(existing, m)
    deadline = t0 + _time_limit(time_limit)
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
    res = _highs(
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
        gap=0.0 if optimal else _gap(len(added), bound, maximize=False),
        lower_bound=float(len(added)) if optimal else bound,
        seconds=time.perf_counter() - t0,
        heuristic_sites=len(greedy),
    )
