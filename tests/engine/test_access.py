"""Nearest facilities, coverage, catchments: against networkx on Helsinki and by hand on a small line."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from linli.engine.access import (
    AccessError,
    accessibility,
    catchments,
    coverage,
    distance_matrix,
    facilities_within,
    nearest_facility_nodes,
)
from linli.engine.network import Network, from_edges, snap


def _graph(net: Network) -> nx.Graph:
    u, v, w = net.edges()
    g = nx.Graph()
    g.add_nodes_from(range(net.n_nodes))
    g.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist(), strict=True))
    return g


def test_nearest_facility_equals_networkx_multi_source(helsinki: Network) -> None:
    rng = np.random.default_rng(3)
    n_fac = 40
    fac = rng.choice(helsinki.n_nodes, n_fac, replace=False)
    fac_snap = np.where(rng.random(n_fac) < 0.3, 0.0, rng.uniform(0, 80, n_fac))
    ftype = np.array(["clinic", "school", "elderly"])[rng.integers(0, 3, n_fac)]
    demand = rng.choice(helsinki.n_nodes, 300)
    demand_snap = rng.uniform(0, 50, 300)
    acc = accessibility(helsinki, fac, ftype, facility_snap=fac_snap, demand_node=demand, demand_snap=demand_snap)
    g = _graph(helsinki)
    for t, name in enumerate(acc.types):
        members = np.flatnonzero(ftype == name)
        h = g.copy()
        for i in members:
            h.add_edge(("facility", int(i)), int(fac[i]), weight=float(fac_snap[i]))
        dist, paths = nx.multi_source_dijkstra(h, [("facility", int(i)) for i in members])
        expected = np.array([dist[int(d)] for d in demand]) + demand_snap
        got = acc.distance[:, t]
        assert np.max(np.abs(got - expected) / np.maximum(expected, 1e-12)) < 1e-9
        # The facility reported is a nearest one (ties may pick another facility at the same distance).
        chosen = acc.facility[:, t]
        assert np.all(ftype[chosen] == name)
        via = distance_matrix(helsinki, demand, fac[chosen], origin_snap=demand_snap, dest_snap=fac_snap[chosen])
        assert np.allclose(np.diag(via), expected, rtol=1e-9, atol=0)
        assert all(paths[int(d)][0][1] in members for d in demand)


def test_nearest_without_snaps_uses_plain_multi_source(helsinki: Network) -> None:
    fac = np.array([5, 500, 5000])
    res = nearest_facility_nodes(helsinki, fac, limit=300.0)
    g = _graph(helsinki)
    ref = nx.multi_source_dijkstra_path_length(g, fac.tolist(), cutoff=300.0)
    reached = np.isfinite(res.distance)
    assert set(np.flatnonzero(reached).tolist()) == set(ref)
    for node, d in ref.items():
        assert res.distance[node] == pytest.approx(d, rel=1e-9)
    assert np.all(res.facility[~reached] == -1)


@pytest.fixture
def line() -> Network:
    """Five nodes on a line 100 m apart (lengths given explicitly)."""
    lon = 24.0 + 0.001 * np.arange(5)
    return from_edges(lon, np.full(5, 60.0), [0, 1, 2, 3], [1, 2, 3, 4], [100.0] * 4)


def test_coverage_catchments_and_within_by_hand(line: Network) -> None:
    fac = np.array([0, 4, 2])
    ftype = np.array(["clinic", "clinic", "school"])
    acc = accessibility(line, fac, ftype, facility_snap=[10.0, 0.0, 0.0])
    assert acc.types == ("clinic", "school")
    assert acc.distance[:, 0].tolist() == [10.0, 110.0, 200.0, 100.0, 0.0]
    assert acc.facility[:, 0].tolist() == [0, 0, 1, 1, 1]
    assert acc.distance[:, 1].tolist() == [200.0, 100.0, 0.0, 100.0, 200.0]

    pop = np.array([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]], dtype=float)
    cov = coverage(acc, {"clinic": 150.0, "school": 100.0}, pop, groups=["children", "elderly"])
    clinic = cov.by_type["clinic"]
    assert clinic.covered_points == 4
    assert clinic.covered_weight == 55 - 11
    assert clinic.total_weight == 55
    assert clinic.group_covered.tolist() == [20, 24]
    assert clinic.ratio == pytest.approx(44 / 55)
    assert cov.by_type["school"].covered_points == 3
    assert cov.groups == ("children", "elderly")

    catch = catchments(acc, "clinic", 3, pop.sum(axis=1), radius=150.0)
    assert catch.facility.tolist() == [0, 0, -1, 1, 1]
    assert catch.points.tolist() == [2, 2, 0]
    assert catch.weight.tolist() == [10.0, 34.0, 0.0]

    within = facilities_within(line, 1, 200.0, fac, [10.0, 0.0, 0.0], snap=5.0)
    assert within.facility.tolist() == [2, 0]
    assert within.distance.tolist() == [105.0, 115.0]


def test_snap_then_access(helsinki: Network) -> None:
    points = snap(helsinki, helsinki.lon[:3] + 1e-4, helsinki.lat[:3])
    acc = accessibility(helsinki, [0], ["x"], demand_node=points.node, demand_snap=points.distance)
    assert np.all(acc.distance[:, 0] >= points.distance)


@pytest.mark.parametrize("radius", [0.0, -5.0, float("nan")])
def test_bad_radius(line: Network, radius: float) -> None:
    acc = accessibility(line, [0], ["clinic"])
    with pytest.raises(AccessError, match="radius must be > 0"):
        coverage(acc, radius)
    with pytest.raises(AccessError, match="radius must be > 0"):
        facilities_within(line, 0, radius, [1])


def test_bad_inputs_are_named(line: Network) -> None:
    with pytest.raises(AccessError, match="facility_node has node indices outside"):
        accessibility(line, [0, 9], ["a", "b"])
    with pytest.raises(AccessError, match="facility_type must have shape"):
        accessibility(line, [0, 1], ["a"])
    with pytest.raises(AccessError, match="demand_snap must be finite"):
        accessibility(line, [0], ["a"], demand_node=[1, 2], demand_snap=[1.0, -1.0])
    acc = accessibility(line, [0], ["a"])
    with pytest.raises(AccessError, match="radius has no value for facility type"):
        coverage(acc, {"b": 100.0})
    with pytest.raises(AccessError, match="weights must be finite"):
        coverage(acc, 100.0, [1, 1, -1, 1, 1])
    with pytest.raises(AccessError, match="unknown facility type"):
        catchments(acc, "b", 1)
