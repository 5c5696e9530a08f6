"""Benchmark (a): distance to the nearest facility of each of 10 types for every network node.

linli (`accessibility`, one multi-source Dijkstra per type) against the floor (one plain scipy
multi-source Dijkstra per type), pandana (contraction-hierarchy build + nearest_pois) and networkx
(multi_source_dijkstra), on the Helsinki PBF and on a synthetic grid-like network of 1,000,000 nodes.
Each method runs in its own forked process, which also gives its peak memory.

    .venv/bin/python bench/access_nearest.py [--nodes 1000000] [--limit 3000] [--pandana-timeout 900]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_isolated, table

from linli.engine.access import accessibility
from linli.engine.network import Network, from_edges, from_osm_pbf

SHARED = Path(os.environ.get("LINLI_SHARED", Path(__file__).resolve().parents[1] / ".." / "shared")).resolve()
N_TYPES = 10


def grid_network(n_nodes: int, seed: int = 0) -> Network:
    """A jittered square grid (about 80 m blocks) with 10 % of the streets removed, around Beijing."""
    rng = np.random.default_rng(seed)
    side = round(np.sqrt(n_nodes))
    ix, iy = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    x = ix.ravel() * 80.0 + rng.normal(0, 10, side * side)
    y = iy.ravel() * 80.0 + rng.normal(0, 10, side * side)
    lat = 39.9 + y / 111_320.0
    lon = 116.4 + x / (111_320.0 * np.cos(np.radians(39.9)))
    idx = np.arange(side * side).reshape(side, side)
    u = np.concatenate([idx[:-1, :].ravel(), idx[:, :-1].ravel()])
    v = np.concatenate([idx[1:, :].ravel(), idx[:, 1:].ravel()])
    keep = rng.random(len(u)) > 0.1
    return from_edges(lon, lat, u[keep], v[keep])


def facilities(net: Network, per_type: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    nodes = rng.choice(net.n_nodes, per_type * N_TYPES, replace=False)
    types = np.repeat([f"type{t}" for t in range(N_TYPES)], per_type)
    return nodes, types


def run(
    name: str, net: Network, per_type: int, limit: float, nx_types: int, pandana_timeout: float
) -> list[list[object]]:
    fac, ftype = facilities(net, per_type)
    rows: list[list[object]] = []

    def floor() -> float:
        for t in range(N_TYPES):
            dijkstra(net.graph, directed=True, indices=fac[ftype == f"type{t}"], min_only=True, limit=limit)
        return 0.0

    def linli() -> np.ndarray:
        return accessibility(net, fac, ftype, limit=limit).distance

    def pandana_run() -> np.ndarray:
        import pandana
        import pandas as pd

        u, v, w = net.edges()
        t0 = time.perf_counter()
        pnet = pandana.Network(
            pd.Series(net.x), pd.Series(net.y), pd.Series(u), pd.Series(v), pd.DataFrame({"length": w}), twoway=True
        )
        build = time.perf_counter() - t0
        out = np.empty((net.n_nodes, N_TYPES))
        for t in range(N_TYPES):
            sel = ftype == f"type{t}"
            pnet.set_pois(f"type{t}", limit, 1, pd.Series(net.x[fac[sel]]), pd.Series(net.y[fac[sel]]))
            res = pnet.nearest_pois(limit, f"type{t}", num_pois=1, max_distance=np.inf)
            out[:, t] = res[1].to_numpy()
        return np.concatenate([[build], out.ravel()])

    def networkx_run() -> float:
        import networkx as nx

        u, v, w = net.edges()
        g = nx.Graph()
        g.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist(), strict=True))
        t0 = time.perf_counter()
        for t in range(nx_types):
            nx.multi_source_dijkstra_path_length(g, fac[ftype == f"type{t}"].tolist(), cutoff=limit)
        return time.perf_counter() - t0

    t_floor, m_floor, _ = run_isolated(floor)
    t_linli, m_linli, dist = run_isolated(linli)
    rows.append([name, "scipy floor (1 dijkstra/type)", t_floor, 1.0, m_floor])
    rows.append([name, "linli accessibility", t_linli, t_linli / t_floor, m_linli])
    t_pd, m_pd, pd_out = run_isolated(pandana_run, timeout=pandana_timeout)
    if t_pd is not None and not isinstance(pd_out, str):
        pd_dist = pd_out[1:].reshape(net.n_nodes, N_TYPES)
        reached = np.isfinite(dist) & (dist < limit)
        agree = np.allclose(pd_dist[reached], dist[reached], rtol=1e-4, atol=0.01)
        rows.append(
            [name, f"pandana CH build {pd_out[0]:.2f}s + nearest_pois (agree={agree})", t_pd, t_pd / t_floor, m_pd]
        )
    else:
        shown = f"> {pandana_timeout:.0f} s (stopped)" if pd_out == "timeout" else f"failed: {pd_out}"
        rows.append([name, f"pandana CH build + nearest_pois {shown}", "-", "-", "-"])
    t_nx, m_nx, nx_search = run_isolated(networkx_run)
    if nx_types == N_TYPES:
        rows.append([name, "networkx multi_source_dijkstra (graph build included)", t_nx, t_nx / t_floor, m_nx])
    else:
        est = nx_search * N_TYPES / nx_types
        rows.append(
            [
                name,
                f"networkx, {nx_types} type measured ({nx_search:.1f}s search)"
                f" x{N_TYPES // nx_types} extrapolated, search only",
                est,
                est / t_floor,
                m_nx,
            ]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--limit", type=float, default=3000.0, help="search limit in metres, the same for all")
    parser.add_argument("--pandana-timeout", type=float, default=900.0)
    args = parser.parse_args()
    rows = []
    helsinki = from_osm_pbf(SHARED / "reference" / "networks" / "Helsinki.osm.pbf")
    rows += run(f"Helsinki ({helsinki.n_nodes:,} nodes)", helsinki, 5, args.limit, N_TYPES, args.pandana_timeout)
    grid = grid_network(args.nodes)
    rows += run(f"grid ({grid.n_nodes:,} nodes)", grid, 100, args.limit, 1, args.pandana_timeout)
    print(table(["network", "method", "seconds", "x floor", "peak MiB"], rows))


if __name__ == "__main__":
    main()
