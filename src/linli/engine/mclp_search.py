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

    def trim(self, sites: np.ndarray, n: int) -> np.ndarray:
        """`sites` cut down to `n`, each time closing the site whose loss (the weight only it covers) is least."""
        kept = [int(j) for j in np.unique(np.asarray(sites, dtype=np.int64))]
        count = self.counts(np.array(kept, dtype=np.int64))
        while len(kept) > n:
            loss = [float(self.w[r][count[r] == 1].sum()) for r in map(self.rows_of, kept)]
            count[self.rows_of(kept.pop(int(np.argmin(loss))))] -= 1
        return np.sort(np.array(kept, dtype=np.int64))

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


def _highs_model(cov: Coverage, q: float, offset: float, integer: bool = True, site_cost: float = 0.0) -> highspy.Highs:
    """max sum w_i c_i - site_cost * sum x_j + offset, c_i <= sum of the covering x_j, sum x_j <= q (q may
    be inf), c in [0, 1], x binary (or in [0, 1] unless `integer`)."""
    k, m = cov.k, cov.m
    a = _model(cov)
    lp = highspy.HighsLp()
    lp.num_col_ = k + m
    lp.num_row_ = k + 1
    lp.col_cost_ = np.concatenate([cov.w, np.full(m, -float(site_cost))])
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


@dataclass(frozen=True)
class Relaxation:
    """An optimal solution of the LP relaxation: the candidates' values, the coverage rows' multipliers
    (their duals, clipped to [0, w]) and the price of one more site (the dual of sum x_j <= q)."""

    x: np.ndarray
    lam: np.ndarray
    site_price: float


def lp_relaxation(cov: Coverage, q: int, stop: StopFlag) -> Relaxation | None:
    """The LP relaxation by the interior point method (far faster than the dual simplex on this LP); None
    when it is not solved in time."""
    h = _highs_model(cov, q, 0.0, integer=False)
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("time_limit", max(0.01, stop.deadline - time.perf_counter()))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = h.getSolution()
    duals = np.abs(np.asarray(solution.row_dual))
    lam = np.clip(duals[: cov.k], 0.0, cov.w)
    return Relaxation(x=np.asarray(solution.col_value)[cov.k :], lam=lam, site_price=float(duals[cov.k]))


def opening_bounds(cov: Coverage, q: int, lam: np.ndarray) -> np.ndarray:
    """For every candidate j, an upper bound on the covered weight of any solution of at most `q` sites
    that opens j. Relaxing the rows c_i <= sum_j x_j with multipliers lam >= 0 leaves
    sum_i max(0, w_i - lam_i) + (the q largest s_j, s = lam summed over the rows a site covers), a valid
    bound for every lam (the LP's duals make it the LP bound); with j forced open, s_j and the q - 1
    largest of the others."""
    lam = np.asarray(lam, dtype=np.float64)
    s = cov.row @ lam
    base = float(np.maximum(0.0, cov.w - lam).sum())
    q = min(q, cov.m)
    order = np.sort(s)[::-1]
    top = float(order[:q].sum())
    if q == 1:
        return base + s
    # j among the q - 1 largest: the bound is the unforced one; otherwise j replaces the q-th largest
    return base + np.where(s >= order[q - 2], top, top - order[q - 1] + s)


# Groups of candidates above this size are cut in two for the priced bound: on the city benchmark a group
# of 401 took 24-33 s whole and 18 s cut into 286 + 115, and cutting finer lost too much (docs/benchmarks.md)
MAX_PIECE = 300


@dataclass(frozen=True)
class PricedBound:
    """The Lagrangian bound of `priced_bound`: `bound` >= the covered weight of every solution of at most q
    sites; `sites` the union of the pieces' best site sets (of any size); `proven` whether every piece
    was solved to the gap it was asked for."""

    bound: float
    sites: np.ndarray
    proven: bool
    pieces: int
    largest: int
    cuts: int  # how many groups were cut in two


