"""Coverage split by area on Dask: equal to the local single-process run, on a real LocalCluster."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from distributed import Client, LocalCluster

from linli.engine.cli import main
from linli.engine.distributed import SplitCoverage, SplitError, grid_areas, local_coverage, split_coverage
from linli.engine.network import Network, from_edges

from .conftest import HELSINKI

RADIUS = {"clinic": 400.0, "school": 700.0, "elderly": 1000.0}


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """A real two-process LocalCluster, started once for this module and closed after it."""
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def grid() -> Network:
    """A jittered 50 x 50 grid, 80 m blocks, 10 % of the streets removed and a few edges of length 0."""
    rng = np.random.default_rng(5)
    side = 50
    ix, iy = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    x = ix.ravel() * 80.0 + rng.normal(0, 10, side * side)
    y = iy.ravel() * 80.0 + rng.normal(0, 10, side * side)
    lon = 116.4 + x / (111_320.0 * np.cos(np.radians(39.9)))
    lat = 39.9 + y / 111_320.0
    idx = np.arange(side * side).reshape(side, side)
    u = np.concatenate([idx[:-1, :].ravel(), idx[:, :-1].ravel()])
    v = np.concatenate([idx[1:, :].ravel(), idx[:, 1:].ravel()])
    keep = rng.random(len(u)) > 0.1
    u, v = u[keep], v[keep]
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    length[rng.choice(len(u), 20, replace=False)] = 0.0
    return from_edges(lon, lat, u, v, length)


def _case(net: Network, seed: int, n_demand: int = 1500, n_fac: int = 45) -> dict:
    rng = np.random.default_rng(seed)
    fac = rng.choice(net.n_nodes, n_fac, replace=False)
    return {
        "facility_node": fac,
        "facility_type": np.array(list(RADIUS))[rng.integers(0, 3, n_fac)],
        "facility_snap": np.where(rng.random(n_fac) < 0.3, 0.0, rng.uniform(0, 60, n_fac)),
        "demand_node": rng.choice(net.n_nodes, n_demand),
        "demand_snap": rng.uniform(0, 40, n_demand),
        "weights": rng.uniform(0, 10, (n_demand, 2)),
        "groups": ["children", "elderly"],
    }


def _partitions(net: Network, dem: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "grid 2x2": grid_areas(net.x[dem], net.y[dem], 4),
        "grid 4x4": grid_areas(net.x[dem], net.y[dem], 16),
        "random 7 labels": rng.integers(0, 7, len(dem)).astype(str),
        "stripes": (net.x[dem] // 700).astype(int).astype(str),
    }


def _assert_same(split: SplitCoverage, local: SplitCoverage) -> None:
    assert split.access.types == local.access.types
    assert np.array_equal(split.access.distance, local.access.distance)  # exact, inf beyond the radius
    assert np.array_equal(split.access.facility, local.access.facility)
    assert np.array_equal(split.coverage.covered, local.coverage.covered)
    for t, c in local.coverage.by_type.items():
        s = split.coverage.by_type[t]
        assert (s.covered_weight, s.total_weight, s.covered_points) == (
            c.covered_weight,
            c.total_weight,
            c.covered_points,
        )
        assert np.array_equal(s.group_covered, c.group_covered)
    # The areas add up to the whole.
    for t, c in local.coverage.by_type.items():
        assert sum(a.by_type[t].covered_points for a in split.area_coverage.values()) == c.covered_points
        area_weight = sum(a.by_type[t].covered_weight for a in split.area_coverage.values())
        assert area_weight == pytest.approx(c.covered_weight, rel=1e-12)


def test_split_equals_local_on_grid(grid: Network, client: Client) -> None:
    case = _case(grid, 1)
    local = local_coverage(grid, radius=RADIUS, **case)
    reached = np.isfinite(local.access.distance).mean(axis=0)
    assert np.all((reached > 0.05) & (reached < 0.95)), reached  # the radii matter
    for name, area in _partitions(grid, case["demand_node"], 2).items():
        split = split_coverage(grid, radius=RADIUS, area=area, client=client, **case)
        assert len(split.areas) == len(np.unique(area)) > 1, name
        if name != "random 7 labels":  # a spatial partition gives each task a part of the network
            assert max(split.sub_nodes) < grid.n_nodes, name
        _assert_same(split, local)


def test_split_equals_local_on_helsinki(helsinki: Network, client: Client) -> None:
    case = _case(helsinki, 3, n_demand=3000, n_fac=60)
    radius = {"clinic": 300.0, "school": 500.0, "elderly": 600.0}
    local = local_coverage(helsinki, radius=radius, **case)
    for name, area in _partitions(helsinki, case["demand_node"], 4).items():
        split = split_coverage(helsinki, radius=radius, area=area, client=client, **case)
        if name != "random 7 labels":
            assert max(split.sub_nodes) < helsinki.n_nodes, name
        _assert_same(split, local)


def test_split_by_scheduler_address_and_default_local(grid: Network, client: Client) -> None:
    case = _case(grid, 7, n_demand=400)
    local = local_coverage(grid, radius=RADIUS, **case)
    area = grid_areas(grid.x[case["demand_node"]], grid.y[case["demand_node"]], 4)
    _assert_same(split_coverage(grid, radius=RADIUS, area=area, scheduler=client.scheduler.address, **case), local)
    # No scheduler: an in-process LocalCluster; one area: plainly in-process.
    _assert_same(split_coverage(grid, radius=RADIUS, area=area, **case), local)
    one = split_coverage(grid, radius=RADIUS, area=np.full(400, "all"), **case)
    _assert_same(one, local)
    assert one.areas == ("all",)


def test_one_radius_for_all_types(grid: Network, client: Client) -> None:
    case = _case(grid, 9, n_demand=300)
    del case["groups"]
    case["weights"] = case["weights"][:, 0]
    local = local_coverage(grid, radius=500.0, **case)
    area = grid_areas(grid.x[case["demand_node"]], grid.y[case["demand_node"]], 9)
    _assert_same(split_coverage(grid, radius=500.0, area=area, client=client, **case), local)
    assert np.all(local.access.distance[np.isfinite(local.access.distance)] <= 500.0)


def test_grid_areas() -> None:
    labels = grid_areas([0, 10, 0, 10, 5], [0, 0, 10, 10, 5], 4)
    assert labels.tolist() == ["r0c0", "r0c1", "r1c0", "r1c1", "r1c1"]
    assert grid_areas([3, 3], [1, 1], 9).tolist() == ["r0c0", "r0c0"]
    with pytest.raises(SplitError, match="cells must be >= 1"):
        grid_areas([0], [0], 0)


def test_bad_input(grid: Network) -> None:
    case = _case(grid, 1, n_demand=10)
    with pytest.raises(SplitError, match="area must have shape"):
        split_coverage(grid, radius=RADIUS, area=["a"] * 9, **case)
    with pytest.raises(ValueError, match="radius has no value for facility type"):
        split_coverage(grid, radius={"clinic": 100.0}, area=["a"] * 10, **case)
    with pytest.raises(ValueError, match="radius must be > 0"):
        split_coverage(grid, radius=0.0, area=["a"] * 10, **case)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_scheduler_is_a_clear_error(grid: Network) -> None:
    case = _case(grid, 1, n_demand=10)
    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(SplitError, match=f"cannot reach the Dask scheduler at '{address}' within 1 s"):
        split_coverage(grid, radius=RADIUS, area=["a"] * 10, scheduler=address, timeout=1.0, **case)
    for bad in ("not-an-address", "http://127.0.0.1:8786", "tcp://127.0.0.1:port"):
        with pytest.raises(SplitError, match=f"bad Dask scheduler address '{bad}'"):
            split_coverage(grid, radius=RADIUS, area=["a"] * 10, scheduler=bad, **case)


def _files(tmp_path: Path, net: Network) -> list[str]:
    rng = np.random.default_rng(11)
    dem = rng.choice(net.n_nodes, 300, replace=False)
    demand = tmp_path / "demand.csv"
    demand.write_text(
        "id,lon,lat,weight,area\n"
        + "".join(f"d{i},{net.lon[d]},{net.lat[d]},{i % 7 + 1},a{i % 3}\n" for i, d in enumerate(dem))
    )
    fac = tmp_path / "facilities.csv"
    rows = [(f"f{i}", net.lon[n], net.lat[n], ("clinic", "school")[i % 2]) for i, n in enumerate(range(0, 6000, 400))]
    fac.write_text("id,lon,lat,type\n" + "".join(f"{i},{lo},{la},{t}\n" for i, lo, la, t in rows))
    return ["coverage", "--network", str(HELSINKI), "--demand", str(demand), "--facilities", str(fac)]


def _last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def test_cli_on_the_local_cluster_prints_the_same_json(
    tmp_path: Path, helsinki: Network, client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [*_files(tmp_path, helsinki), "--radius", "600"]
    assert main(args) == 0
    expected = capsys.readouterr().out.strip().splitlines()[-1]
    assert 0 < _last_json(expected)["types"]["clinic"]["ratio"] < 1
    address = client.scheduler.address
    assert main([*args, "--scheduler", address]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == expected
    assert f"split into 4 area(s) on {address}" in out  # a 2 x 2 grid of the points
    assert main([*args, "--scheduler", address, "--split-by", "area"]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == expected
    assert "split into 3 area(s)" in out


def test_cli_unreachable_scheduler(tmp_path: Path, helsinki: Network, capsys: pytest.CaptureFixture[str]) -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"
    args = [*_files(tmp_path, helsinki), "--radius", "600", "--scheduler", address, "--timeout", "1"]
    assert main(args) == 2
    assert f"error: cannot reach the Dask scheduler at '{address}'" in capsys.readouterr().err
