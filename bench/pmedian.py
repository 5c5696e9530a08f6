"""Benchmark (b): p-median on OR-Library pmed1-5 and on generated instances of all 40 OR-Library sizes.

linli `p_median` (radius formulation, or the Benders method for at most 10 open sites; HiGHS via highspy)
against spopt's PMedian (assignment model built with PuLP, solved by HiGHS through pulp.HiGHS). Generated
instances follow Beasley's recipe: a random
spanning tree plus random edges up to n^2/50 edges, integer costs 1..100, all-pairs shortest paths.

    .venv/bin/python bench/pmedian.py [--limit 60] [--spopt-limit 60] [--spopt-max-n 400]

spopt's status is read from HiGHS itself: pulp reports a HiGHS time-limit stop as "Optimal".
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

from linli.engine.orlib import read_orlib_pmed
from linli.engine.pmedian import p_median

SHARED = Path(os.environ.get("LINLI_SHARED", Path(__file__).resolve().parents[1] / ".." / "shared")).resolve()
# pmed1..pmed40 in order: (n, p) of Beasley's OR-Library set.
ORLIB_SIZES = [
    (n, p)
    for n, ps in [
        (100, [5, 10, 10, 20, 33]),
        (200, [5, 10, 20, 40, 67]),
        (300, [5, 10, 30, 60, 100]),
        (400, [5, 10, 40, 80, 133]),
        (500, [5, 10, 50, 100, 167]),
        (600, [5, 10, 60, 120, 200]),
        (700, [5, 10, 70, 140]),
        (800, [5, 10, 80]),
        (900, [5, 10, 90]),
    ]
    for p in ps
]


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


def highs_status(problem: object) -> str:
    """HiGHS's own model status of a solved PuLP problem (pulp maps a time-limit stop to "Optimal")."""
    return str(problem.solverModel.getModelStatus()).split(".")[-1].removeprefix("k")  # type: ignore[attr-defined]


def spopt_pmedian(d: np.ndarray, p: int, limit: float) -> tuple[float, str]:
    import pulp
    from spopt.locate import PMedian

    model = PMedian.from_cost_matrix(d, np.ones(d.shape[0]), p_facilities=p)
    model.solve(pulp.HiGHS(msg=False, timeLimit=limit))
    return float(pulp.value(model.problem.objective)), highs_status(model.problem)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=float, default=60.0, help="linli time limit, seconds")
    parser.add_argument("--spopt-limit", type=float, default=60.0, help="spopt HiGHS time limit, seconds")
    parser.add_argument("--spopt-max-n", type=int, default=10_000, help="run spopt only up to this n")
    parser.add_argument("--only", type=str, default="", help="comma-separated instance names (pmed7,...)")
    args = parser.parse_args()
    optima = dict(
        line.split("\t") for line in (SHARED / "reference/pmed/OPTIMA.tsv").read_text().splitlines()[1:] if line
    )
    cases: list[tuple[str, np.ndarray, int, str]] = []
    for k in range(1, 6):
        inst = read_orlib_pmed(SHARED / f"reference/pmed/pmed{k}.txt")
        cases.append((f"pmed{k}", inst.distances, inst.p, optima[f"pmed{k}"]))
    for k, (n, p) in enumerate(ORLIB_SIZES[5:], start=6):
        cases.append((f"gen{k} (pmed{k} size)", beasley_like(n, seed=k), p, "-"))
    only = set(filter(None, args.only.split(",")))
    rows = []
    for name, d, p, known in cases:
        if only and name.split(" ")[0] not in only:
            continue
        t, _, res = run_isolated(lambda d=d, p=p: p_median(d, p, time_limit=args.limit))
        assert t is not None and not isinstance(res, str), res
        ts, sres = None, "not run"
        if d.shape[0] <= args.spopt_max_n:
            ts, _, sres = run_isolated(
                lambda d=d, p=p: spopt_pmedian(d, p, args.spopt_limit), timeout=args.spopt_limit + 120
            )
        if ts is None or isinstance(sres, str):
            cell = (
                f"not run (n > {args.spopt_max_n})" if sres == "not run" else f"> {args.spopt_limit:.0f} s cap ({sres})"
            )
            spopt_cell, ratio, spopt_obj = cell, "-", "-"
        elif sres[1] != "Optimal":
            spopt_cell, ratio, spopt_obj = f"> cap: {ts:.1f} ({sres[1]})", f"> {ts / t:.1f}", f"{sres[0]:.0f}"
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
