"""The Lagrangian branch-and-bound for the p-median: bounds against brute force, OR-Library optima, existing
sites, and honest bounds when the deadline stops it."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from linli.engine.orlib import read_orlib_pmed
from linli.engine.pmedian import p_median, pmedian_cost, pmedian_greedy, pmedian_interchange
from linli.engine.pmedian_lagrange import _Costs, _Search, lagrangian_pmedian

from .conftest import PMED

fast = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _optima() -> dict[str, float]:
    lines = (PMED / "OPTIMA.tsv").read_text().split("\n")[1:]
    return {name: float(value) for name, value in (ln.split("\t") for ln in lines if ln.strip())}


def _instance(n: int, m: int, seed: int, integer: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if integer:
        d = rng.integers(0, 30, (n, m)).astype(float)
        w = rng.integers(0, 4, n).astype(float)
    else:
        d = rng.random((n, m)) * 10.0
        w = rng.random(n) * 3.0 * (rng.random(n) < 0.85)
    w[rng.integers(0, n)] = 1.0 + rng.integers(0, 3)  # some positive weight
    return d, w


def _brute(d: np.ndarray, w: np.ndarray, p: int, existing: np.ndarray) -> float:
    others = [j for j in range(d.shape[1]) if j not in set(existing.tolist())]
    return min(float(w @ d[:, list(existing) + list(extra)].min(axis=1)) for extra in itertools.combinations(others, p))


def _start(d: np.ndarray, w: np.ndarray, p: int, existing: np.ndarray) -> np.ndarray:
    return pmedian_greedy(d, w, p, existing)


def _beasley_like(n: int, seed: int) -> np.ndarray:
    """Shortest paths of a random connected graph with n^2/50 edges and integer costs 1..100."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    a = np.concatenate([order[1:], rng.integers(0, n, n * n // 50)])
    b = np.concatenate([order[[rng.integers(0, k) for k in range(1, n)]], rng.integers(0, n, n * n // 50)])
    keep = a != b
    cost = rng.integers(1, 101, int(keep.sum())).astype(float)
    g = sp.coo_matrix(
        (np.concatenate([cost, cost]), (np.concatenate([a[keep], b[keep]]), np.concatenate([b[keep], a[keep]])))
    )
    return dijkstra(g.tocsr(), directed=True)


cases = st.tuples(
    st.integers(1, 9),  # demand points
    st.integers(2, 8),  # candidates
    st.integers(0, 2**31 - 1),  # seed
    st.integers(0, 2),  # existing sites
    st.booleans(),  # integer data
)


@fast
@given(cases)
def test_equals_brute_force_and_bound_is_valid(case: tuple[int, int, int, int, bool]) -> None:
    n, m, seed, n_ex, integer = case
    n_ex = min(n_ex, m - 2)
    d, w = _instance(n, m, seed, integer)
    rng = np.random.default_rng(seed + 1)
    existing = np.sort(rng.choice(m, n_ex, replace=False)).astype(np.int64)
    p = int(rng.integers(1, m - n_ex))  # p + existing < m
    optimum = _brute(d, w, p, existing)
    out = lagrangian_pmedian(d, w, p, existing, _start(d, w, p, existing), time.perf_counter() + 60)
    assert out.optimal
    assert len(np.unique(out.best)) == p + n_ex and set(existing.tolist()) <= set(out.best.tolist())
    assert pmedian_cost(d, w, out.best) == pytest.approx(optimum, abs=1e-9, rel=1e-9)
    tol = 1e-7 * max(1.0, optimum)
    assert out.root_bound <= optimum + tol
    assert out.lower <= optimum + tol


@fast
@given(cases)
def test_lagrangian_bound_never_exceeds_optimum(case: tuple[int, int, int, int, bool]) -> None:
    """L(lambda) <= optimum for any multipliers, with and without forced-open sites."""
    n, m, seed, n_ex, integer = case
    n_ex = min(n_ex, m - 2)
    d, w = _instance(n, m, seed, integer)
    rng = np.random.default_rng(seed + 2)
    existing = np.sort(rng.choice(m, n_ex, replace=False)).astype(np.int64)
    p = int(rng.integers(1, m - n_ex))
    optimum = _brute(d, w, p, existing)
    c = d * w[:, None]
    search = _Search(c, p + n_ex, _start(d, w, p, existing), lambda ub: ub)
    free = np.setdiff1d(np.arange(m), existing)
    for _ in range(5):
        lam = rng.random(n) * 2.0 * c.max(initial=1.0)
        bound, s, chosen = search.evaluate(_Costs(c, np.arange(m), np.empty(c.size)), lam, existing, free)
        assert bound <= optimum + 1e-7 * max(1.0, optimum)
        assert len(chosen) == p and not set(chosen.tolist()) & set(existing.tolist())
        assert s == pytest.approx(np.maximum(lam[:, None] - c, 0.0).sum(axis=0))


@pytest.mark.parametrize("name", ["pmed1", "pmed2", "pmed3", "pmed4", "pmed5"])
def test_orlib_optimum_proven(name: str) -> None:
    inst = read_orlib_pmed(PMED / f"{name}.txt")
    d, w, ex = inst.distances, np.ones(inst.n), np.zeros(0, dtype=np.int64)
    start = pmedian_greedy(d, w, inst.p, ex)
    out = lagrangian_pmedian(
        d,
        w,
        inst.p,
        ex,
        start,
        time.perf_counter() + 120,
        local_search=lambda s, t: pmedian_interchange(d, w, s, ex, t),
    )
    assert out.optimal
    assert pmedian_cost(d, w, out.best) == _optima()[name] == out.lower
    assert out.root_bound <= _optima()[name]


def test_branching_closes_a_root_gap() -> None:
    """A generated n = 150, p = 5 instance whose Lagrangian (LP) bound is below the optimum: the search has
    to branch, and p_median (which uses it for small p) agrees with the proven value."""
    d = _beasley_like(150, seed=11)
    w, ex = np.ones(150), np.zeros(0, dtype=np.int64)
    out = lagrangian_pmedian(d, w, 5, ex, pmedian_greedy(d, w, 5, ex), time.perf_counter() + 120)
    cost = pmedian_cost(d, w, out.best)
    assert out.optimal and out.lower == cost
    assert out.root_bound < cost - 1.0 and out.nodes > 1
    res = p_median(d, 5, time_limit=120)
    assert res.optimal and res.objective == cost and res.lower_bound == cost


def test_existing_sites_respected() -> None:
    inst = read_orlib_pmed(PMED / "pmed2.txt")
    existing = np.array([3, 50, 97])
    res = p_median(inst.distances, 4, existing=existing, time_limit=120)
    assert set(existing.tolist()) <= set(res.facilities.tolist())
    assert len(res.facilities) == 7 and len(res.added) == 4
    assert res.optimal and res.gap == 0.0 and res.lower_bound == res.objective
    d, w = inst.distances, np.ones(inst.n)
    assert res.objective == pmedian_cost(d, w, res.facilities)
    # No better completion of the existing sites by a single swap of an added site.
    for out_site in res.added:
        for in_site in np.setdiff1d(np.arange(inst.n), res.facilities)[::7]:
            trial = np.append(np.setdiff1d(res.facilities, [out_site]), in_site)
            assert pmedian_cost(d, w, trial) >= res.objective


def test_deadline_reports_an_honest_bound() -> None:
    d = _beasley_like(200, seed=6)
    w, ex = np.ones(200), np.zeros(0, dtype=np.int64)
    start = pmedian_greedy(d, w, 5, ex)
    full = lagrangian_pmedian(d, w, 5, ex, start, time.perf_counter() + 120)
    optimum = pmedian_cost(d, w, full.best)
    assert full.optimal
    stopped = lagrangian_pmedian(d, w, 5, ex, start, time.perf_counter())  # deadline already passed
    assert not stopped.optimal
    assert stopped.lower <= optimum <= pmedian_cost(d, w, stopped.best)
    assert stopped.lower < pmedian_cost(d, w, stopped.best)


def test_time_limited_p_median_gap_is_consistent() -> None:
    d = _beasley_like(300, seed=11)
    optimum = p_median(d, 5, time_limit=120)
    assert optimum.optimal
    res = p_median(d, 5, time_limit=0.05)
    assert res.lower_bound <= optimum.objective <= res.objective
    if res.optimal:
        assert res.gap == 0.0 and res.objective == optimum.objective
    else:
        assert res.gap == pytest.approx((res.objective - res.lower_bound) / res.objective)
        assert res.gap > 0.0


def test_unreachable_zero_weight_point_and_no_new_site() -> None:
    """A zero-weight point that no candidate reaches does not make the objective nan; p = 0 keeps the
    existing sites."""
    rng = np.random.default_rng(1)
    d = rng.integers(1, 50, (30, 20)).astype(float)
    w = np.ones(30)
    w[3], d[3, :] = 0.0, np.inf
    res = p_median(d, 3, weights=w, time_limit=30)
    keep = w > 0
    assert res.optimal and res.objective == _brute(d[keep], w[keep], 3, np.zeros(0, dtype=np.int64))
    none = p_median(d, 0, weights=w, existing=[1, 2], time_limit=30)
    assert none.optimal and list(none.facilities) == [1, 2] and len(none.added) == 0
    assert none.objective == float(d[keep][:, [1, 2]].min(axis=1).sum())
