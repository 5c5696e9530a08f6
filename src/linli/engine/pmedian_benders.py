"""Benders method for the p-median with small p (Duran-Mateluna, Ales & Elloumi 2023).

`linli.engine.pmedian.p_median` no longer calls it: the Lagrangian search (`pmedian_lagrange`) proves the
same instances faster (see docs/benchmarks.md). Kept, and tested against brute force, as the other exact
method for small p.
"""

from __future__ import annotations

import time

import highspy
import numpy as np
import scipy.sparse as sp

from linli.engine import highs
from linli.engine.pmedian import pmedian_cost, pmedian_interchange


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
        h.setOptionValue("output_flag", highs.log_enabled())
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


def pmedian_benders(
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
    best_cost = pmedian_cost(d, w, best)
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
    guided = pmedian_interchange(d, w, top, ex, deadline)
    if pmedian_cost(d, w, guided) < best_cost:
        best, best_cost = guided, pmedian_cost(d, w, guided)
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
        cost = pmedian_cost(d, w, sites)
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
