"""The MCLP search beside HiGHS (linli.engine.mclp_search) against brute force on small instances."""

from __future__ import annotations

import itertools
import time

import highspy
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linli.engine import mclp_bounds as mb
from linli.engine import mclp_model as mm
from linli.engine import mclp_search as ms
from linli.engine.mclp import mclp

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
    cov = mm.Coverage(sp.csr_matrix(a), w)
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
    cov = mm.Coverage(sp.csr_matrix(a), w)
    start = np.sort(rng.choice(m, q, replace=False))
    sites = cov.descend(start, mm.StopFlag(time.perf_counter() + 30))
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
    cov = mm.Coverage(sp.csr_matrix(a), w)
    hood = ms.Neighbourhoods(cov, rng)
    hood.size = m
    sites = np.sort(rng.choice(m, q, replace=False))
    trial = hood.step(sites, mm.StopFlag(time.perf_counter() + 30), limit=30.0, areas=q)
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


def test_lp_relaxation_holds_an_lp_optimum() -> None:
    a, w, _ = _cover(40, 12, 5)
    cov = mm.Coverage(sp.csr_matrix(a), w)
    relaxation = mb.lp_relaxation(cov, 3, mm.StopFlag(time.perf_counter() + 30))
    assert relaxation is not None and 1 <= (relaxation.x > 1e-6).sum() <= 12
    assert relaxation.x.sum() == pytest.approx(3.0)
    assert np.all((relaxation.lam >= 0) & (relaxation.lam <= w))


@fast
@given(cases, st.floats(0.0, 1.0))
def test_opening_bounds_hold_every_solution_that_opens_the_site(case: tuple[int, int, int], noise: float) -> None:
    k, m, seed = case
    a, w, rng = _cover(k, m, seed)
    q = int(rng.integers(1, m))
    cov = mm.Coverage(sp.csr_matrix(a), w)
    relaxation = mb.lp_relaxation(cov, q, mm.StopFlag(time.perf_counter() + 30))
    assert relaxation is not None
    # valid for the LP's multipliers and for any others in [0, w]
    for lam in (relaxation.lam, relaxation.lam * (1 - noise) + noise * rng.random(k) * w):
        bounds = mb.opening_bounds(cov, q, lam)
        for j in range(m):
            best_with_j = max(_value(a, w, np.array([j, *s])) for s in itertools.combinations(
                [c for c in range(m) if c != j], q - 1))  # fmt: skip
            assert bounds[j] >= best_with_j - 1e-6
    assert mb.opening_bounds(cov, q, relaxation.lam).max() == pytest.approx(_lp(a, w, q), rel=1e-6)


def _lp(a: np.ndarray, w: np.ndarray, q: int) -> float:
    from scipy.optimize import linprog

    k, m = a.shape
    # max w.c  s.t.  c_i - sum_j a_ij x_j <= 0, sum x <= q, 0 <= c, x <= 1
    res = linprog(
        -np.concatenate([w, np.zeros(m)]),
        A_ub=np.block([[np.eye(k), -a.astype(float)], [np.zeros((1, k)), np.ones((1, m))]]),
        b_ub=np.concatenate([np.zeros(k), [q]]),
        bounds=[(0, 1)] * (k + m),
    )
    return float(-res.fun)


@fast
@given(cases, st.sampled_from([0.0, 0.05, 0.2]))
def test_solve_with_sites_left_out_keeps_its_bound_and_gap(case: tuple[int, int, int], gap: float) -> None:
    """With a requested gap, candidates whose opening cannot beat it are left out of HiGHS's model: the
    bound stays an upper bound of the optimum and the solution within the gap."""
    k, m, seed = case
    a, w, rng = _cover(k, m, seed)
    q = int(rng.integers(1, m))
    out = ms.solve(sp.csr_matrix(a), w, q, np.arange(q), time.perf_counter() + 30, mip_gap=gap, seed=seed % 5)
    best = _best(a, w, q)
    assert out.bound >= best - 1e-6
    assert out.optimal and out.value >= best / (1 + gap) - 1e-6 and out.value == pytest.approx(_value(a, w, out.sites))


