"""Benchmark (c): maximal covering, 10,000 demand points, 2,000 candidate sites, p = 50.

A synthetic city of 30 x 30 km with clustered population; a 1,000 m service radius (the 15-minute
walking circle as the crow flies). linli `mclp` (HiGHS via highspy, greedy start) against spopt's MCLP
(PuLP + HiGHS), both with the same time limit.

    .venv/bin/python bench/mclp.py [--limit 120] [--radius 1000]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy.spatial.distance import cdist

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_isolated, table

from linli.engine.siting import mclp


def city(n_demand: int, n_cand: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Demand points in 40 Gaussian clusters over a 30 km square; candidates drawn among them."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(2_000, 28_000, (40, 2))
    spread = rng.uniform(500, 2_500, 40)
    which = rng.integers(0, 40, n_demand)
    pts = centres[which] + rng.normal(0, 1, (n_demand, 2)) * spread[which, None]
    weights = rng.integers(20, 500, n_demand).astype(float)
    cand = pts[rng.choice(n_demand, n_cand, replace=False)]
    return pts, cand, weights


def spopt_mclp(d: np.ndarray, w: np.ndarray, radius: float, p: int, limit: float) -> tuple[float, str]:
    import pulp
    from spopt.locate import MCLP

    model = MCLP.from_cost_matrix(d, w, service_radius=radius, p_facilities=p)
    model.solve(pulp.HiGHS(msg=False, timeLimit=limit))
    return float(pulp.value(model.problem.objective)), pulp.LpStatus[model.problem.status]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=float, default=120.0)
    parser.add_argument("--radius", type=float, default=1000.0)
    parser.add_argument("--p", type=int, default=50)
    args = parser.parse_args()
    pts, cand, w = city(10_000, 2_000)
    d = cdist(pts, cand)
    t, mem, res = run_isolated(lambda: mclp(d, args.radius, args.p, weights=w, time_limit=args.limit))
    assert t is not None and not isinstance(res, str), res
    ts, mem_s, sres = run_isolated(lambda: spopt_mclp(d, w, args.radius, args.p, args.limit), timeout=args.limit + 600)
    rows = [
        ["linli mclp", f"{res.covered_weight:,.0f}", res.optimal, f"{res.gap:.2g}", t, 1.0, mem],
    ]
    if ts is None or isinstance(sres, str):
        rows.append(["spopt MCLP", "-", "-", "-", f"> {args.limit + 600:.0f} s", "-", "-"])
    else:
        rows.append(["spopt MCLP", f"{sres[0]:,.0f} ({sres[1]})", sres[1] == "Optimal", "-", ts, ts / t, mem_s])
    print(f"total weight {w.sum():,.0f}; greedy start {res.heuristic_weight:,.0f}")
    print(table(["method", "covered weight", "optimal", "gap", "seconds", "x linli", "peak MiB"], rows))


if __name__ == "__main__":
    main()
