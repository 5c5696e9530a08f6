"""The reduced maximal covering model shared by the search (`mclp_search`) and its bounds (`mclp_bounds`):
a 0/1 coverage matrix with row weights and the swap moves on it, the HiGHS model of

    max sum w_i c_i  subject to  c_i <= sum_{j covers i} x_j,  sum x_j <= q,  x binary,  c in [0, 1],

the model restricted to some candidates, and the stop flag every step of a solve checks."""

from __future__ import annotations

import threading
import time

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


def _model(cov: Coverage) -> sp.csc_matrix:
    k, m = cov.k, cov.m
    return sp.vstack(
        [
            sp.hstack([sp.identity(k, format="csr"), -cov.col]),
            sp.hstack([sp.csr_matrix((1, k)), sp.csr_matrix(np.ones((1, m)))]),
        ]
    ).tocsc()


def highs_model(cov: Coverage, q: float, offset: float, integer: bool = True, site_cost: float = 0.0) -> highspy.Highs:
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


def full_vector(cov: Coverage, sites: np.ndarray) -> np.ndarray:
    x = np.zeros(cov.k + cov.m)
    x[: cov.k] = cov.counts(sites) > 0
    x[cov.k + np.asarray(sites, dtype=np.int64)] = 1.0
    return x


def restricted(cov: Coverage, cols: np.ndarray, weights: np.ndarray | None = None) -> Coverage:
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