def priced_bound(
    cov: Coverage,
    q: int,
    price: float,
    deadline: float,
    *,
    rel_gap: float = 0.0,
    row_prices: np.ndarray | None = None,
    max_piece: int = MAX_PIECE,
) -> PricedBound:
    """An upper bound on the best coverage by q sites from the problem with the limit priced instead.

    For every price >= 0 and every S of at most q sites, f(S) <= price * q + max over all S' of
    (f(S') - price * |S'|), and that maximum falls apart into small MIPs (`_pieces`): a candidate
    covering at most `price` in all is never needed, the rest splits into groups that share no row,
    and a group larger than `max_piece` is cut in two where few rows join the halves, each such row
    priced at its multiplier in `row_prices` (the LP's duals) for either half. HiGHS solves the pieces
    (two at a time, largest first; each piece's own dual bound counts, so the bound stays valid when the
    deadline stops one). Solved in integers, the pieces give a bound near the concave envelope of the
    best coverage by q sites at the LP's site price: on clustered city demand 0.3 % above the optimum
    for the LP, under 0.02 % here."""
    from concurrent.futures import ThreadPoolExecutor

    pieces, base, cuts = _pieces(cov, price, row_prices, max_piece)
    pieces.sort(key=lambda piece: len(piece[0]), reverse=True)

    def solve_piece(piece: tuple[np.ndarray, np.ndarray]) -> tuple[float, np.ndarray, bool]:
        cols, weights = piece
        part = _restricted(cov, cols, weights)
        if part.m == 1:
            gain = float(part.w.sum()) - price
            return max(0.0, gain), cols if gain > 0 else cols[:0], True
        h = _highs_model(part, np.inf, 0.0, site_cost=price)
        h.setOptionValue("mip_rel_gap", float(rel_gap))
        h.setOptionValue("time_limit", max(0.01, deadline - time.perf_counter()))
        h.run()
        info = h.getInfo()
        chosen = cols[:0]
        if info.primal_solution_status == 2:
            chosen = cols[np.asarray(h.getSolution().col_value)[part.k :] > 0.5]
        bound = float(info.mip_dual_bound)
        bound = bound if np.isfinite(bound) else float(part.w.sum())  # nothing proven: all it could cover
        return bound, chosen, h.getModelStatus() == highspy.HighsModelStatus.kOptimal

    with ThreadPoolExecutor(max_workers=2) as pool:  # HiGHS releases the GIL while it solves
        results = list(pool.map(solve_piece, pieces))
    return PricedBound(
        bound=price * q + base + sum(r[0] for r in results),
        sites=np.sort(np.concatenate([r[1] for r in results] or [np.zeros(0)])).astype(np.int64),
        proven=all(r[2] for r in results),
        pieces=len(pieces),
        largest=max((len(piece[0]) for piece in pieces), default=0),
        cuts=cuts,
    )


def _pieces(
    cov: Coverage, price: float, row_prices: np.ndarray | None, max_piece: int
) -> tuple[list[tuple[np.ndarray, np.ndarray]], float, int]:
    """The priced problem max f(S) - price |S| as independent pieces (candidates, row weights), a constant
    and the number of cuts made: the bound is the constant plus the pieces' maxima.

    A candidate whose rows weigh at most `price` is dropped (closing it never loses more than it saves);
    candidates sharing no row (of positive weight) with each other are separate pieces. A piece larger
    than `max_piece` is cut along a spectral ordering (`_bisect`) and each row joining the two halves is
    shared out: its weight w becomes the constant max(0, w - p) plus p in each half, p its price clipped
    to [0, w]; since w [covered] <= (w - p) + p [covered from A] + p [covered from B], the bound stays
    valid for any prices, and with the LP's duals little is lost where few rows join the halves."""
    from scipy.sparse.csgraph import connected_components

    base = 0.0
    cuts = 0
    out: list[tuple[np.ndarray, np.ndarray]] = []
    stack = [(np.arange(cov.m), cov.w.copy())]
    while stack:
        cols, weights = stack.pop()
        sub = cov.col[:, cols]
        cols = cols[np.asarray(sub.T @ weights).ravel() > price]
        if not len(cols):
            continue
        live = sp.csc_matrix(cov.col[:, cols].multiply((weights > 0)[:, None]))
        adjacency = (live.T @ live).tocsr()
        n, label = connected_components(adjacency, directed=False)
        for c in range(n):
            group = cols[label == c]
            halves = _bisect(cov, group, weights) if len(group) > max_piece and row_prices is not None else None
            if halves is None or row_prices is None:
                out.append((group, weights))
                continue
            cuts += 1
            a, b, cut = halves
            shared = np.minimum(np.maximum(row_prices[cut], 0.0), weights[cut])
            base += float((weights[cut] - shared).sum())
            split = weights.copy()
            split[cut] = shared
            stack.extend([(a, split), (b, split)])
    return out, base, cuts


