"""The arrays of a siting question on a walking network: demand and sites snapped to the network, demand
merged when there is too much of it, candidate sites generated on a grid, the community each site lies in,
and the walking-distance matrix the models (`lscp`, `mclp`, `pmedian`) take.

Points are WGS-84 degrees; distances are metres. `linli.planning.siting` gathers the inputs from the
database and calls these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree

from linli.engine import access
from linli.engine import network as net


@dataclass(frozen=True)
class Located:
    """Points snapped to a network.

    Attributes
    ----------
    lon, lat : (n,) float arrays
        WGS-84 degrees.
    node : (n,) int64 array
        Index of each point's nearest network node.
    snap : (n,) float array
        Straight-line metres from each point to its node.
    """

    lon: np.ndarray
    lat: np.ndarray
    node: np.ndarray
    snap: np.ndarray

    def __len__(self) -> int:
        return len(self.node)


def locate_on(network: net.Network, lon: ArrayLike, lat: ArrayLike) -> Located:
    """Snap points to `network`.

    Parameters
    ----------
    network : Network
    lon, lat : (n,) array_like
        WGS-84 degrees; n may be 0.

    Returns
    -------
    Located
    """
    lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if len(lon_a) == 0:
        empty = np.empty(0)
        return Located(empty, empty, np.empty(0, dtype=np.int64), empty)
    s = net.snap(network, lon_a, lat_a)
    return Located(lon_a, lat_a, s.node, s.distance)


def join(first: Located, second: Located) -> Located:
    """The points of `first` then those of `second` (for example existing sites, then candidates)."""
    return Located(
        np.concatenate([first.lon, second.lon]),
        np.concatenate([first.lat, second.lat]),
        np.concatenate([first.node, second.node]),
        np.concatenate([first.snap, second.snap]),
    )


@dataclass(frozen=True)
class Aggregated:
    """Demand merged by `aggregate`.

    Attributes
    ----------
    points : Located
        One row per group: the weighted mean position and snap distance, the shared node.
    weight : (k,) float array
        Summed weight of each group.
    group : (n,) int array
        The group (row of `points`) of every input point.
    """

    points: Located
    weight: np.ndarray
    group: np.ndarray


def aggregate(points: Located, weights: ArrayLike, bucket_m: float) -> Aggregated:
    """Merge demand points snapped to the same node whose snap distances fall in the same `bucket_m` band.

    Parameters
    ----------
    points : Located
        n demand points.
    weights : (n,) array_like
        Their weights (residents), >= 0.
    bucket_m : float
        Width of a snap-distance band in metres.

    Returns
    -------
    Aggregated
        Positions are weighted by `weights` (an all-zero group by count).
    """
    w = np.asarray(weights, dtype=np.float64)
    key = points.node * 100_000 + np.floor(points.snap / bucket_m).astype(np.int64)
    _uniq, group = np.unique(key, return_inverse=True)
    n = int(group.max()) + 1 if len(group) else 0
    weight = np.bincount(group, weights=w, minlength=n)
    count = np.bincount(group, minlength=n)
    share = np.where(weight[group] > 0, w / np.where(weight[group] > 0, weight[group], 1), 1 / count[group])
    node = np.zeros(n, dtype=np.int64)
    node[group] = points.node
    merged = Located(
        lon=np.bincount(group, weights=points.lon * share, minlength=n),
        lat=np.bincount(group, weights=points.lat * share, minlength=n),
        node=node,
        snap=np.bincount(group, weights=points.snap * share, minlength=n),
    )
    return Aggregated(merged, weight, group)


def nodes_inside(network: net.Network, boundary: Mapping[str, Any] | None) -> np.ndarray:
    """Indices of the network nodes inside a GeoJSON (multi)polygon `boundary`; every node when None."""
    nodes = np.arange(network.n_nodes)
    if not boundary:
        return nodes
    import shapely
    from shapely.geometry import shape

    geometry = shape(boundary)
    x0, y0, x1, y1 = geometry.bounds
    lon, lat = network.lon, network.lat
    boxed = np.flatnonzero((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
    return boxed[shapely.contains_xy(geometry, lon[boxed], lat[boxed])]


def uncovered(network: net.Network, demand: Located, existing: Located, radius: float) -> np.ndarray:
    """Boolean (n_demand,) mask of the demand points farther than `radius` metres (snaps included) from
    every existing site; all True when there is no existing site."""
    if len(existing) == 0:
        return np.ones(len(demand), dtype=bool)
    nearest = access.nearest_facility_nodes(network, existing.node, existing.snap, limit=radius)
    return np.asarray(demand.snap + nearest.distance[demand.node] > radius)


def grid_candidates(
    network: net.Network,
    demand: Located,
    weights: ArrayLike,
    *,
    relevant: ArrayLike,
    allowed: ArrayLike,
    cell_m: float,
    cap: int,
) -> np.ndarray:
    """Candidate sites generated on a grid: for every `cell_m` square cell holding relevant demand, the
    allowed network node nearest the cell's weighted centre; the heaviest cells first, each node once, at
    most `cap`.

    Parameters
    ----------
    network : Network
    demand : Located
        n demand points.
    weights : (n,) array_like
        Demand weights.
    relevant : (n,) bool array_like
        The demand still to serve (see `uncovered`).
    allowed : (k,) int array_like
        Network nodes a site may be put on (see `nodes_inside`).
    cell_m : float
        Grid cell side in metres (in the network's projection).
    cap : int
        Most candidates returned.

    Returns
    -------
    (c,) int64 array
        Network node indices, c <= cap.
    """
    nodes = np.asarray(allowed, dtype=np.int64)
    keep = np.asarray(relevant, dtype=bool)
    if len(nodes) == 0 or not keep.any():
        return np.empty(0, dtype=np.int64)
    x, y = net.project(demand.lon[keep], demand.lat[keep], *network.origin)
    weight = np.asarray(weights, dtype=np.float64)[keep]
    cell = np.floor(x / cell_m).astype(np.int64) * 1_000_003 + np.floor(y / cell_m).astype(np.int64)
    _uniq, group = np.unique(cell, return_inverse=True)
    total = np.bincount(group, weights=weight)
    safe = np.where(total > 0, total, 1)
    cx = np.bincount(group, weights=x * weight) / safe
    cy = np.bincount(group, weights=y * weight) / safe
    tree = cKDTree(np.column_stack([network.x[nodes], network.y[nodes]]))
    _dist, nearest = tree.query(np.column_stack([cx, cy]))
    chosen: list[int] = []
    seen: set[int] = set()
    for c in np.argsort(-total, kind="stable"):
        node = int(nodes[nearest[c]])
        if node not in seen:
            seen.add(node)
            chosen.append(node)
        if len(chosen) >= cap:
            break
    return np.array(chosen, dtype=np.int64)


def containing(boundaries: Sequence[Mapping[str, Any] | None], lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """The polygon containing each point: the first of `boundaries` (GeoJSON, None = unknown) that contains
    it, else the nearest one (a point on a border or just outside them all).

    Parameters
    ----------
    boundaries : sequence of GeoJSON mappings or None
    lon, lat : (n,) array_like
        WGS-84 degrees.

    Returns
    -------
    (n,) int64 array
        Index into `boundaries`; -1 when no boundary is known.
    """
    import shapely
    from shapely.geometry import shape

    lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    found = np.full(len(lon_a), -1, dtype=np.int64)
    shapes = [(i, shape(b)) for i, b in enumerate(boundaries) if b]
    for i, geometry in shapes:
        inside = shapely.contains_xy(geometry, lon_a, lat_a) & (found < 0)
        found[inside] = i
    for j in np.flatnonzero(found < 0).tolist():
        if shapes:
            point = shapely.Point(float(lon_a[j]), float(lat_a[j]))
            found[j] = min(shapes, key=lambda s: s[1].distance(point))[0]
    return found


def walking_distances(
    network: net.Network,
    demand: Located,
    sites: Located,
    *,
    limit: float = np.inf,
    chunk: int = 64,
    on_chunk: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Walking distances (snaps + network path) from every demand point to every site, `chunk` site
    columns per batch of shortest-path searches.

    Parameters
    ----------
    network : Network
    demand : Located
        n demand points.
    sites : Located
        m sites.
    limit : float
        Paths longer than this many metres are not followed (``inf`` in the result).
    chunk : int
        Site columns per batch.
    on_chunk : callable(done, total), optional
        Called after each batch with the number of columns done and m (progress reports).

    Returns
    -------
    (n, m) float array
        Metres; ``inf`` = unreachable within `limit`.
    """
    d = np.full((len(demand), len(sites)), np.inf)
    total = len(sites)
    for start in range(0, total, chunk):
        part = slice(start, min(start + chunk, total))
        d[:, part] = access.distance_matrix(
            network,
            demand.node,
            sites.node[part],
            origin_snap=demand.snap,
            dest_snap=sites.snap[part],
            limit=limit,
        )
        if on_chunk is not None:
            on_chunk(part.stop, total)
    return d
