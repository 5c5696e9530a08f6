"""Network building, OSM reading and snapping; distances checked against networkx on a graph built
independently from the same PBF."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import pytest
from scipy.sparse.csgraph import dijkstra

from linli.engine.network import (
    Network,
    NetworkError,
    SnapError,
    bounding_box,
    from_edges,
    from_osm_pbf,
    haversine,
    is_walkable,
    snap,
)

from .conftest import HELSINKI


def _haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


class _Ways(osmium.SimpleHandler):
    """networkx graph of the walkable ways, read with pyosmium's handler API (not the engine's reader)."""

    def __init__(self) -> None:
        super().__init__()
        self.graph = nx.Graph()

    def way(self, w: osmium.osm.Way) -> None:
        if not is_walkable({t.k: t.v for t in w.tags}):
            return
        nodes = [(n.ref, n.lon, n.lat) if n.location.valid() else None for n in w.nodes]
        for first, second in itertools.pairwise(nodes):
            if first is None or second is None or first[0] == second[0]:
                continue
            (a, lon1, lat1), (b, lon2, lat2) = first, second
            length = _haversine(lon1, lat1, lon2, lat2)
            if not self.graph.has_edge(a, b) or self.graph[a][b]["weight"] > length:
                self.graph.add_edge(a, b, weight=length)


@pytest.fixture(scope="module")
def reference_graph() -> nx.Graph:
    handler = _Ways()
    handler.apply_file(str(HELSINKI), locations=True)
    biggest = max(nx.connected_components(handler.graph), key=len)
    return handler.graph.subgraph(biggest).copy()


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))


def test_helsinki_nodes_and_edges_match_networkx(helsinki: Network, reference_graph: nx.Graph) -> None:
    assert set(helsinki.ids.tolist()) == set(reference_graph.nodes)
    assert helsinki.n_edges == reference_graph.number_of_edges()
    assert np.all(np.diff(helsinki.ids) > 0)


def test_helsinki_shortest_paths_equal_networkx(helsinki: Network, reference_graph: nx.Graph) -> None:
    rng = np.random.default_rng(7)
    src = rng.choice(helsinki.n_nodes, 15, replace=False)
    dst = rng.choice(helsinki.n_nodes, 40, replace=False)
    dist = dijkstra(helsinki.graph, directed=True, indices=src)
    for k, s in enumerate(src):
        ref = nx.single_source_dijkstra_path_length(reference_graph, int(helsinki.ids[s]), weight="weight")
        expected = np.array([ref[int(helsinki.ids[t])] for t in dst])
        assert _rel(dist[k, dst], expected) < 1e-9


def test_from_edges_keeps_shortest_parallel_edge_and_largest_component() -> None:
    lon = np.array([24.0, 24.001, 24.002, 25.0, 25.001])
    lat = np.full(5, 60.0)
    net = from_edges(lon, lat, [0, 1, 1, 0, 3, 2], [1, 0, 2, 0, 4, 1], [50.0, 30.0, 20.0, 5.0, 1.0, 25.0])
    assert net.n_nodes == 3 and net.ids.tolist() == [0, 1, 2]
    u, v, w = net.edges()
    assert dict(zip(zip(u.tolist(), v.tolist(), strict=True), w.tolist(), strict=True)) == {(0, 1): 30.0, (1, 2): 20.0}
    whole = from_edges(lon, lat, [0, 3], [1, 4], largest_component=False)
    assert whole.n_nodes == 5
    assert whole.graph[0, 1] == pytest.approx(haversine(24.0, 60.0, 24.001, 60.0))


def test_zero_length_edges_are_kept() -> None:
    net = from_edges([24.0, 24.0, 24.01], [60.0, 60.0, 60.0], [0, 1], [1, 2], [0.0, 10.0])
    assert net.n_nodes == 3
    assert dijkstra(net.graph, indices=0)[2] == 10.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([24.0, 24.1], [60.0], [0], [1]), "lon and lat"),
        (([24.0, 200.0], [60.0, 60.0], [0], [1]), "invalid coordinates at node"),
        (([24.0, 24.1], [60.0, 60.0], [0], [2]), "v refers to nodes outside"),
        (([24.0, 24.1], [60.0, 60.0], [0], [1], [-1.0]), "length must be finite"),
    ],
)
def test_from_edges_rejects_bad_input(args: tuple, message: str) -> None:
    with pytest.raises(NetworkError, match=message):
        from_edges(*args)


def test_walkable_rule() -> None:
    assert is_walkable({"highway": "footway"})
    assert is_walkable({"highway": "primary", "access": "no", "foot": "yes"})
    assert not is_walkable({"highway": "motorway"})
    assert not is_walkable({"highway": "trunk"})
    assert not is_walkable({"highway": "path", "foot": "no"})
    assert not is_walkable({"highway": "service", "access": "private"})


def _write_pbf(path: Path, highway: str) -> None:
    with osmium.SimpleWriter(str(path)) as writer:
        for i in range(3):
            writer.add_node(osmium.osm.mutable.Node(id=i + 1, location=(24.0 + 0.001 * i, 60.0)))
        writer.add_way(osmium.osm.mutable.Way(id=1, nodes=[1, 2, 3], tags={"highway": highway}))


def test_pbf_without_walkable_ways_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "motorway.osm.pbf"
    _write_pbf(path, "motorway")
    with pytest.raises(NetworkError, match="no walkable ways"):
        from_osm_pbf(path)


def test_tiny_pbf(tmp_path: Path) -> None:
    path = tmp_path / "street.osm.pbf"
    _write_pbf(path, "residential")
    net = from_osm_pbf(path)
    assert net.ids.tolist() == [1, 2, 3]
    assert net.n_edges == 2


def test_unreadable_pbf(tmp_path: Path) -> None:
    path = tmp_path / "broken.osm.pbf"
    path.write_bytes(b"not a pbf")
    with pytest.raises(NetworkError, match="cannot read OSM file"):
        from_osm_pbf(path)


def test_snap_finds_nearest_node_and_names_far_points(helsinki: Network) -> None:
    res = snap(helsinki, helsinki.lon[[10, 20]], helsinki.lat[[10, 20]])
    assert res.node.tolist() == [10, 20]
    assert np.all(res.distance < 1e-6)
    lon = np.array([helsinki.lon[5], 24.0, helsinki.lon[6]])
    lat = np.array([helsinki.lat[5], 60.0, helsinki.lat[6]])
    with pytest.raises(SnapError, match=r"#1 \(\d+\.\d m\)") as info:
        snap(helsinki, lon, lat, max_snap=100.0)
    assert info.value.points.tolist() == [1]
    assert info.value.distances[0] > 10_000
    with pytest.raises(NetworkError, match="max_snap"):
        snap(helsinki, lon, lat, max_snap=-1.0)


def _destination(lon: float, lat: float, bearing_deg: float, distance_m: float) -> tuple[float, float]:
    """The point `distance_m` from (lon, lat) on the sphere of `haversine`, heading `bearing_deg`."""
    r, b = distance_m / 6_371_008.8, math.radians(bearing_deg)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(r) + math.cos(p1) * math.sin(r) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(r) * math.cos(p1), math.cos(r) - math.sin(p1) * math.sin(p2))
    return math.degrees(l2), math.degrees(p2)


@pytest.mark.parametrize(
    ("lon", "lat", "radius"), [(120.2, 30.2, 3000.0), (24.9, 60.2, 800.0), (-70.6, -45.0, 50_000.0)]
)
def test_bounding_box_holds_the_haversine_circle_tightly(lon: float, lat: float, radius: float) -> None:
    x0, y0, x1, y1 = bounding_box(lon, lat, radius)
    circle = [_destination(lon, lat, b / 4, radius) for b in range(360 * 4)]
    for x, y in circle:
        assert float(haversine(lon, lat, x, y)) == pytest.approx(radius, rel=1e-9)
        assert x0 - 1e-12 <= x <= x1 + 1e-12 and y0 - 1e-12 <= y <= y1 + 1e-12
    assert max(y for _, y in circle) == pytest.approx(y1, abs=1e-9)
    assert min(y for _, y in circle) == pytest.approx(y0, abs=1e-9)
    assert max(x for x, _ in circle) == pytest.approx(x1, abs=1e-6)
    assert bounding_box(lon, lat, 0.0) == (lon, lat, lon, lat)


def test_bounding_box_keeps_what_a_111_320_m_per_degree_box_lost() -> None:
    """The box of the mean-radius sphere: 111,320 m per degree (the equator's, WGS-84) drew the box about
    0.1 % too small, so a facility just inside the radius due north was left out before being measured."""
    lon, lat, radius = 120.2, 30.2, 3000.0
    x, y = _destination(lon, lat, 0.0, 0.9995 * radius)
    assert float(haversine(lon, lat, x, y)) < radius
    assert y > lat + radius / 111_320.0  # outside the old box
    x0, y0, x1, y1 = bounding_box(lon, lat, radius)
    assert y0 <= y <= y1 and x0 <= x <= x1


def test_bounding_box_near_a_pole_spans_every_longitude() -> None:
    assert bounding_box(10.0, 89.99, 5000.0) == (
        -180.0,
        pytest.approx(89.99 - 5000 / 6_371_008.8 * 180 / math.pi),
        180.0,
        90.0,
    )
    with pytest.raises(NetworkError, match="radius_m must be >= 0"):
        bounding_box(10.0, 30.0, -1.0)
