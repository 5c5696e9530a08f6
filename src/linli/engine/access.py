"""Network accessibility: nearest facility of each type, coverage by population, catchments.

Points (demand points and facilities) are given as the network node they snap to plus the snap distance in
metres (see `network.snap`); the distance between a point and a facility is
``demand snap + shortest network path + facility snap``. Every function accepts the snap distances as
optional (0 when omitted), so nodes themselves can be the demand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import dijkstra

from linli.engine.network import Network


class AccessError(ValueError):
    """Bad input to an accessibility function (the message names the input)."""


def _nodes(network: Network, name: str, nodes: object) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(nodes))
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise AccessError(f"{name} must be a 1-d array of node indices")
    arr = arr.astype(np.int64)
    bad = np.flatnonzero((arr < 0) | (arr >= network.n_nodes))
    if len(bad):
        raise AccessError(
            f"{name} has node indices outside 0..{network.n_nodes - 1} at position(s) {bad[:20].tolist()}"
        )
    return arr


def _offsets(name: str, values: object, n: int) -> np.ndarray:
    if values is None:
        return np.zeros(n)
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if arr.shape != (n,):
        raise AccessError(f"{name} must have shape ({n},), got {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
    if len(bad):
        raise AccessError(f"{name} must be finite and >= 0; bad at position(s) {bad[:20].tolist()}")
    return arr


def _radius(name: str, value: float) -> float:
    value = float(value)
    if not (value > 0):
        raise AccessError(f"{name} must be > 0 metres, got {value}")
    return value


@dataclass(frozen=True)
class NodeNearest:
    """For every network node: distance to the nearest facility (`inf` beyond the limit) and its index
    into the facility arrays given (-1 when none)."""

    distance: np.ndarray
    facility: np.ndarray


def _roots(pred: np.ndarray, virtual: int) -> np.ndarray:
    """Child of `virtual` on each node's shortest-path tree branch (pointer doubling); -1 if unreached."""
    n = len(pred)
    idx = np.arange(n)
    parent = pred.astype(np.int64)
    unreached = parent < 0
    parent[unreached | (parent == virtual)] = idx[unreached | (parent == virtual)]
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            break
        parent = grand
    parent[unreached] = -1
    return parent


def nearest_facility_nodes(
    network: Network,
    facility_node: ArrayLike,
    facility_snap: ArrayLike | None = None,
    *,
    limit: float = np.inf,
) -> NodeNearest:
    """Network distance from every node to its nearest facility, by one multi-source Dijkstra.

    Facilities with a snap distance enter the search through a virtual source joined to each facility
    node by an edge of that length. Nodes farther than `limit` get `inf` and facility -1.
    """
    fac = _nodes(network, "facility_node", facility_node)
    off = _offsets("facility_snap", facility_snap, len(fac))
    if not limit > 0:
        raise AccessError(f"limit must be > 0 metres, got {limit}")
    n = network.n_nodes
    if len(fac) == 0:
        return NodeNearest(np.full(n, np.inf), np.full(n, -1, dtype=np.int64))
    # Of several facilities at one node only the one with the shortest snap can be nearest.
    order = np.lexsort((off, fac))
    first = np.ones(len(order), dtype=bool)
    first[1:] = fac[order][1:] != fac[order][:-1]
    best = order[first]
    at_node = np.full(n, -1, dtype=np.int64)
    at_node[fac[best]] = best
    g = network.graph
    if not off[best].any():
        dist, _, src = dijkstra(
            g, directed=True, indices=fac[best], min_only=True, return_predecessors=True, limit=limit
        )
        facility = np.where(src >= 0, at_node[np.maximum(src, 0)], -1)
        return NodeNearest(dist, facility)
    k = len(best)
    aug = sp.csr_matrix(
        (
            np.concatenate([g.data, off[best]]),
            np.concatenate([g.indices, fac[best].astype(g.indices.dtype)]),
            np.concatenate([g.indptr, [g.indptr[-1] + k]]),
        ),
        shape=(n + 1, n + 1),
    )
    dist, pred = dijkstra(aug, directed=True, indices=n, return_predecessors=True, limit=limit)
    root = _roots(pred, n)[:n]
    facility = np.where(root >= 0, at_node[np.maximum(root, 0)], -1)
    return NodeNearest(dist[:n], facility)


