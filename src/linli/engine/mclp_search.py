"""Maximal covering on a reduced model: a heuristic search beside HiGHS's branch-and-bound.

`solve` first runs the search alone (swap descent, the LP relaxation's support by the interior point
method, then rounds of neighbourhood MIPs and perturbations), then starts HiGHS on the whole model from
the best solution found, in a worker thread (HiGHS releases the GIL while it runs), and goes on searching
in the calling thread until HiGHS stops. Solutions HiGHS finds feed the search; the bound reported is
HiGHS's own dual bound, valid whatever the search does, and the solution is the best either found.

The search's main move re-solves a large part of the solution exactly: free the open sites around two or
three random ones and let a MIP choose as many among the candidates near them, restricted to the LP's
support and the sites of every better solution (a RINS-like neighbourhood); small unrestricted
neighbourhoods and destroy-and-repair perturbations with swap descent keep it from settling.

The model (rows already merged, dominated candidates dropped) is max sum w_i c_i subject to
c_i <= sum_{j covers i} x_j, sum x_j <= q, x binary, c in [0, 1]."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp


class Coverage:
    """A 0/1 (rows x candidates) coverage matrix with row weights, and the quantities a swap search needs."""

    def __init__(self, a: sp.spmatrix, w: np.ndarray) -> None:
        self.col = sp.csc_matrix(a, dtype=np.float64)
        self.col.sort_indices()
        self.row = sp.csr_matrix(self.col.T)  # candidates x rows
        self.w = np.asarray(w, dtype=np.float64)
        self.k, self.m = self.col.shape
        self.eps = 1e-9 * max(1.0, float(self.w.sum()))
        self._adj: sp.csr_matrix | None = None

    def adjacency(self) -> sp.csr_matrix:
        """Boolean (candidates x candidates): the two cover a common row (computed once)."""
        if self._adj is None:
            adj = (self.row @ self.col).tocsr()
            self._adj = sp.csr_matrix((np.ones(adj.nnz, dtype=bool), adj.indices, adj.indptr), shape=adj.shape)
        return self._adj

    def rows_of(self, j: int) -> np.ndarray:
        return self.col.indices[self.col.indptr[j] : self.col.indptr[j + 1]]

    def counts(self, sites: np.ndarray) -> np.ndarray:
        """How many of `sites` cover each row."""
        return np.bincount(self.col[:, np.asarray(sites, dtype=np.int64)].indices, minlength=self.k)

    def value(self, sites: np.ndarray) -> float:
        return float(self.w @ (self.counts(sites) > 0))

    def savings(self, sites: np.ndarray, count: np.ndarray) -> np.ndarray:
        """saving[r, j]: change of the covered weight when sites[r] closes and candidate j opens (-inf
        for j already open). Opening j gains the uncovered weight it covers; closing sites[r] loses the
        weight only it covers, except the part j covers too."""
        gain = self.row @ np.where(count == 0, self.w, 0.0)
        single = np.where(count == 1, self.w, 0.0)
        sub = self.col[:, sites]
        sub = sp.csc_matrix((single[sub.indices], sub.indices, sub.indptr), shape=sub.shape)
        loss = np.asarray(sub.sum(axis=0)).ravel()
        saving = (sub.T @ self.col).toarray() + gain[None, :] - loss[:, None]
        saving[:, sites] = -np.inf
        return saving

    def greedy(self, fixed: np.ndarray, n: int, rng: np.random.Generator | None = None) -> np.ndarray:
        """Add `n` sites to `fixed`, each time the one covering the most uncovered weight (with `rng`: one
        of the best three at random half of the time)."""
        chosen = [int(j) for j in fixed]
        todo = np.where(self.counts(np.array(chosen, dtype=np.int64)) == 0, self.w, 0.0)
        for _ in range(min(n, self.m - len(chosen))):
            gain = self.row @ todo
            gain[chosen] = -1.0
            if rng is not None and rng.random() < 0.5:
                top = np.argpartition(-gain, 2)[:3] if self.m > 3 else np.arange(self.m)
                j = int(top[rng.integers(len(top))])
                if gain[j] < 0:
                    j = int(np.argmax(gain))
            else:
                j = int(np.argmax(gain))
            chosen.append(j)
            todo[self.rows_of(j)] = 0.0
        return np.sort(np.array(chosen, dtype=np.int64))

    def fill(self, sites: np.ndarray, n: int) -> np.ndarray:
        """`sites` topped up greedily to `n` distinct sites (a MIP may leave some of its budget unused)."""
        sites = np.unique(np.asarray(sites, dtype=np.int64))
        return sites if len(sites) >= n else self.greedy(sites, n - len(sites))

    def descend(self, sites: np.ndarray, stop: StopFlag) -> np.ndarray:
        """Best-improvement swaps until none gains."""
        sites = np.array(sites, dtype=np.int64)
        if not 0 < len(sites) < self.m:
            return np.sort(sites)
        count = self.counts(sites)
        while not stop():
            saving = self.savings(sites, count)
            r, j = np.unravel_index(int(np.argmax(saving)), saving.shape)
            if saving[r, j] <= self.eps:
                break
            count[self.rows_of(int(sites[r]))] -= 1
            count[self.rows_of(int(j))] += 1
            sites[r] = j
        return np.sort(sites)


class StopFlag:
    """Stop at a deadline or once set (HiGHS finished)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.event = threading.Event()

    def __call__(self) -> bool:
        return self.event.is_set() or time.perf_counter() >= self.deadline


