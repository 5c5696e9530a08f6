"""Walking networks as CSR arrays: built from edge lists or an OpenStreetMap PBF, and point snapping.

A `Network` holds node coordinates (WGS-84 and a local metric projection) and a symmetric CSR adjacency
matrix of edge lengths in metres. Explicit zeros in the matrix are edges of length 0 (scipy's csgraph
routines treat stored zeros as edges), so the matrix must not be passed through operations that drop them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from os import PathLike

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from pyproj import CRS, Transformer
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_371_008.8

# Highway values a pedestrian may use.
WALKABLE_HIGHWAYS = frozenset(
    {
        "footway",
        "path",
        "pedestrian",
        "residential",
        "living_street",
        "service",
        "unclassified",
        "tertiary",
        "tertiary_link",
        "secondary",
        "secondary_link",
        "primary",
        "primary_link",
        "track",
        "steps",
        "cycleway",
    }
)
_FOOT_ALLOWED = frozenset({"yes", "designated", "permissive"})


class NetworkError(ValueError):
    """Bad input to a network function (the message names the input)."""


class SnapError(NetworkError):
    """Points are farther from the network than allowed; `points` and `distances` name them."""

    def __init__(self, points: np.ndarray, distances: np.ndarray, max_snap: float) -> None:
        self.points = points
        self.distances = distances
        shown = ", ".join(f"#{i} ({d:.1f} m)" for i, d in zip(points[:20], distances[:20], strict=True))
        more = f" and {len(points) - 20} more" if len(points) > 20 else ""
        super().__init__(
            f"{len(points)} point(s) are farther than max_snap={max_snap:g} m from the network: {shown}{more}"
        )


def is_walkable(tags: dict[str, str]) -> bool:
    """Whether an OSM way with these tags is part of the walking network.

    Walkable highway values are WALKABLE_HIGHWAYS (motorway and trunk are not in it). A way is excluded when
    `foot` is "no" or "private", or when `access` is "no" or "private" unless `foot` explicitly allows walking.
    """
    if tags.get("highway") not in WALKABLE_HIGHWAYS:
        return False
    foot = tags.get("foot")
    if foot in ("no", "private"):
        return False
    return not (tags.get("access") in ("no", "private") and foot not in _FOOT_ALLOWED)


def haversine(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> np.ndarray:
    """Great-circle distance in metres between WGS-84 points (arrays broadcast)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def bounding_box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) in degrees holding every point within `radius_m` of (lon, lat)
    by `haversine` (the same sphere): a pre-filter before measuring, for example a database range query.

    The longitude half-width is the largest longitude offset on the circle, asin(sin(r / R) / cos(lat)),
    reached north of the point's own latitude (Matuschek's bounding box); a box that reaches a pole spans
    every longitude. Longitudes are not wrapped at the antimeridian.
    """
    if not radius_m >= 0:
        raise NetworkError(f"radius_m must be >= 0, got {radius_m}")
    angular = radius_m / EARTH_RADIUS_M
    dlat = float(np.degrees(angular))
    lat_r = float(np.radians(lat))
    if abs(lat) + dlat >= 90.0:
        return -180.0, max(lat - dlat, -90.0), 180.0, min(lat + dlat, 90.0)
    dlon = float(np.degrees(np.arcsin(min(1.0, np.sin(angular) / np.cos(lat_r)))))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def project(lon: ArrayLike, lat: ArrayLike, lon0: float, lat0: float) -> tuple[np.ndarray, np.ndarray]:
    """Azimuthal equidistant projection centred on (lon0, lat0): x, y in metres."""
    crs = CRS.from_proj4(f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +no_defs")
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = tr.transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


@dataclass(frozen=True)
class Network:
    """An undirected walking network.

    `ids` (int64) are the original node ids (OSM ids, or 0..n-1); `lon`, `lat` WGS-84 degrees; `x`, `y`
    metres in the azimuthal equidistant projection centred on `origin` (lon, lat); `graph` is the symmetric
    n x n CSR matrix of edge lengths in metres.
    """

    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    origin: tuple[float, float]
    graph: sp.csr_matrix

    @property
    def n_nodes(self) -> int:
        return len(self.ids)

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return int(self.graph.nnz // 2)

    @cached_property
    def kdtree(self) -> cKDTree:
        """k-d tree on the projected node coordinates (built once)."""
        return cKDTree(np.column_stack([self.x, self.y]))

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Undirected edges as (u, v, length) with u < v."""
        coo = self.graph.tocoo()
        keep = coo.row < coo.col
        return coo.row[keep].astype(np.int64), coo.col[keep].astype(np.int64), coo.data[keep]

    def subgraph(self, nodes: np.ndarray) -> Network:
        """The network induced on `nodes` (sorted node indices), same projection origin."""
        nodes = np.asarray(nodes, dtype=np.int64)
        return Network(
            ids=self.ids[nodes],
            lon=self.lon[nodes],
            lat=self.lat[nodes],
            x=self.x[nodes],
            y=self.y[nodes],
            origin=self.origin,
            graph=self.graph[nodes][:, nodes].tocsr(),
        )

    def largest_component(self) -> Network:
        """The largest connected component (self if already connected)."""
        n_comp, labels = connected_components(self.graph, directed=False)
        if n_comp <= 1:
            return self
        biggest = np.argmax(np.bincount(labels))
        return self.subgraph(np.flatnonzero(labels == biggest))


