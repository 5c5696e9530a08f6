"""Maximal covering on a reduced model: a bound from the priced site limit, a heuristic search, and
HiGHS's branch-and-bound when the bound is not enough.

`solve` solves the LP relaxation (interior point method), then computes `priced_bound` (the site limit
priced at the LP's price of a site: the problem falls apart into small MIPs that HiGHS solves in
integers on both cores, a bound far tighter than the LP's on clustered demand); the pieces' own best
sites, cut to q and improved by swaps, are the first incumbent. When the bound proves the requested
gap, that is the answer. Otherwise HiGHS starts on the model without the candidates that cannot matter
(`opening_bounds`), from the best solution found, in a worker thread (HiGHS releases the GIL while it
runs), and the search (swap descent, then rounds of neighbourhood MIPs and perturbations) goes on in the
calling thread until HiGHS stops. Solutions HiGHS finds feed the search; the bound reported is the least
of the proven ones, valid whatever the search does, and the solution is the best either found.

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

from linli.engine.mclp_bounds import MAX_PIECE, PricedBound, Relaxation, lp_relaxation, opening_bounds, priced_bound
from linli.engine.mclp_model import Coverage, StopFlag, full_vector, highs_model, restricted


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
        h = highs_model(part, len(free), 0.0)
        h.setOptionValue("time_limit", max(0.05, min(limit, stop.deadline - time.perf_counter())))
        h.setOptionValue("mip_rel_gap", 0.0)
        start = np.flatnonzero(np.isin(pool, free))
        x0 = full_vector(part, start)
        h.setSolution(len(x0), np.arange(len(x0), dtype=np.int32), x0)
        h.run()
        optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        self.size = min(self.size + 1, self.cap) if optimal else max(2, self.size - 1)
        if h.getInfo().primal_solution_status != 2:
            return None
        chosen = pool[np.asarray(h.getSolution().col_value)[part.k :] > 0.5]
        return cov.fill(np.concatenate([fixed, chosen]), len(sites))


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


def searchers(
    cov: Coverage, inc: Incumbent, q: int, stop: StopFlag, seeds: list[int]
) -> tuple[list[Searcher], Relaxation | None]:
    """Swap descent and the LP relaxation, then one search state per seed (they share `inc`)."""
    inc.offer(cov.descend(inc.get()[0], stop))
    relaxation = lp_relaxation(cov, q, stop)
    allowed = None if relaxation is None else relaxation.x > 1e-6
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
    return out, relaxation


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
    candidates: int  # how many candidates HiGHS's model kept (the others could not matter; 0: not run)
    proof: str  # what proved the bound: "priced" (priced_bound) or "branch-and-bound" (HiGHS)


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
    priced_share: float = 0.6,
    price: bool = True,
) -> Outcome:
    """Best `q` of the columns of `a` for row weights `w`, until `deadline` or until the gap `mip_gap` is
    proven. First (unless `price` is False) the priced bound, each pass given at most `priced_share` of
    the time left; if it proves the gap, done. Otherwise HiGHS's branch-and-bound, started from the search's
    best, in a worker thread while the search goes on in this one. Without an LP relaxation in time, the
    search runs alone for a `warmup` share of the time (at most `max_warmup` seconds and 50 rounds
    without a better solution) before HiGHS starts. `start` is a first solution of `q` sites; `offset`
    is added to every objective and bound (the weight already covered outside the model)."""
    log = bool(os.environ.get("HLOG"))
    cov = Coverage(a, w)
    inc = Incumbent(cov, start)
    # HiGHS fixes candidates by reduced cost against the incumbent it starts from, and a solution handed
    # over later through its user-solution callback is not taken (highspy 1.15), so the search runs first
    # (without an LP relaxation, two searches at first, one per core: HiGHS's sub-MIPs and numpy release
    # the GIL)
    first = StopFlag(time.perf_counter() + min(warmup * max(0.0, deadline - time.perf_counter()), max_warmup))
    (searcher, second), relaxation = searchers(cov, inc, q, first, [seed, seed + 1])
    priced: PricedBound | None = None
    if relaxation is not None and price:
        # The bound with the site limit priced at the LP's price of a site (its pieces on both cores): first
        # with the larger groups of candidates cut into pieces of at most MAX_PIECE (faster, a little
        # weaker), then, if that is not enough, whole. The search waits: the pieces' sites are a good start.
        for max_piece in (MAX_PIECE, cov.m):
            until = time.perf_counter() + priced_share * max(0.0, deadline - time.perf_counter())
            this = priced_bound(cov, q, relaxation.site_price, until, rel_gap=mip_gap / 2,
                                row_prices=relaxation.lam, max_piece=max_piece)  # fmt: skip
            if priced is None or this.bound < priced.bound:
                priced = this
            if len(this.sites):  # its sites, cut or topped up to q, are often a good solution
                inc.offer(cov.descend(cov.trim(cov.fill(this.sites, q), q), StopFlag(deadline)))
            best_value = inc.get()[1]
            if log:
                print(f"priced bound {this.bound + offset:.0f} ({this.pieces} pieces, the largest of "
                      f"{this.largest}), search {best_value + offset:.0f}", flush=True)  # fmt: skip
            if priced.bound + offset <= (best_value + offset) * (1.0 + mip_gap) + cov.eps:
                sites, value, _ = inc.get()
                return Outcome(
                    sites=sites, value=value, bound=priced.bound + offset, optimal=True, candidates=0, proof="priced"
                )
            if not this.cuts or time.perf_counter() >= deadline:
                break  # nothing was cut: solving whole again would give the same
    else:
        _in_threads([lambda: searcher.run(first, patience=50), lambda: second.run(first, patience=50)])
    stop = StopFlag(deadline)
    # Candidates that cannot matter: every solution opening one of them covers at most what would already
    # meet the requested gap (or, for a proof of optimality, no more than the incumbent). HiGHS works
    # without them; their best opening bound joins its dual bound.
    best, best_value, _ = inc.get()
    cols, left_out = np.arange(cov.m), -np.inf
    if relaxation is not None:
        bounds = opening_bounds(cov, q, relaxation.lam)
        out = bounds <= (best_value + offset) * (1.0 + mip_gap) - offset - cov.eps
        out[best] = False
        if out.any():
            cols, left_out = np.flatnonzero(~out), float(bounds[out].max())
    model = cov if len(cols) == cov.m else restricted(cov, cols)
    h = highs_model(model, q, offset)
    h.setOptionValue("output_flag", log)
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    # the interior point method solves the root LP several times faster than the dual simplex here
    h.setOptionValue("mip_lp_solver", "ipm")
    h.setOptionValue("time_limit", max(0.01, deadline - time.perf_counter()))
    x0 = full_vector(model, np.searchsorted(cols, best))
    h.setSolution(len(x0), np.arange(len(x0), dtype=np.int32), x0)
    if log:
        print(f"search: {best_value + offset:.0f} when HiGHS starts on {model.m} of {cov.m} candidates", flush=True)

    def take(event: highspy.HighsCallbackEvent) -> None:  # HiGHS's better solutions feed the search
        x = np.asarray(event.data_out.mip_solution)
        if len(x) == model.k + model.m:
            inc.offer(cols[np.flatnonzero(x[model.k :] > 0.5)])

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
        inc.offer(cols[np.flatnonzero(x[model.k :] > 0.5)])
    sites, value, _ = inc.get()
    if log:
        print(f"search: {value + offset:.0f} at the end", flush=True)
    searched = max(float(info.mip_dual_bound), left_out + offset)  # HiGHS's, and the left-out candidates'
    bound = searched if priced is None else min(searched, priced.bound + offset)
    return Outcome(
        sites=sites,
        value=value,
        bound=bound if np.isfinite(bound) else np.inf,
        optimal=bool(status) and status[0] == highspy.HighsModelStatus.kOptimal,
        candidates=model.m,
        proof="priced" if bound < searched else "branch-and-bound",
    )
