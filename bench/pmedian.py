"""Benchmark (b): p-median on OR-Library pmed1-5 and on generated instances of the larger OR-Library sizes.

linli `p_median` (radius formulation, HiGHS via highspy) against spopt's PMedian (assignment model built
with PuLP, solved by HiGHS through pulp.HiGHS). Generated instances follow Beasley's recipe: a random
spanning tree plus random edges up to n^2/50 edges, integer costs 1..100, all-pairs shortest paths.

    .venv/bin/python bench/pmedian.py [--limit 60] [--spopt-limit 120]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_isolated, table

from linli.engine.siting import p_median, read_orlib_pmed

SHARED = Path(os.environ.get("LINLI_SHARED", Path(__file__).resolve().parents[1] / ".." / "shared")).resolve()
GENERATED = [(200, 5), (400, 40), (600, 60), (800, 80), (900, 10), (900, 90), (900, 200)]


def beasley_like(n: int, seed: int) -> np.ndarray:
    """All-pairs shortest-path matrix of a random connected graph with n^2/50 edges, costs 1..100."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    tree_a = order[1:]
    tree_b = order[[rng.integers(0, k) for k in range(1, n)]]
    extra = n * n // 50 - (n - 1)
    a = np.concatenate([tree_a, rng.integers(0, n, extra)])
    b = np.concatenate([tree_b, rng.integers(0, n, extra)])
    cost = rng.integers(1, 101, len(a)).astype(float)
    keep = a != b
    a, b, cost = a[keep], b[keep], cost[keep]
    g = sp.coo_matrix((np.concatenate([cost, cost]), (np.concatenate([a, b]), np.concatenate([b, a]))), (n, n))
    g = g.tocsr()
    g.sum_duplicates()
    return dijkstra(g, directed=True)


def spopt_pmedian(d: np.ndarray, p: int, limit: float) -> tuple[float, str]:
    import pulp
    from spopt.locate import PMedian

    model = PMedian.from_cost_matrix(d, np.ones(d.shape[0]), p_facilities=p)
    model.solve(pulp.HiGHS(msg=False, timeLimit=limit))
    return float(pulp.value(model.problem.objective)), pulp.LpStatus[model.problem.status]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=float, default=60.0, help="linli time limit, seconds")
    parser.add_argument("--spopt-limit", type=float, default=120.0, help="spopt wall-clock cap, seconds")
    args = parser.parse_args()
    optima = dict(
        line.split("\t") for line in (SHARED / "reference/pmed/OPTIMA.tsv").read_text().splitlines()[1:] if line
    )
    cases: list[tuple[str, np.ndarray, int, str]] = []
    for k in range(1, 6):
        inst = read_orlib_pmed(SHARED / f"reference/pmed/pmed{k}.txt")
        cases.append((f"pmed{k}", inst.distances, inst.p, optima[f"pmed{k}"]))
    for k, (n, p) in enumerate(GENERATED):
        cases.append((f"gen n={n} p={p}", beasley_like(n, seed=k), p, "-"))
    rows = []
    for name, d, p, known in cases:
        t, _, res = run_isolated(lambda d=d, p=p: p_median(d, p, time_limit=args.limit))
        assert t is not None and not isinstance(res, str), res
        ts, _, sres = run_isolated(
            lambda d=d, p=p: spopt_pmedian(d, p, args.spopt_limit), timeout=args.spopt_limit + 60
        )
        if ts is None or isinstance(sres, str):
            spopt_cell, ratio = f"> {args.spopt_limit:.0f} s", "-"
            spopt_obj = "-"
        else:
            spopt_cell, ratio = f"{ts:.2f} ({sres[1]})", f"{ts / t:.1f}"
            spopt_obj = f"{sres[0]:.0f}"
        rows.append(
            [
                name,
                d.shape[0],
                p,
                known,
                f"{res.objective:.0f}",
                res.optimal,
                f"{res.gap:.2g}",
                t,
                spopt_obj,
                spopt_cell,
                ratio,
            ]
        )
        print(rows[-1], flush=True)
    header = ["instance", "n", "p", "known optimum", "linli objective", "optimal", "gap", "linli s"]
    header += ["spopt objective", "spopt s (status)", "spopt / linli"]
    print(table(header, rows))


if __name__ == "__main__":
    main()
