"""Command line for the planning engine: `coverage`, `pmedian` and `mclp` subcommands.

Each prints a human summary and, as its last line, one JSON object. Called as `main(argv)`.

`coverage` runs in this process by default. With `--scheduler tcp://host:8786` (or `--split-by`) the run is
split by area and its chunks go to a Dask distributed cluster (see `linli.engine.distributed`); the JSON is
the same as the local run's.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.spatial.distance import cdist

from linli.engine.access import accessibility, coverage
from linli.engine.distributed import grid_areas, split_coverage
from linli.engine.mclp import mclp
from linli.engine.network import from_osm_pbf, snap
from linli.engine.orlib import read_orlib_pmed
from linli.engine.pmedian import p_median


def _read_csv(path: Path, columns: Sequence[str]) -> dict[str, list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {missing}; expected {list(columns)}")
        rows = list(reader)
    if not rows:
        raise ValueError(f"{path}: no rows")
    return {c: [r[c] for r in rows] for c in columns}


def _coverage(args: argparse.Namespace) -> dict[str, object]:
    net = from_osm_pbf(args.network)
    split = args.scheduler is not None or args.split_by is not None
    demand = _read_csv(args.demand, ["id", "lon", "lat", "weight", *([args.split_by] if args.split_by else [])])
    fac = _read_csv(args.facilities, ["id", "lon", "lat", "type"])
    ds = snap(net, np.array(demand["lon"], float), np.array(demand["lat"], float), max_snap=args.max_snap)
    fs = snap(net, np.array(fac["lon"], float), np.array(fac["lat"], float), max_snap=args.max_snap)
    weights = np.array(demand["weight"], float)
    if split:
        if args.split_by:
            area = np.array(demand[args.split_by])
        else:
            area = grid_areas(net.x[ds.node], net.y[ds.node], args.grid_cells)
        res = split_coverage(
            net,
            fs.node,
            fac["type"],
            args.radius,
            demand_node=ds.node,
            area=area,
            demand_snap=ds.distance,
            facility_snap=fs.distance,
            weights=weights,
            scheduler=args.scheduler,
            timeout=args.timeout,
        )
        acc, cov = res.access, res.coverage
        where = args.scheduler or "a local Dask cluster"
        print(f"split into {len(res.areas)} area(s) on {where}; largest sub-network {max(res.sub_nodes)} nodes")
    else:
        acc = accessibility(
            net, fs.node, fac["type"], facility_snap=fs.distance, demand_node=ds.node, demand_snap=ds.distance
        )
        cov = coverage(acc, args.radius, weights)
    if args.out:
        with open(args.out, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["id", "snap_m", *(f"dist_{t}" for t in acc.types)])
            for i, pid in enumerate(demand["id"]):
                writer.writerow([pid, f"{ds.distance[i]:.2f}", *(f"{v:.2f}" for v in acc.distance[i])])
    types = {
        t: {
            "covered_weight": c.covered_weight,
            "total_weight": c.total_weight,
            "ratio": c.ratio,
            "covered_points": c.covered_points,
            "total_points": c.total_points,
        }
        for t, c in cov.by_type.items()
    }
    print(f"network: {net.n_nodes} nodes, {net.n_edges} edges; radius {args.radius:g} m")
    for t, c in types.items():
        print(f"  {t}: {c['ratio']:.1%} of weight covered ({c['covered_points']}/{c['total_points']} points)")
    return {"radius": args.radius, "nodes": net.n_nodes, "types": types}


def _pmedian(args: argparse.Namespace) -> dict[str, object]:
    inst = read_orlib_pmed(args.orlib)
    res = p_median(inst.distances, args.p or inst.p, time_limit=args.time_limit)
    print(f"p-median n={inst.n} p={args.p or inst.p}: objective {res.objective:g}, optimal {res.optimal}")
    return {
        "objective": res.objective,
        "facilities": (res.facilities + 1).tolist(),
        "optimal": res.optimal,
        "gap": res.gap,
        "seconds": res.seconds,
    }


def _mclp(args: argparse.Namespace) -> dict[str, object]:
    try:
        data = np.loadtxt(args.points, ndmin=2)
    except ValueError as exc:
        raise ValueError(f"{args.points}: expected 'x y demand' lines ({exc})") from None
    if data.shape[1] != 3:
        raise ValueError(f"{args.points}: expected 3 columns 'x y demand', got {data.shape[1]}")
    xy = data[:, :2]
    d = cdist(xy, xy) if args.metric == "euclidean" else np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2)
    res = mclp(d, args.radius, args.p, weights=data[:, 2], time_limit=args.time_limit)
    print(f"MCLP p={args.p} radius={args.radius:g}: covered {res.covered_weight:g} of {res.total_weight:g}")
    return {
        "covered_weight": res.covered_weight,
        "total_weight": res.total_weight,
        "sites": res.facilities.tolist(),
        "optimal": res.optimal,
        "gap": res.gap,
        "seconds": res.seconds,
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linli engine", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    cov = sub.add_parser("coverage", help="share of demand within a radius of each facility type")
    cov.add_argument("--network", type=Path, required=True, help="OSM PBF file")
    cov.add_argument("--demand", type=Path, required=True, help="CSV id,lon,lat,weight")
    cov.add_argument("--facilities", type=Path, required=True, help="CSV id,lon,lat,type")
    cov.add_argument("--radius", type=float, required=True, help="metres")
    cov.add_argument("--max-snap", type=float, default=None, help="metres; farther points are an error")
    cov.add_argument(
        "--out",
        type=Path,
        help="CSV of each demand point's snap and distance per type (a split run writes inf beyond the radius)",
    )
    cov.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://host:8786: split the run by area and run the areas on that cluster "
        "(the workers need linli installed); default: run locally in this process",
    )
    cov.add_argument(
        "--split-by",
        metavar="COLUMN",
        help="demand CSV column with each point's area (e.g. area): one task per area; without it a split run "
        "uses a grid of the points (--grid-cells); given without --scheduler, runs on a local Dask cluster",
    )
    cov.add_argument(
        "--grid-cells", type=int, default=4, help="about how many grid cells a split run without --split-by uses"
    )
    cov.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the --scheduler to answer")
    cov.set_defaults(run=_coverage)
    pm = sub.add_parser("pmedian", help="p-median of an OR-Library instance")
    pm.add_argument("--orlib", type=Path, required=True)
    pm.add_argument("--p", type=int, default=None, help="default: the instance's p")
    pm.add_argument("--time-limit", type=float, default=60.0)
    pm.set_defaults(run=_pmedian)
    mc = sub.add_parser("mclp", help="maximal covering on a file of 'x y demand' lines")
    mc.add_argument("--points", type=Path, required=True)
    mc.add_argument("--radius", type=float, required=True)
    mc.add_argument("--p", type=int, required=True)
    mc.add_argument("--metric", choices=["euclidean", "manhattan"], default="euclidean")
    mc.add_argument("--time-limit", type=float, default=60.0)
    mc.set_defaults(run=_mclp)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand; errors in the input are printed to stderr with exit status 2."""
    args = _parser().parse_args(argv)
    try:
        result = args.run(args)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
