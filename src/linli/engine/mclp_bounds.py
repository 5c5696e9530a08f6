"""Upper bounds for the reduced maximal covering model (`mclp_model`): the LP relaxation, the bound of every
candidate opened (`opening_bounds`, which lets the branch-and-bound leave out the candidates that cannot
matter) and the far tighter bound with the site limit priced (`priced_bound`), solved in small pieces."""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from linli.engine.mclp_model import Coverage, StopFlag, highs_model, restricted


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
    h = highs_model(cov, q, 0.0, integer=False)
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
        part = restricted(cov, cols, weights)
        if part.m == 1:
            gain = float(part.w.sum()) - price
            return max(0.0, gain), cols if gain > 0 else cols[:0], True
        h = highs_model(part, np.inf, 0.0, site_cost=price)
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
