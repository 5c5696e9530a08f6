"""Inputs shared by the siting models (`linli.engine.lscp`, `mclp`, `pmedian`): their errors and the checks
of their arguments, and the coverage matrix of the two covering models.

Every model takes a cost matrix `distances` of shape (n_demand, n_candidates) (``inf`` = unreachable; for
the covering models it may also be a scipy sparse matrix whose stored entries are the finite distances),
optional demand `weights` and `existing` candidate indices that are open whatever the solution. An error
names the argument.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class SitingError(ValueError):
    """Bad input to a siting model (the message names the input)."""


class InfeasibleError(SitingError):
    """No solution exists; `points` are the demand points that cannot be served."""

    def __init__(self, message: str, points: np.ndarray) -> None:
        self.points = points
        shown = ", ".join(f"#{i}" for i in points[:30])
        more = f" and {len(points) - 30} more" if len(points) > 30 else ""
        super().__init__(f"{message}: demand point(s) {shown}{more}")


def check_distances(distances: object) -> np.ndarray:
    if sp.issparse(distances):
        raise SitingError("distances must be a dense array for the p-median")
    d = np.asarray(distances, dtype=np.float64)
    if d.ndim != 2 or d.shape[0] == 0 or d.shape[1] == 0:
        raise SitingError(f"distances must be a non-empty 2-d array (demand x candidates), got shape {d.shape}")
    bad = np.argwhere(np.isnan(d) | (d < 0))
    if len(bad):
        raise SitingError(f"distances must be >= 0 (inf = unreachable); bad at (demand, candidate) {bad[:10].tolist()}")
    return d


def check_weights(weights: object, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,):
        raise SitingError(f"weights must have shape ({n},), got {w.shape}")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if len(bad):
        raise SitingError(f"weights must be finite and >= 0; bad at demand point(s) {bad[:20].tolist()}")
    return w


def check_existing(existing: object, m: int) -> np.ndarray:
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


def check_p(p: object, m: int, n_existing: int) -> int:
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


def check_radius(radius: object) -> float:
    r = float(radius)  # type: ignore[arg-type]
    if not r > 0 or not np.isfinite(r):
        raise SitingError(f"radius must be a positive number of metres, got {radius}")
    return r


def check_time_limit(t: float) -> float:
    if not t > 0:
        raise SitingError(f"time_limit must be > 0 seconds, got {t}")
    return float(t)


def coverage_matrix(distances: object, radius: float) -> sp.csr_matrix:
    """Boolean sparse (n_demand, n_candidates) matrix: candidate j covers demand i when d[i, j] <= radius.

    `distances` is a dense array or a sparse matrix whose stored entries (explicit zeros included) are the
    finite distances."""
    r = check_radius(radius)
    if sp.issparse(distances):
        coo = sp.coo_matrix(distances)
        if coo.ndim != 2 or 0 in coo.shape:
            raise SitingError(f"distances must be a non-empty 2-d matrix, got shape {coo.shape}")
        if np.any(np.isnan(coo.data) | (coo.data < 0)):
            raise SitingError("distances must be >= 0")
        keep = coo.data <= r
        return sp.csr_matrix((np.ones(int(keep.sum()), dtype=bool), (coo.row[keep], coo.col[keep])), shape=coo.shape)
    d = check_distances(distances)
    return sp.csr_matrix(d <= r)