def _as_1d(name: str, values: ArrayLike, dtype: type) -> np.ndarray:
    arr: np.ndarray = np.asarray(values, dtype=dtype)
    if arr.ndim != 1:
        raise NetworkError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def from_edges(
    lon: ArrayLike,
    lat: ArrayLike,
    u: ArrayLike,
    v: ArrayLike,
    length: ArrayLike | None = None,
    *,
    ids: ArrayLike | None = None,
    largest_component: bool = True,
) -> Network:
    """Build a network from node coordinates and undirected edges `u`-`v` (node indices).

    `length` defaults to the haversine distance between the end nodes. Self-loops are dropped and of
    parallel edges the shortest is kept. With `largest_component` only the largest connected component
    is kept (node indices then refer to the smaller network; `ids` keeps the original ids).
    """
    lon = _as_1d("lon", lon, np.float64)
    lat = _as_1d("lat", lat, np.float64)
    n = len(lon)
    if len(lat) != n:
        raise NetworkError(f"lon and lat differ in length ({n} and {len(lat)})")
    if n == 0:
        raise NetworkError("the network has no nodes")
    bad = np.flatnonzero(~np.isfinite(lon) | ~np.isfinite(lat) | (np.abs(lat) > 90) | (np.abs(lon) > 180))
    if len(bad):
        raise NetworkError(f"invalid coordinates at node(s) {bad[:20].tolist()}")
    u = _as_1d("u", u, np.int64)
    v = _as_1d("v", v, np.int64)
    if len(u) != len(v):
        raise NetworkError(f"u and v differ in length ({len(u)} and {len(v)})")
    for name, arr in (("u", u), ("v", v)):
        out = np.flatnonzero((arr < 0) | (arr >= n))
        if len(out):
            raise NetworkError(f"{name} refers to nodes outside 0..{n - 1} at edge(s) {out[:20].tolist()}")
    if length is None:
        w = haversine(lon[u], lat[u], lon[v], lat[v])
    else:
        w = _as_1d("length", length, np.float64)
        if len(w) != len(u):
            raise NetworkError(f"length has {len(w)} values for {len(u)} edges")
        bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
        if len(bad):
            raise NetworkError(f"length must be finite and >= 0; bad at edge(s) {bad[:20].tolist()}")
    node_ids = np.arange(n, dtype=np.int64) if ids is None else _as_1d("ids", ids, np.int64)
    if len(node_ids) != n:
        raise NetworkError(f"ids has {len(node_ids)} values for {n} nodes")

    a, b = np.minimum(u, v), np.maximum(u, v)
    keep = a != b
    a, b, w = a[keep], b[keep], w[keep]
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], w[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    a, b, w = a[first], b[first], w[first]
    # Built directly (no addition of matrices) so that zero-length edges stay stored as explicit zeros.
    graph = sp.csr_matrix((np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))), (n, n))
    graph.sort_indices()

    lon0, lat0 = float(np.mean(lon)), float(np.mean(lat))
    x, y = project(lon, lat, lon0, lat0)
    net = Network(ids=node_ids, lon=lon, lat=lat, x=x, y=y, origin=(lon0, lat0), graph=graph)
    return net.largest_component() if largest_component else net


