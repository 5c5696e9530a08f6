"""The arrays of a siting question (`linli.engine.siting_prep`), by hand on a small grid network: no database."""

from __future__ import annotations

import numpy as np
import pytest

from linli.engine.access import distance_matrix
from linli.engine.network import Network, from_edges, snap
from linli.engine.siting_prep import (
    Located,
    aggregate,
    containing,
    grid_candidates,
    join,
    locate_on,
    nodes_inside,
    uncovered,
    walking_distances,
)

LON0, LAT0 = 120.0, 30.0
DLON, DLAT = 0.001, 0.001  # about 96 m and 111 m


def _square(x0: float, y0: float, x1: float, y1: float) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@pytest.fixture(scope="module")
def grid() -> Network:
    """A 6 x 6 street grid, nodes every 0.001 degree, node i*6 + j at (LON0 + i DLON, LAT0 + j DLAT)."""
    ii, jj = np.meshgrid(np.arange(6), np.arange(6), indexing="ij")
    lon, lat = LON0 + ii.ravel() * DLON, LAT0 + jj.ravel() * DLAT
    idx = np.arange(36).reshape(6, 6)
    u = np.concatenate([idx[:-1, :].ravel(), idx[:, :-1].ravel()])
    v = np.concatenate([idx[1:, :].ravel(), idx[:, 1:].ravel()])
    return from_edges(lon, lat, u, v)


def test_locate_on_snaps_and_keeps_an_empty_list_empty(grid: Network) -> None:
    empty = locate_on(grid, [], [])
    assert len(empty) == 0 and empty.node.dtype == np.int64
    lon, lat = [LON0 + 0.0001, LON0 + 0.0021], [LAT0 + 0.0001, LAT0 + 0.003]
    got = locate_on(grid, lon, lat)
    expected = snap(grid, lon, lat)
    assert got.node.tolist() == expected.node.tolist() == [0, 15]
    assert np.allclose(got.snap, expected.distance)
    both = join(empty, got)
    assert both.node.tolist() == [0, 15] and np.array_equal(both.lon, got.lon)


def test_aggregate_merges_points_on_one_node_within_one_snap_band() -> None:
    points = Located(
        lon=np.array([1.0, 3.0, 5.0, 7.0, 9.0]),
        lat=np.zeros(5),
        node=np.array([4, 4, 4, 2, 2]),
        snap=np.array([1.0, 9.0, 12.0, 3.0, 5.0]),
    )
    merged = aggregate(points, [1.0, 3.0, 2.0, 0.0, 0.0], bucket_m=10.0)
    # groups: node 2 band 0 (points 3, 4), node 4 band 0 (points 0, 1), node 4 band 1 (point 2)
    assert merged.group.tolist() == [1, 1, 2, 0, 0]
    assert merged.weight.tolist() == [0.0, 4.0, 2.0]
    assert merged.points.node.tolist() == [2, 4, 4]
    assert merged.points.lon.tolist() == pytest.approx([8.0, 2.5, 5.0])  # weightless group: plain mean
    assert merged.points.snap.tolist() == pytest.approx([4.0, 7.0, 12.0])


def test_nodes_inside_a_boundary(grid: Network) -> None:
    assert len(nodes_inside(grid, None)) == grid.n_nodes
    box = _square(LON0 - 0.0005, LAT0 - 0.0005, LON0 + 0.0015, LAT0 + 0.0025)  # i in 0..1, j in 0..2
    assert sorted(nodes_inside(grid, box).tolist()) == [0, 1, 2, 6, 7, 8]


def test_uncovered_is_the_demand_beyond_the_radius_of_every_existing_site(grid: Network) -> None:
    demand = locate_on(grid, LON0 + np.arange(6) * DLON, np.full(6, LAT0))  # along the first row
    none = locate_on(grid, [], [])
    assert uncovered(grid, demand, none, 250.0).all()
    existing = locate_on(grid, [LON0], [LAT0])
    far = uncovered(grid, demand, existing, 250.0)
    walked = distance_matrix(grid, demand.node, existing.node, origin_snap=demand.snap, dest_snap=existing.snap)[:, 0]
    assert far.tolist() == (walked > 250.0).tolist()
    assert far.tolist() == [False, False, False, True, True, True]  # 96 m a block


def test_grid_candidates_one_node_per_cell_heaviest_first(grid: Network) -> None:
    # Demand in two clusters: a heavy one near node 35 (far corner), a light one near node 0.
    lon = np.array([LON0 + 0.00002, LON0 + 0.00001, LON0 + 5 * DLON - 0.00002])
    lat = np.array([LAT0 + 0.00002, LAT0 + 0.00001, LAT0 + 5 * DLAT - 0.00002])
    demand = locate_on(grid, lon, lat)
    w = np.array([1.0, 1.0, 10.0])
    every = np.arange(grid.n_nodes)
    got = grid_candidates(grid, demand, w, relevant=np.ones(3, bool), allowed=every, cell_m=300.0, cap=10)
    assert got.tolist() == [35, 0]
    assert grid_candidates(grid, demand, w, relevant=np.ones(3, bool), allowed=every, cell_m=300.0, cap=1).tolist() == [
        35
    ]
    only_light = np.array([True, True, False])
    assert grid_candidates(grid, demand, w, relevant=only_light, allowed=every, cell_m=300.0, cap=10).tolist() == [0]
    # A site must be an allowed node: the nearest allowed one to the cell's centre.
    got = grid_candidates(grid, demand, w, relevant=only_light, allowed=np.array([7, 35]), cell_m=300.0, cap=10)
    assert got.tolist() == [7]
    nothing = np.zeros(3, bool)
    assert len(grid_candidates(grid, demand, w, relevant=nothing, allowed=every, cell_m=300.0, cap=10)) == 0
    assert len(grid_candidates(grid, demand, w, relevant=np.ones(3, bool), allowed=[], cell_m=300.0, cap=10)) == 0


def test_containing_first_polygon_else_the_nearest() -> None:
    left, right = _square(0, 0, 1, 1), _square(1, 0, 2, 1)
    lon, lat = [0.5, 1.5, 1.0, 2.2, -3.0], [0.5, 0.5, 0.5, 0.5, 0.5]
    # on the shared border (1.0) neither contains it: the nearest, the first of equals
    assert containing([left, right], lon, lat).tolist() == [0, 1, 0, 1, 0]
    assert containing([None, right], lon, lat).tolist() == [1, 1, 1, 1, 1]
    assert containing([None], lon, lat).tolist() == [-1] * 5
    assert containing([], [], []).tolist() == []


def test_walking_distances_by_chunks_with_progress(grid: Network) -> None:
    rng = np.random.default_rng(5)
    demand = locate_on(grid, LON0 + rng.uniform(0, 0.005, 7), LAT0 + rng.uniform(0, 0.005, 7))
    sites = locate_on(grid, LON0 + rng.uniform(0, 0.005, 5), LAT0 + rng.uniform(0, 0.005, 5))
    calls: list[tuple[int, int]] = []
    d = walking_distances(grid, demand, sites, chunk=2, on_chunk=lambda done, total: calls.append((done, total)))
    whole = distance_matrix(grid, demand.node, sites.node, origin_snap=demand.snap, dest_snap=sites.snap)
    assert np.allclose(d, whole)
    assert calls == [(2, 5), (4, 5), (5, 5)]
    limited = walking_distances(grid, demand, sites, limit=200.0)
    net = whole - demand.snap[:, None] - sites.snap[None, :]
    assert np.array_equal(np.isinf(limited), net > 200.0 + 1e-9)
