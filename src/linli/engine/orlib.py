"""OR-Library p-median instances (Beasley 1990): the benchmark files the p-median is checked against."""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra

from linli.engine.siting_inputs import SitingError


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