def read_osm_ways(path: str | PathLike[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Walkable ways of an OSM PBF/XML file as (node ids, lon, lat, u, v): every consecutive node pair of a
    walkable way is an edge (pairs with a node missing from the file are skipped), `u` and `v` index the
    node arrays."""
    import osmium

    pairs_a: list[int] = []
    pairs_b: list[int] = []
    coords: dict[int, tuple[float, float]] = {}
    try:
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in processor:
            if not is_walkable(dict(way.tags)):
                continue
            prev: tuple[int, float, float] | None = None
            for nd in way.nodes:  # type: ignore[union-attr]
                loc = nd.location
                if not loc.valid():  # a node outside the extract breaks the way
                    prev = None
                    continue
                cur = (nd.ref, loc.lon, loc.lat)
                if prev is not None and prev[0] != cur[0]:
                    coords[prev[0]] = prev[1:]
                    coords[cur[0]] = cur[1:]
                    pairs_a.append(prev[0])
                    pairs_b.append(cur[0])
                prev = cur
    except RuntimeError as exc:
        raise NetworkError(f"cannot read OSM file {path}: {exc}") from exc
    if not pairs_a:
        raise NetworkError(f"{path} has no walkable ways (highway tags {sorted(WALKABLE_HIGHWAYS)})")
    node_ids = np.fromiter(coords.keys(), dtype=np.int64, count=len(coords))
    ll = np.array(list(coords.values()), dtype=np.float64)
    order = np.argsort(node_ids)
    node_ids, ll = node_ids[order], ll[order]
    u = np.searchsorted(node_ids, np.array(pairs_a, dtype=np.int64))
    v = np.searchsorted(node_ids, np.array(pairs_b, dtype=np.int64))
    return node_ids, ll[:, 0], ll[:, 1], u, v


def from_osm_pbf(path: str | PathLike[str], *, largest_component: bool = True) -> Network:
    """The walking network of an OSM file (see `is_walkable`), haversine edge lengths, shortest of parallel
    edges, largest connected component."""
    ids, lon, lat, u, v = read_osm_ways(path)
    return from_edges(lon, lat, u, v, ids=ids, largest_component=largest_component)


@dataclass(frozen=True)
class Snapped:
    """Nearest network node (index) of each point and the straight-line distance to it in metres."""

    node: np.ndarray
    distance: np.ndarray


def snap(network: Network, lon: ArrayLike, lat: ArrayLike, *, max_snap: float | None = None) -> Snapped:
    """Snap WGS-84 points to their nearest network nodes.

    Raises SnapError naming every point farther than `max_snap` metres (when given) with its distance.
    """
    lon = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if lon.shape != lat.shape or lon.ndim != 1:
        raise NetworkError(f"lon and lat must be 1-d arrays of equal length, got {lon.shape} and {lat.shape}")
    bad = np.flatnonzero(~np.isfinite(lon) | ~np.isfinite(lat) | (np.abs(lat) > 90) | (np.abs(lon) > 180))
    if len(bad):
        raise NetworkError(f"invalid coordinates at point(s) {bad[:20].tolist()}")
    if max_snap is not None and not max_snap >= 0:
        raise NetworkError(f"max_snap must be >= 0, got {max_snap}")
    x, y = project(lon, lat, *network.origin)
    dist, node = network.kdtree.query(np.column_stack([x, y]))
    dist = np.asarray(dist, dtype=np.float64)
    if max_snap is not None:
        far = np.flatnonzero(dist > max_snap)
        if len(far):
            raise SnapError(far, dist[far], max_snap)
    return Snapped(node=np.asarray(node, dtype=np.int64), distance=dist)