@dataclass(frozen=True)
class Accessibility:
    """Nearest facility of each type for every demand point.

    `distance[i, t]` is the demand point's snap + network path + facility snap in metres to the nearest
    facility of `types[t]` (`inf` if none within the limit); `facility[i, t]` its index into the facility
    arrays given (-1 if none); `snap` the demand points' snap distances.
    """

    types: tuple[str, ...]
    distance: np.ndarray
    facility: np.ndarray
    snap: np.ndarray

    def column(self, facility_type: str) -> int:
        try:
            return self.types.index(facility_type)
        except ValueError:
            raise AccessError(f"unknown facility type {facility_type!r}; known: {list(self.types)}") from None


def accessibility(
    network: Network,
    facility_node: ArrayLike,
    facility_type: ArrayLike,
    *,
    facility_snap: ArrayLike | None = None,
    demand_node: ArrayLike | None = None,
    demand_snap: ArrayLike | None = None,
    limit: float = np.inf,
) -> Accessibility:
    """Nearest facility of every type for every demand point (every node when `demand_node` is None).

    One multi-source Dijkstra per facility type; `limit` caps the network search in metres.
    """
    fac = _nodes(network, "facility_node", facility_node)
    ftype = np.asarray(facility_type).astype(str)
    if ftype.shape != fac.shape:
        raise AccessError(f"facility_type must have shape {fac.shape}, got {ftype.shape}")
    off = _offsets("facility_snap", facility_snap, len(fac))
    dem = np.arange(network.n_nodes) if demand_node is None else _nodes(network, "demand_node", demand_node)
    dsnap = _offsets("demand_snap", demand_snap, len(dem))
    types = tuple(sorted(set(ftype.tolist())))
    distance = np.empty((len(dem), len(types)))
    facility = np.empty((len(dem), len(types)), dtype=np.int64)
    for t, name in enumerate(types):
        members = np.flatnonzero(ftype == name)
        res = nearest_facility_nodes(network, fac[members], off[members], limit=limit)
        distance[:, t] = res.distance[dem] + dsnap
        f = res.facility[dem]
        facility[:, t] = np.where(f >= 0, members[np.maximum(f, 0)], -1)
    return Accessibility(types=types, distance=distance, facility=facility, snap=dsnap)


@dataclass(frozen=True)
class TypeCoverage:
    """Coverage of one facility type: weights and points within the radius, in total and per group."""

    radius: float
    covered_weight: float
    total_weight: float
    ratio: float
    covered_points: int
    total_points: int
    group_covered: np.ndarray
    group_total: np.ndarray


@dataclass(frozen=True)
class Coverage:
    """Coverage per facility type; `covered[i, t]` says whether point i is within the radius of type t."""

    types: tuple[str, ...]
    groups: tuple[str, ...]
    covered: np.ndarray
    by_type: Mapping[str, TypeCoverage]


def _weights(weights: ArrayLike | None, n: int, groups: Sequence[str] | None) -> tuple[np.ndarray, tuple[str, ...]]:
    given = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    w = given[:, None] if given.ndim == 1 else given
    if w.ndim != 2 or w.shape[0] != n:
        raise AccessError(f"weights must have shape ({n},) or ({n}, n_groups), got {given.shape}")
    bad = np.flatnonzero((~np.isfinite(w) | (w < 0)).any(axis=1))
    if len(bad):
        raise AccessError(f"weights must be finite and >= 0; bad at point(s) {bad[:20].tolist()}")
    names = tuple(groups) if groups is not None else tuple(f"group{g}" for g in range(w.shape[1]))
    if w.shape[1] == 1 and groups is None:
        names = ("all",)
    if len(names) != w.shape[1]:
        raise AccessError(f"groups names {len(names)} groups but weights have {w.shape[1]} columns")
    return w, names


