"""Lagrangian branch-and-bound for the p-median with few open sites.

Relaxing every client's assignment constraint sum_j x_ij = 1 with a multiplier lambda_i leaves

    L(lambda) = sum_i lambda_i - (sum of the n_open largest s_j),  s_j = sum_i max(0, lambda_i - c_ij),

with c_ij = w_i d_ij: a lower bound on the p-median for *every* lambda (Beasley 1993; it equals the LP
bound at its maximum). The bound is maximised by projected subgradient steps. From the same lambda, forcing
candidate j open (or closed) raises the bound by a closed-form amount, which fixes candidates (reduced-cost
fixing against the incumbent). The few candidates that survive are searched by a depth-first
branch-and-bound on "site j open / closed", where every node re-optimises lambda from its parent's and fixes
again; the Lagrangian solution of each node is costed as a primal heuristic.

Only clients with a positive weight take part; their distances must be finite. A node is pruned only when
its bound exceeds the cutoff (incumbent - 1 + 1e-6 + 1e-12 relative for integer data, where every cost is
an integer, else incumbent minus 1e-9 relative), so the search is exact; stopped by the deadline, the bound
reported is the smallest bound of the nodes left open.

Inside a node with open sites F, lambda_i above min_{j in F} c_ij never raises the bound and is clipped
there. A subtree whose live candidates (open or undecided) have shrunk to under 85 % of its parent's
matrix gets its own, narrower copy of the cost matrix, which makes the deep nodes cheap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# Subgradient settings: (iterations, first step factor, non-improving iterations before halving the step).
# Short ascents at many nodes beat long ascents at fewer nodes (measured on n = 700-900, p = 5, 10).
_ROOT = (3000, 2.0, 30)
_NODE = (25, 2.5, 3)
_SHRINK = 0.85  # a subtree gets its own matrix once its live columns are under this share of its parent's


@dataclass(frozen=True)
class LagrangeOutcome:
    """Result of `lagrangian_pmedian`: the best sites found, a proven lower bound, whether the search
    finished (then `best` is optimal), the number of branch-and-bound nodes and the root bound."""

    best: np.ndarray
    lower: float
    optimal: bool
    nodes: int
    root_bound: float


class _Costs:
    """Client x candidate costs restricted to the columns `cols` (global candidate indices)."""

    def __init__(self, c: np.ndarray, cols: np.ndarray, scratch: np.ndarray) -> None:
        self.c = np.ascontiguousarray(c)
        self.cols = cols
        self.scratch = scratch  # at least c.size floats, shared by all matrices of one search

    def sums(self, lam: np.ndarray) -> np.ndarray:
        """s_j = sum_i max(0, lam_i - c_ij) for every column."""
        buf = self.scratch[: self.c.size].reshape(self.c.shape)
        np.subtract(lam[:, None], self.c, out=buf)
        np.maximum(buf, 0.0, out=buf)
        return buf.sum(axis=0)

    def narrow(self, keep: np.ndarray) -> _Costs:
        return _Costs(self.c[:, keep], self.cols[keep], self.scratch)


@dataclass
class _Node:
    costs: _Costs
    open_: np.ndarray  # forced-open columns of `costs`
    closed: np.ndarray  # bool mask over the columns of `costs`
    lam: np.ndarray
    bound: float  # a lower bound valid for every solution in the node (its parent's)


def _top(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest values (any order)."""
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k >= len(values):
        return np.arange(len(values))
    return np.argpartition(-values, k - 1)[:k]


