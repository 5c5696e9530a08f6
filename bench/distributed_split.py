"""Benchmark (d): a coverage run split by area on Dask against the local single-process run.

Every node of a synthetic grid-like network (default 1,000,000 nodes) is a demand point; 10 facility
types with 100 facilities each and radii of 500-1,400 m. The local run (`distributed.local_coverage`:
one `accessibility` on the whole network) against `split_coverage` on a grid of areas, run on a
`LocalCluster` of 2 worker processes (cluster start-up timed separately) and on the default in-process
LocalCluster (threads). The split results are checked to equal the local ones exactly.

    .venv/bin/python bench/distributed_split.py [--nodes 1000000] [--cells 16]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np
from distributed import Client, LocalCluster

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import table
from access_nearest import N_TYPES, facilities, grid_network

from linli.engine import distributed
from linli.engine.distributed import SplitCoverage, grid_areas, local_coverage, split_coverage


def same(a: SplitCoverage, b: SplitCoverage) -> bool:
    """Exactly the same distances (inf beyond the radius), facilities and covered weights."""
    return (
        np.array_equal(a.access.distance, b.access.distance)
        and np.array_equal(a.access.facility, b.access.facility)
        and all(a.coverage.by_type[t].covered_weight == c.covered_weight for t, c in b.coverage.by_type.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--cells", type=int, default=16, help="about how many grid areas the demand is split in")
    args = parser.parse_args()
    t0 = time.perf_counter()
    net = grid_network(args.nodes)
    fac, ftype = facilities(net, 100)
    radius = {f"type{t}": 500.0 + 100.0 * t for t in range(N_TYPES)}
    demand = np.arange(net.n_nodes)
    weights = np.random.default_rng(2).uniform(0, 20, net.n_nodes)
    area = grid_areas(net.x, net.y, args.cells)
    print(f"grid network {net.n_nodes:,} nodes built in {time.perf_counter() - t0:.1f} s; {len(np.unique(area))} areas")
    kw = {"demand_node": demand, "weights": weights}

    rows: list[list[object]] = []
    t0 = time.perf_counter()
    local = local_coverage(net, fac, ftype, radius, **kw)
    t_local = time.perf_counter() - t0
    rows.append(["local, one process (local_coverage)", t_local, 1.0, "-", "-"])

    t0 = time.perf_counter()
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        t_start = time.perf_counter() - t0
        client.run(lambda: __import__("linli.engine.access"))  # warm the workers' imports
        t0 = time.perf_counter()
        split = split_coverage(net, fac, ftype, radius, area=area, client=client, **kw)
        t_split = time.perf_counter() - t0
    sizes = np.array(split.sub_nodes)
    shape = f"{len(sizes)} x {sizes.mean():,.0f} nodes (max {sizes.max():,})"
    name = f"split, LocalCluster 2 processes (start-up {t_start:.1f} s not included)"
    rows.append([name, t_split, t_split / t_local, shape, same(split, local)])

    t0 = time.perf_counter()
    threads = split_coverage(net, fac, ftype, radius, area=area, **kw)
    t_threads = time.perf_counter() - t0
    name = "split, default in-process LocalCluster (threads, start-up included)"
    rows.append([name, t_threads, t_threads / t_local, shape, same(threads, local)])
    # Breakdown: the part done on the client (the balls and sub-networks) and the tasks run one after the other.
    inp = distributed._inputs(net, fac, ftype, radius, demand, None, None, weights, None)
    labels, inverse = np.unique(area, return_inverse=True)
    t0 = time.perf_counter()
    chunks = distributed._chunks(net, inp, labels, inverse)
    t_prep = time.perf_counter() - t0
    rows.append(["separately: balls + sub-networks on the client", t_prep, t_prep / t_local, "", ""])
    t0 = time.perf_counter()
    for chunk in chunks:
        distributed._run_chunk(chunk)
    t_tasks = time.perf_counter() - t0
    rows.append(
        [f"separately: the {len(chunks)} tasks one after another in this process", t_tasks, t_tasks / t_local, "", ""]
    )
    print(table(["run", "seconds", "x local", "sub-networks", "exact"], rows))


if __name__ == "__main__":
    main()