def test_candidates_that_cannot_matter_are_left_out_of_highs_model() -> None:
    a, w, _ = _cover(60, 12, 11)
    a = np.hstack([a, np.eye(60, 3, dtype=bool)])  # three candidates that cover one row each
    w = w.copy()
    w[:3] = 1.0
    out = ms.solve(sp.csr_matrix(a), w, 3, np.arange(3), time.perf_counter() + 30, mip_gap=0.0, price=False)
    assert out.optimal and out.value == pytest.approx(_best(a, w, 3))
    assert out.proof == "branch-and-bound" and 0 < out.candidates < 15


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


@fast
@given(cases, st.integers(2, 6), st.floats(0.0, 2.0), st.floats(0.0, 1.0))
def test_priced_bound_holds_whatever_the_price_cuts_and_row_prices(
    case: tuple[int, int, int], max_piece: int, price_scale: float, row_scale: float
) -> None:
    """The priced bound is an upper bound of the best q sites for any site price, with groups cut into
    pieces of `max_piece` candidates and the joining rows shared at any prices in [0, w]."""
    k, m, seed = case
    a, w, rng = _cover(k, m, seed)
    q = int(rng.integers(1, m))
    cov = mm.Coverage(sp.csr_matrix(a), w)
    price = price_scale * float(w.mean()) * 3
    row_prices = row_scale * w * rng.random(k)
    out = mb.priced_bound(cov, q, price, time.perf_counter() + 30, row_prices=row_prices, max_piece=max_piece)
    assert out.proven and out.bound >= _best(a, w, q) - 1e-6
    whole = mb.priced_bound(cov, q, price, time.perf_counter() + 30)
    assert whole.cuts == 0 and whole.bound >= _best(a, w, q) - 1e-6
    assert out.bound >= whole.bound - 1e-6  # cutting only loosens the bound
    if len(whole.sites):  # the pieces' sites are worth what the priced problem says
        assert whole.bound == pytest.approx(price * q + _value(a, w, whole.sites) - price * len(whole.sites))


def test_bisect_cuts_a_chain_where_it_is_thinnest() -> None:
    # ten candidates in a chain, each sharing a row with the next; the link 4-5 is the lightest
    rows = [[j, j + 1] for j in range(9)]
    a = np.zeros((9, 10), dtype=bool)
    for i, (j, k) in enumerate(rows):
        a[i, [j, k]] = True
    w = np.full(9, 10.0)
    w[4] = 1.0
    cov = mm.Coverage(sp.csr_matrix(a), w)
    halves = mb._bisect(cov, np.arange(10), w)
    assert halves is not None
    left, right, joining = halves
    assert sorted([sorted(left.tolist()), sorted(right.tolist())]) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert joining.tolist() == [4]


def _clustered(seed: int, n: int, m: int, clusters: int, size: float) -> tuple[sp.csr_matrix, np.ndarray]:
    """A small city: demand in Gaussian clusters, candidates among the demand points, 1 km radius."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0.1 * size, 0.9 * size, (clusters, 2))
    spread = rng.uniform(400, 1_500, clusters)
    which = rng.integers(0, clusters, n)
    pts = centres[which] + rng.normal(0, 1, (n, 2)) * spread[which, None]
    cand = pts[rng.choice(n, m, replace=False)]
    d = np.hypot(*(pts[:, None, :] - cand[None, :, :]).transpose(2, 0, 1))
    return sp.csr_matrix(d <= 1_000.0), rng.integers(20, 500, n).astype(float)


def _highs_optimum(a: sp.csr_matrix, w: np.ndarray, q: int) -> float:
    h = mm.highs_model(mm.Coverage(a, w), q, 0.0)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(h.getInfo().objective_function_value)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_priced_bound_proves_clustered_instances_and_holds_the_optimum(seed: int) -> None:
    a, w = _clustered(seed, 1_500, 250, 12, 15_000)
    q = 8
    best = _highs_optimum(a, w, q)
    out = ms.solve(a, w, q, np.arange(q), time.perf_counter() + 60, mip_gap=0.001, seed=seed)
    assert out.proof == "priced" and out.candidates == 0  # no branch-and-bound was needed
    assert best - 1e-6 <= out.bound <= best * 1.001 + 1e-6
    assert out.value >= out.bound / 1.001 - 1e-6 and out.value == pytest.approx(_value(a.toarray(), w, out.sites))