class Incumbent:
    """The best solution known, shared by the search and HiGHS's callbacks."""

    def __init__(self, cov: Coverage, sites: np.ndarray) -> None:
        self.cov = cov
        self.lock = threading.Lock()
        self.sites = np.unique(np.asarray(sites, dtype=np.int64))
        self.n = len(self.sites)
        self.value = cov.value(self.sites)
        self.version = 0

    def offer(self, sites: np.ndarray) -> bool:
        """Keep `sites` (topped up to the incumbent's count) if they cover more; True if kept."""
        sites = self.cov.fill(sites, self.n)
        v = self.cov.value(sites)
        with self.lock:
            if v > self.value + self.cov.eps:
                self.sites, self.value = sites, v
                self.version += 1
                return True
        return False

    def get(self) -> tuple[np.ndarray, float, int]:
        with self.lock:
            return self.sites, self.value, self.version


def _model(cov: Coverage) -> sp.csc_matrix:
    k, m = cov.k, cov.m
    return sp.vstack(
        [
            sp.hstack([sp.identity(k, format="csr"), -cov.col]),
            sp.hstack([sp.csr_matrix((1, k)), sp.csr_matrix(np.ones((1, m)))]),
        ]
    ).tocsc()


def _highs_model(cov: Coverage, q: int, offset: float, integer: bool = True) -> highspy.Highs:
    k, m = cov.k, cov.m
    a = _model(cov)
    lp = highspy.HighsLp()
    lp.num_col_ = k + m
    lp.num_row_ = k + 1
    lp.col_cost_ = np.concatenate([cov.w, np.zeros(m)])
    lp.col_lower_ = np.zeros(k + m)
    lp.col_upper_ = np.ones(k + m)
    lp.row_lower_ = np.full(k + 1, -np.inf)
    lp.row_upper_ = np.concatenate([np.zeros(k), [float(q)]])
    lp.offset_ = float(offset)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kContinuous] * k + [highspy.HighsVarType.kInteger] * m
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    return h


def _full_vector(cov: Coverage, sites: np.ndarray) -> np.ndarray:
    x = np.zeros(cov.k + cov.m)
    x[: cov.k] = cov.counts(sites) > 0
    x[cov.k + np.asarray(sites, dtype=np.int64)] = 1.0
    return x


class Neighbourhoods:
    """Exact re-optimisations around a solution: free the open sites near a few random ones and let a
    MIP choose as many among the candidates near them (only `allowed` ones, if set), the other open sites
    staying fixed. `size` (open sites freed per area) grows while the MIPs solve to optimality within
    their time limit, up to `cap`, and shrinks when they do not."""

    def __init__(self, cov: Coverage, rng: np.random.Generator) -> None:
        self.cov = cov
        self.rng = rng
        self.adj = cov.adjacency()
        self.size = 4
        self.cap = 12
        self.allowed: np.ndarray | None = None  # candidates a neighbourhood may open (besides the open ones)

    def near(self, seeds: np.ndarray) -> np.ndarray:
        return np.unique(self.adj[seeds].indices)

    def around(self, sites: np.ndarray, seed: int) -> np.ndarray:
        """Up to `size` open sites near `seed` (sharing a row with it, else within two such steps)."""
        ring = self.near(np.array([seed]))
        free = np.intersect1d(sites, ring)
        if len(free) < self.size:
            free = np.intersect1d(sites, self.near(ring))
        if len(free) > self.size:
            order = np.argsort(self.rng.random(len(free)))
            free = np.union1d([seed], free[order][: self.size - 1])
        return free

    def step(self, sites: np.ndarray, stop: StopFlag, limit: float, areas: int = 2) -> np.ndarray | None:
        """Free the open sites around `areas` random ones; a site may move from one area to another."""
        cov = self.cov
        seeds = self.rng.choice(sites, size=min(areas, len(sites)), replace=False)
        free = np.unique(np.concatenate([self.around(sites, int(s)) for s in seeds]))
        fixed = np.setdiff1d(sites, free)
        pool = np.setdiff1d(self.near(free), fixed)
        if self.allowed is not None:
            pool = pool[self.allowed[pool] | np.isin(pool, free)]
        todo = cov.counts(fixed) == 0
        sub = cov.col[:, pool].tocsr()[np.flatnonzero(todo)]
        live = np.flatnonzero(np.diff(sub.indptr) > 0)
        if len(live) == 0 or len(pool) <= len(free):
            return None
        rows = np.flatnonzero(todo)[live]
        part = Coverage(sub[live], cov.w[rows])
        h = _highs_model(part, len(free), 0.0)
        h.setOptionValue("time_limit", max(0.05, min(limit, stop.deadline - time.perf_counter())))
        h.setOptionValue("mip_rel_gap", 0.0)
        start = np.flatnonzero(np.isin(pool, free))
        x0 = _full_vector(part, start)
        h.setSolution(len(x0), np.arange(len(x0), dtype=np.int32), x0)
        h.run()
        optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        self.size = min(self.size + 1, self.cap) if optimal else max(2, self.size - 1)
        if h.getInfo().primal_solution_status != 2:
            return None
        chosen = pool[np.asarray(h.getSolution().col_value)[part.k :] > 0.5]
        return cov.fill(np.concatenate([fixed, chosen]), len(sites))


