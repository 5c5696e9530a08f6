"""The MCLP search beside HiGHS (linli.engine.mclp_search) against brute force on small instances."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linli.engine import mclp_search as ms
from linli.engine.siting import mclp

fast = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
cases = st.tuples(
    st.integers(3, 14),  # rows
    st.integers(3, 8),  # candidates
    st.integers(0, 2**31 - 1),  # seed
)


def _cover(k: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.random.Generator]:
    rng = np.random.default_rng(seed)
    a = rng.random((k, m)) < 0.35
    a[np.arange(k), rng.integers(0, m, k)] = True  # every row coverable
    w = rng.integers(1, 20, k).astype(float)
    return a, w, rng


def _best(a: np.ndarray, w: np.ndarray, q: int) -> float:
    return max(float(w @ a[:, list(s)].any(axis=1)) for s in itertools.combinations(range(a.shape[1]), q))


def _value(a: np.ndarray, w: np.ndarray, sites: np.ndarray) -> float:
    return float(w @ a[:, sites].any(axis=1))


@fast
@given(cases)
def test_swap_savings_are_exact(case: tuple[int, int, int]) -> None:
    k, m, seed = case
    a, w, rng = _cover(k, m, seed)
    q = int(rng.integers(1, m))
    sites = np.sort(rng.choice(m, q, replace=False))
    cov = ms.Coverage(sp.csr_matrix(a), w)
    saving = cov.savings(sites, cov.counts(sites))
    base = _value(a, w, sites)
    for r, j in itertools.product(range(q), range(m)):
        if j in sites:
            assert saving[r, j] == -np.inf
        else:
            swapped = sites.copy()
            swapped[r] = j
            assert saving[r, j] == pytest.approx(_value(a, w, swapped) - base)


@fast
@given(cases)
def test_descent_ends_at_a_swap_optimum(case: tuple[int, int, int]) -> None:
    k, m, seed = case
    a, w, rng = _cover(k, m, seed)
    q = int(rng.integers(1, m))
    cov = ms.Coverage(sp.csr_matrix(a), w)
    start = np.sort(rng.choice(m, q, replace=False))
    sites = cov.descend(start, ms.StopFlag(time.perf_counter() + 30))
    assert len(np.unique(sites)) == q
    assert _value(a, w, sites) >= _value(a, w, start)
    assert cov.value(sites) == _value(a, w, sites)
    assert cov.savings(sites, cov.counts(sites)).max() <= cov.eps


@fast
@given(cases)
def test_neighbourhood_step_keeps_the_site_count_and_never_loses(case: tuple[int, int, int]) -> None:
    k, m, seed = case
    a, w, rng = _cover(k, m, seed)
    q = int(rng.integers(1, m))
    cov = ms.Coverage(sp.csr_matrix(a), w)
    hood = ms.Neighbourhoods(cov, rng)
    hood.size = m
    sites = np.sort(rng.choice(m, q, replace=False))
    trial = hood.step(sites, ms.StopFlag(time.perf_counter() + 30), limit=30.0, areas=q)
    if trial is not None:
        assert len(np.unique(trial)) == q
        assert _value(a, w, trial) >= _value(a, w, sites)


@fast
@given(cases)
def test_solve_equals_brute_force(case: tuple[int, int, int]) -> None:
    k, m, seed = case
    a, w, rng = _cover(k, m, seed)
    q = int(rng.integers(1, m))
    start = np.arange(q)
    out = ms.solve(sp.csr_matrix(a), w, q, start, time.perf_counter() + 30, offset=5.0, seed=seed % 7)
    best = _best(a, w, q)
    assert out.optimal
    assert len(np.unique(out.sites)) == q
    assert out.value == pytest.approx(best) and _value(a, w, out.sites) == pytest.approx(best)
    assert out.bound >= best + 5.0 - 1e-6  # the offset is part of HiGHS's objective


def test_lp_support_holds_an_lp_optimum() -> None:
    a, w, _ = _cover(40, 12, 5)
    cov = ms.Coverage(sp.csr_matrix(a), w)
    allowed = ms.lp_support(cov, 3, ms.StopFlag(time.perf_counter() + 30))
    assert allowed is not None and allowed.dtype == bool and 1 <= allowed.sum() <= 12


def _instance(seed: int, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    pts, cand = rng.uniform(0, 10_000, (n, 2)), rng.uniform(0, 10_000, (m, 2))
    d = np.hypot(*(pts[:, None, :] - cand[None, :, :]).transpose(2, 0, 1))
    return d, rng.integers(1, 40, n).astype(float)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mclp_with_existing_sites_equals_brute_force(seed: int) -> None:
    d, w = _instance(seed, 60, 9)
    existing = [seed]
    cover = d <= 2_500.0
    free = [j for j in range(9) if j not in existing]
    best = max(float(w @ cover[:, [*s, *existing]].any(axis=1)) for s in itertools.combinations(free, 3))
    res = mclp(d, 2_500.0, 3, weights=w, existing=existing)
    assert res.optimal and res.gap == 0.0
    assert res.covered_weight == pytest.approx(best) == res.upper_bound
    assert set(existing) <= set(res.facilities.tolist()) and len(res.added) == 3


@pytest.mark.parametrize("limit", [0.05, 0.5])
def test_time_limited_bound_is_valid_and_gap_consistent(limit: float) -> None:
    """Stopped by the time limit (or not), the bound is never below the optimum found with no limit,
    and the gap is measured from it."""
    d, w = _instance(11, 700, 120)
    exact = mclp(d, 900.0, 9, weights=w, existing=[4])
    res = mclp(d, 900.0, 9, weights=w, existing=[4], time_limit=limit)
    assert exact.optimal
    assert res.upper_bound >= exact.covered_weight - 1e-6
    assert res.covered_weight <= exact.covered_weight + 1e-6
    assert res.covered_weight == pytest.approx(float(w @ res.covered))
    assert res.gap == pytest.approx((res.upper_bound - res.covered_weight) / res.covered_weight, abs=1e-12)
    assert res.optimal == (res.gap == 0.0)
    assert len(res.added) == 9 and 4 in res.facilities