def coverage(
    access: Accessibility,
    radius: float | Mapping[str, float],
    weights: ArrayLike | None = None,
    *,
    groups: Sequence[str] | None = None,
) -> Coverage:
    """Share of the weight (population, optionally one column per age group) within `radius` metres of a
    facility, per type. `radius` is one value or a mapping type -> metres covering every type."""
    n = access.distance.shape[0]
    w, names = _weights(weights, n, groups)
    if isinstance(radius, Mapping):
        missing = [t for t in access.types if t not in radius]
        if missing:
            raise AccessError(f"radius has no value for facility type(s) {missing}")
        radii = [_radius(f"radius[{t!r}]", radius[t]) for t in access.types]
    else:
        radii = [_radius("radius", radius)] * len(access.types)
    covered = access.distance <= np.asarray(radii)[None, :]
    total = w.sum(axis=0)
    by_type = {}
    for t, name in enumerate(access.types):
        cov = w[covered[:, t]].sum(axis=0)
        tw = float(total.sum())
        by_type[name] = TypeCoverage(
            radius=radii[t],
            covered_weight=float(cov.sum()),
            total_weight=tw,
            ratio=float(cov.sum() / tw) if tw > 0 else 0.0,
            covered_points=int(covered[:, t].sum()),
            total_points=n,
            group_covered=cov,
            group_total=total,
        )
    return Coverage(types=access.types, groups=names, covered=covered, by_type=by_type)


@dataclass(frozen=True)
class Catchments:
    """Which facility serves each point (`facility`, -1 outside every catchment) and, per facility index,
    the points and weight it serves."""

    facility: np.ndarray
    points: np.ndarray
    weight: np.ndarray


def catchments(
    access: Accessibility,
    facility_type: str,
    n_facilities: int,
    weights: ArrayLike | None = None,
    *,
    radius: float | None = None,
) -> Catchments:
    """Catchments of the facilities of one type: each point is served by its nearest facility (within
    `radius` metres when given). `n_facilities` is the length of the facility arrays given to
    `accessibility`."""
    t = access.column(facility_type)
    n = access.distance.shape[0]
    w, _ = _weights(weights, n, None)
    fac = access.facility[:, t].copy()
    if radius is not None:
        fac[access.distance[:, t] > _radius("radius", radius)] = -1
    if fac.size and fac.max() >= n_facilities:
        raise AccessError(f"n_facilities={n_facilities} is smaller than the facility indices in access")
    served = fac >= 0
    return Catchments(
        facility=fac,
        points=np.bincount(fac[served], minlength=n_facilities),
        weight=np.bincount(fac[served], weights=w.sum(axis=1)[served], minlength=n_facilities),
    )


@dataclass(frozen=True)
class Within:
    """Facilities within the radius of a point, nearest first: their indices and distances in metres."""

    facility: np.ndarray
    distance: np.ndarray


def facilities_within(
    network: Network,
    node: int,
    radius: float,
    facility_node: ArrayLike,
    facility_snap: ArrayLike | None = None,
    *,
    snap: float = 0.0,
) -> Within:
    """Facilities whose distance (point snap + network + facility snap) from a point is at most `radius`."""
    radius = _radius("radius", radius)
    (node,) = _nodes(network, "node", [node])
    fac = _nodes(network, "facility_node", facility_node)
    off = _offsets("facility_snap", facility_snap, len(fac))
    snap = float(_offsets("snap", [snap], 1)[0])
    if snap > radius:
        return Within(np.empty(0, dtype=np.int64), np.empty(0))
    dist = dijkstra(network.graph, directed=True, indices=node, limit=radius - snap)
    d = snap + dist[fac] + off
    hit = np.flatnonzero(d <= radius)
    order = np.argsort(d[hit], kind="stable")
    return Within(hit[order], d[hit][order])


def distance_matrix(
    network: Network,
    origin_node: ArrayLike,
    dest_node: ArrayLike,
    *,
    origin_snap: ArrayLike | None = None,
    dest_snap: ArrayLike | None = None,
    limit: float = np.inf,
) -> np.ndarray:
    """Dense (n_origin, n_dest) matrix of point-to-point distances (snaps + network path); `inf` where the
    network path is longer than `limit`. Searches from the smaller side's distinct nodes."""
    o = _nodes(network, "origin_node", origin_node)
    d = _nodes(network, "dest_node", dest_node)
    osnap = _offsets("origin_snap", origin_snap, len(o))
    dsnap = _offsets("dest_snap", dest_snap, len(d))
    if not limit > 0:
        raise AccessError(f"limit must be > 0 metres, got {limit}")
    if len(np.unique(o)) <= len(np.unique(d)):
        src, inv = np.unique(o, return_inverse=True)
        net = dijkstra(network.graph, directed=True, indices=src, limit=limit)[inv][:, d]
    else:
        src, inv = np.unique(d, return_inverse=True)
        net = dijkstra(network.graph, directed=True, indices=src, limit=limit)[inv][:, o].T
    return np.asarray(net + osnap[:, None] + dsnap[None, :])