def _bisect(cov: Coverage, cols: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Cut candidates `cols` in two (each at least a fifth) where the rows joining the halves weigh least
    for the size of the smaller half, along the Fiedler vector of the graph of shared row weight (the
    reverse Cuthill-McKee order above 3,000 candidates). Returns (half, other half, the joining rows)."""
    from scipy.sparse.csgraph import laplacian, reverse_cuthill_mckee

    sub = sp.csr_matrix(cov.col[:, cols].multiply((weights > 0)[:, None]))
    rows = np.flatnonzero(np.diff(sub.indptr) > 0)
    sub = sub[rows]
    n = len(cols)
    shared = (sub.T @ sp.diags(weights[rows]) @ sub).tocsr()
    shared.setdiag(0)
    shared.eliminate_zeros()
    if n <= 3000:
        _, vectors = np.linalg.eigh(laplacian(shared.toarray()))
        order = np.argsort(vectors[:, 1], kind="stable")
    else:
        order = np.asarray(reverse_cuthill_mckee(shared, symmetric_mode=True))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    ranks = rank[sub.indices]
    starts = sub.indptr[:-1]
    low = np.minimum.reduceat(ranks, starts)
    high = np.maximum.reduceat(ranks, starts)
    # a row joins the halves {rank <= t} and {rank > t} when low <= t < high
    cut_weight = np.cumsum(
        np.bincount(low, weights[rows], minlength=n) - np.bincount(high, weights[rows], minlength=n)
    )[: n - 1]
    sizes = np.minimum(np.arange(1, n), n - np.arange(1, n))
    ok = sizes >= max(1, n // 5)
    if not ok.any():
        return None
    t = int(np.argmin(np.where(ok, cut_weight / sizes, np.inf)))
    joining = rows[(low <= t) & (t < high)]
    return cols[order[: t + 1]], cols[order[t + 1 :]], joining


def _restricted(cov: Coverage, cols: np.ndarray, weights: np.ndarray | None = None) -> Coverage:
    """The model over the candidates `cols` only (rows weighted by `weights`, default the model's): rows
    none of them covers, or of no weight, dropped, rows covered by the same ones merged (summed weights)."""
    weights = cov.w if weights is None else weights
    sub = sp.csr_matrix(cov.col[:, cols])
    live = np.flatnonzero((np.diff(sub.indptr) > 0) & (weights > 0))
    sub = sub[live]
    _, first, which = np.unique(
        [sub.indices[sub.indptr[i] : sub.indptr[i + 1]].tobytes() for i in range(sub.shape[0])],
        return_index=True,
        return_inverse=True,
    )
    merged = np.bincount(np.asarray(which).ravel(), weights=weights[live], minlength=len(first))
    return Coverage(sub[first], merged)


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
    model = cov if len(cols) == cov.m else _restricted(cov, cols)
    h = _highs_model(model, q, offset)
    h.setOptionValue("output_flag", log)
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    # the interior point method solves the root LP several times faster than the dual simplex here
    h.setOptionValue("mip_lp_solver", "ipm")
    h.setOptionValue("time_limit", max(0.01, deadline - time.perf_counter()))
    x0 = _full_vector(model, np.searchsorted(cols, best))
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