def lp_support(cov: Coverage, q: int, stop: StopFlag) -> np.ndarray | None:
    """Candidates open (> 0) in an optimal solution of the LP relaxation, by the interior point method
    (far faster than the dual simplex on this LP); None when the LP is not solved in time."""
    h = _highs_model(cov, q, 0.0, integer=False)
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("time_limit", max(0.01, stop.deadline - time.perf_counter()))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.asarray(h.getSolution().col_value)[cov.k :] > 1e-6


def improve(
    cov: Coverage,
    inc: Incumbent,
    stop: StopFlag,
    hood: Neighbourhoods,
    wide: Neighbourhoods | None = None,
    patience: int | None = None,
    worse: float = 2e-4,
    restart: int = 40,
) -> None:
    """Iterated local search with neighbourhood MIPs, offering every better solution to `inc`.

    Each round either re-solves a neighbourhood exactly (`hood`: small ones over all candidates; `wide`:
    large ones restricted to `wide.allowed`, the LP's support and every site of a better solution) or
    perturbs the current solution (close a random part of it, reopen as many by a randomised greedy) and
    descends by swaps; a result at most `worse` (relative) below the current one is kept, and after
    `restart` rounds without a better solution the search goes back to the best. Stops with `stop`, or
    after `patience` rounds without a better solution."""
    rng = hood.rng
    cur = cov.descend(inc.get()[0], stop)
    inc.offer(cur)
    cur_v = cov.value(cur)
    idle = 0
    n = len(cur)
    if not 2 <= n < cov.m:
        return
    rounds = 0
    seen = inc.get()[2]
    while not stop() and (patience is None or idle < patience):
        rounds += 1
        idle += 1
        best_sites, best_v, version = inc.get()
        if version != seen or idle % restart == 0:  # a new best (HiGHS's too), or back to the best
            seen = version
            cur, cur_v = best_sites, best_v
        kind = rounds % 8 if wide is not None else 4 + rounds % 4
        if kind < 6 and wide is not None:
            trial = wide.step(cur, stop, limit=3.0, areas=int(rng.integers(2, 4)))
            if trial is None:
                continue
        elif kind == 6:
            trial = hood.step(cur, stop, limit=3.0, areas=int(rng.integers(2, 4)))
            if trial is None:
                continue
        else:
            q = int(rng.integers(2, max(3, n // 4)))
            keep = rng.choice(cur, size=n - q, replace=False)
            trial = cov.descend(cov.greedy(keep, q, rng), stop)
        v = cov.value(trial)
        if v >= cur_v - worse * cur_v - cov.eps:
            cur, cur_v = trial, v
            if inc.offer(trial):
                idle = 0
                seen = inc.get()[2]
                if wide is not None and wide.allowed is not None:
                    wide.allowed[trial] = True


def searchers(cov: Coverage, inc: Incumbent, q: int, stop: StopFlag, seeds: list[int]) -> list[Searcher]:
    """Swap descent and the LP's support, then one search state per seed (they share `inc`)."""
    inc.offer(cov.descend(inc.get()[0], stop))
    allowed = lp_support(cov, q, stop)
    out = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        wide = None
        if allowed is not None:
            wide = Neighbourhoods(cov, rng)
            wide.allowed = allowed.copy()
            wide.allowed[inc.get()[0]] = True
            wide.cap, wide.size = 40, 20
        out.append(Searcher(cov, inc, Neighbourhoods(cov, rng), wide))
    return out


@dataclass
class Searcher:
    cov: Coverage
    inc: Incumbent
    hood: Neighbourhoods
    wide: Neighbourhoods | None

    def run(self, stop: StopFlag, patience: int | None = None) -> None:
        improve(self.cov, self.inc, stop, self.hood, self.wide, patience)


def _in_threads(jobs: list[Callable[[], None]]) -> None:
    """Run `jobs` at once, the first in this thread; re-raise the first failure."""
    failed: list[BaseException] = []

    def guarded(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as exc:
            failed.append(exc)

    threads = [threading.Thread(target=guarded, args=(job,), daemon=True) for job in jobs[1:]]
    for t in threads:
        t.start()
    guarded(jobs[0])
    for t in threads:
        t.join()
    if failed:
        raise failed[0]


@dataclass(frozen=True)
class Outcome:
    sites: np.ndarray  # chosen candidates (indices into the model's columns)
    value: float  # covered weight of the model's rows (without the offset)
    bound: float  # HiGHS's dual bound, including the offset; inf if it has none
    optimal: bool  # HiGHS proved the requested gap


def solve(
    a: sp.spmatrix,
    w: np.ndarray,
    q: int,
    start: np.ndarray,
    deadline: float,
    *,
    mip_gap: float = 0.0,
    offset: float = 0.0,
    seed: int = 0,
    warmup: float = 0.35,
    max_warmup: float = 25.0,
) -> Outcome:
    """Best `q` of the columns of `a` for row weights `w`: the search alone for a `warmup` share of the
    time (at most `max_warmup` seconds and 50 rounds without a better solution), then HiGHS's branch-and-bound, started
    from the search's best, in a worker thread while the search goes on in this one, until `deadline` or
    until HiGHS proves `mip_gap`. `start` is a first solution of `q` sites; `offset` is added to HiGHS's
    objective (the weight already covered outside the model)."""
    log = bool(os.environ.get("HLOG"))
    cov = Coverage(a, w)
    inc = Incumbent(cov, start)
    # HiGHS fixes candidates by reduced cost against the incumbent it starts from, and a solution handed
    # over later through its user-solution callback is not taken (highspy 1.15), so the search runs first
    # two searches at first, one per core (HiGHS's sub-MIPs and numpy release the GIL), one later
    first = StopFlag(time.perf_counter() + min(warmup * max(0.0, deadline - time.perf_counter()), max_warmup))
    searcher, second = searchers(cov, inc, q, first, [seed, seed + 1])
    _in_threads([lambda: searcher.run(first, patience=50), lambda: second.run(first, patience=50)])
    stop = StopFlag(deadline)
    h = _highs_model(cov, q, offset)
    h.setOptionValue("output_flag", log)
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    # the interior point method solves the root LP several times faster than the dual simplex here
    h.setOptionValue("mip_lp_solver", "ipm")
    h.setOptionValue("time_limit", max(0.01, deadline - time.perf_counter()))
    x0 = _full_vector(cov, inc.get()[0])
    h.setSolution(len(x0), np.arange(len(x0), dtype=np.int32), x0)
    if log:
        print(f"search: {inc.get()[1] + offset:.0f} when HiGHS starts", flush=True)

    def take(event: highspy.HighsCallbackEvent) -> None:  # HiGHS's better solutions feed the search
        x = np.asarray(event.data_out.mip_solution)
        if len(x) == cov.k + cov.m:
            inc.offer(np.flatnonzero(x[cov.k :] > 0.5))

    h.cbMipImprovingSolution.subscribe(take)
    status: list[highspy.HighsModelStatus] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            h.run()  # releases the GIL
            status.append(h.getModelStatus())
        except BaseException as exc:  # re-raised in the calling thread
            failed.append(exc)
        finally:
            stop.event.set()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        searcher.run(stop)
    finally:
        stop.event.set()
        worker.join()
    if failed:
        raise failed[0]
    info = h.getInfo()
    if info.primal_solution_status == 2:
        x = np.asarray(h.getSolution().col_value)
        inc.offer(np.flatnonzero(x[cov.k :] > 0.5))
    sites, value, _ = inc.get()
    if log:
        print(f"search: {value + offset:.0f} at the end", flush=True)
    bound = float(info.mip_dual_bound)
    return Outcome(
        sites=sites,
        value=value,
        bound=bound if np.isfinite(bound) else np.inf,
        optimal=bool(status) and status[0] == highspy.HighsModelStatus.kOptimal,
    )