class _Search:
    """The incumbent, the cutoff rule and the node operations."""

    def __init__(self, c: np.ndarray, n_open: int, best: np.ndarray, cutoff: Callable[[float], float]) -> None:
        self.c = c
        self.n_open = n_open
        self.best = np.sort(best)
        self.best_cost = float(c[:, self.best].min(axis=1).sum())
        self.cutoff = cutoff
        self.fresh = False  # a new incumbent not yet polished

    def offer(self, costs: _Costs, sites: np.ndarray) -> None:
        cost = float(costs.c[:, sites].min(axis=1).sum())
        if cost < self.best_cost:
            self.best, self.best_cost, self.fresh = np.sort(costs.cols[sites]), cost, True

    def cut(self) -> float:
        return self.cutoff(self.best_cost)

    def evaluate(
        self, costs: _Costs, lam: np.ndarray, open_: np.ndarray, free: np.ndarray
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """(bound, s, chosen free columns) at lam for a node with open columns `open_` and free columns."""
        s = costs.sums(lam)
        chosen = free[_top(s[free], self.n_open - len(open_))]
        return float(lam.sum() - s[open_].sum() - s[chosen].sum()), s, chosen

    def ascent(
        self,
        costs: _Costs,
        lam: np.ndarray,
        open_: np.ndarray,
        free: np.ndarray,
        settings: tuple[int, float, int],
        deadline: float,
    ) -> tuple[float, np.ndarray]:
        """Projected subgradient ascent (Polyak steps towards the incumbent) from lam; returns the best bound
        and its lambda. Stops once the bound passes the cutoff, the step has shrunk or time is up."""
        iters, step, patience = settings
        upper = costs.c[:, open_].min(axis=1) if len(open_) else np.full(len(lam), np.inf)
        lam = np.clip(lam, 0.0, upper)
        best, best_lam, stall = -np.inf, lam, 0
        for _ in range(iters):
            value, _, chosen = self.evaluate(costs, lam, open_, free)
            if value > best + 1e-9 * max(1.0, abs(value)):
                best, best_lam, stall = value, lam, 0
                if best > self.cut():
                    break
            else:
                stall += 1
                if stall >= patience:
                    step, stall = 0.5 * step, 0
                    if step < 1e-3:
                        break
            if time.perf_counter() > deadline:
                break
            sites = np.concatenate([open_, chosen])
            g = 1.0 - (costs.c[:, sites] < lam[:, None]).sum(axis=1)
            norm = float(g @ g)
            if norm == 0.0:  # every client served exactly once: the bound is this solution's cost
                break
            gap = max(self.best_cost - value, 1e-9 * max(1.0, abs(value)))
            lam = np.clip(lam + (step * gap / norm) * g, 0.0, upper)
        return best, best_lam

    def expand(self, node: _Node, stack: list[_Node], deadline: float) -> None:
        """Process one node: leaf test, ascent, primal heuristic, fixing, branching (children pushed)."""
        costs, open_, closed = node.costs, node.open_, node.closed.copy()
        k = self.n_open - len(open_)
        mask = ~closed
        mask[open_] = False
        free = np.flatnonzero(mask)
        if k < 0 or len(free) < k:
            return
        if k == 0 or len(free) == k:
            self.offer(costs, np.concatenate([open_, free[:k]]))
            return
        if len(free) + len(open_) < _SHRINK * costs.c.shape[1]:
            live = np.sort(np.concatenate([open_, free]))
            costs, open_, closed = costs.narrow(live), np.searchsorted(live, open_), np.zeros(len(live), bool)
            free = np.searchsorted(live, free)
        _, lam = self.ascent(costs, node.lam, open_, free, _NODE, deadline)
        value, s, chosen = self.evaluate(costs, lam, open_, free)
        if value > self.cut():
            return
        self.offer(costs, np.concatenate([open_, chosen]))
        # Forcing a chosen j closed raises the bound by s_j - (k+1)-th largest s; forcing an unchosen j open
        # by k-th largest s - s_j. Columns whose forcing passes the cutoff are fixed the other way.
        sf = s[free]
        order = np.sort(sf)[::-1]
        is_chosen = np.isin(free, chosen)
        rise = np.where(is_chosen, sf - order[k], order[k - 1] - sf)
        fixed = value + rise > self.cut()
        closed[free[fixed & ~is_chosen]] = True
        open_ = np.concatenate([open_, free[fixed & is_chosen]])
        branchable = is_chosen & ~fixed
        if not branchable.any():  # every chosen column is now open: a leaf
            stack.append(_Node(costs, open_, closed, lam, value))
            return
        # Branch on the chosen column whose closing raises the bound most; the open child is explored first.
        j = free[branchable][int(np.argmax(rise[branchable]))]
        shut = closed.copy()
        shut[j] = True
        stack.append(_Node(costs, open_, shut, lam, value))
        stack.append(_Node(costs, np.append(open_, j), closed, lam, value))


def lagrangian_pmedian(
    d: np.ndarray,
    w: np.ndarray,
    p: int,
    existing: np.ndarray,
    best: np.ndarray,
    deadline: float,
    *,
    local_search: Callable[[np.ndarray, float], np.ndarray] | None = None,
) -> LagrangeOutcome:
    """Exact p-median by Lagrangian relaxation, reduced-cost fixing and branch-and-bound (module docstring).

    `d` (n x m) must be finite where `w` > 0 and p + len(existing) < m; `existing` are open in every
    solution; `best` is a starting solution (existing included, p + len(existing) distinct sites).
    `local_search(sites, deadline)` may improve new incumbents (global indices, existing kept). Returns the
    best solution found, a proven lower bound and whether the search finished before `deadline`."""
    keep = w > 0
    m = d.shape[1]
    n_open = p + len(existing)
    c = np.ascontiguousarray(d[keep] * w[keep, None], dtype=np.float64)
    integral = bool(np.all(c == np.round(c)))

    def cutoff(ub: float) -> float:  # a solution costing more than this cannot beat the incumbent
        # (the 1e-12 relative term stays above the rounding error of a bound's float64 sums)
        return ub - 1.0 + 1e-6 + 1e-12 * abs(ub) if integral else ub - 1e-9 * abs(ub)

    def floor() -> float:  # what every pruned solution costs at least
        return search.best_cost if integral else search.cut()

    search = _Search(c, n_open, best, cutoff)
    if p == 0:  # nothing to choose
        return LagrangeOutcome(search.best, search.best_cost, True, 0, search.best_cost)

    def polish() -> None:
        if search.fresh and local_search is not None:
            better = np.sort(local_search(search.best, deadline))
            cost = float(c[:, better].min(axis=1).sum())
            if cost < search.best_cost:
                search.best, search.best_cost = better, cost
        search.fresh = False

    # Root: the ascent over all candidates, from each client's cost in the incumbent.
    root = _Costs(c, np.arange(m), np.empty(c.size))
    ex = np.sort(existing)
    free = np.setdiff1d(np.arange(m), ex)
    lam = c[:, search.best].min(axis=1)
    _, lam = search.ascent(root, lam, ex, free, _ROOT, deadline)
    bound, s, chosen = search.evaluate(root, lam, ex, free)
    guided = np.sort(np.concatenate([ex, chosen]))
    search.offer(root, guided)
    search.fresh = False
    if local_search is not None:  # an interchange from the Lagrangian solution, better or not
        better = np.sort(local_search(guided, deadline))
        search.offer(root, better)
        search.fresh = False
    if bound > search.cut() or time.perf_counter() > deadline:
        done = bound > search.cut()
        return LagrangeOutcome(search.best, floor() if done else min(bound, search.best_cost), done, 1, bound)

    # Reduced-cost fixing at the root: forcing an unchosen j open raises the bound by kth - s_j.
    k = n_open - len(ex)
    kth = np.sort(s[free])[::-1][k - 1]
    alive = np.union1d(free[np.isin(free, chosen) | (bound + kth - s[free] <= search.cut())], ex)
    costs = root.narrow(alive)
    stack = [_Node(costs, np.searchsorted(alive, ex), np.zeros(len(alive), dtype=bool), lam, bound)]
    nodes = 0
    while stack:
        if time.perf_counter() > deadline:
            lower = min(min(node.bound for node in stack), floor())
            return LagrangeOutcome(search.best, lower, False, nodes, bound)
        node = stack.pop()
        nodes += 1
        if node.bound > search.cut():
            continue
        search.expand(node, stack, deadline)
        polish()
    return LagrangeOutcome(search.best, floor(), True, nodes, bound)
