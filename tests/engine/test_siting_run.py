"""Solving and describing a siting question on arrays (`linli.engine.siting_run`): no database."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from linli.engine.mclp import covered_weight, mclp
from linli.engine.pmedian import p_median, pmedian_cost
from linli.engine.siting_inputs import InfeasibleError, SitingError
from linli.engine.siting_run import describe, score, solve

INF = np.inf


def _instance(seed: int, n: int = 12, m: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    d = rng.integers(50, 1000, (n, m)).astype(float)
    d[rng.random((n, m)) < 0.15] = INF
    d[:, 0] = np.where(np.isinf(d).all(axis=1), 500.0, d[:, 0])  # everyone reaches some site
    return d, rng.integers(1, 20, n).astype(float)


def test_pmedian_cost_is_the_one_objective() -> None:
    d = np.array([[1.0, 5.0], [INF, 2.0], [INF, INF]])
    w = np.array([2.0, 3.0, 0.0])
    assert pmedian_cost(d, w, np.array([0, 1])) == 2 * 1 + 3 * 2  # the weightless unreachable point is ignored
    assert pmedian_cost(d, w, np.array([0])) == INF
    assert score("pmedian", d, w, np.array([0, 1]), None) == -8.0
    assert score("pmedian", d, w, np.array([], dtype=np.int64), None) == -INF
    res = p_median(d[:2], 1, weights=w[:2], existing=[0])
    assert res.objective == pmedian_cost(d[:2], w[:2], res.facilities)


def test_covered_weight_is_the_mclp_objective() -> None:
    d, w = _instance(3)
    res = mclp(d, 400.0, 2, weights=w, existing=[0])
    assert covered_weight(d, w, res.facilities, 400.0) == res.covered_weight
    assert covered_weight(d, w, np.array([], dtype=np.int64), 400.0) == 0.0
    assert score("mclp", d, w, res.facilities, 400.0) == res.covered_weight
    with pytest.raises(SitingError, match="radius"):
        score("mclp", d, w, res.facilities, None)


@pytest.mark.parametrize("seed", range(4))
def test_solve_each_objective_against_brute_force(seed: int) -> None:
    d, w = _instance(seed)
    ex = np.array([0])
    free = range(1, d.shape[1])
    best_cover = max(covered_weight(d, w, np.array([0, *s]), 400.0) for s in itertools.combinations(free, 2))
    got = solve("mclp", d, weights=w, existing=ex, k=2, radius=400.0, time_limit=30)
    assert got.optimal and covered_weight(d, w, np.concatenate([ex, got.added]), 400.0) == best_cover
    best_cost = min(pmedian_cost(d, w, np.array([0, *s])) for s in itertools.combinations(free, 2))
    got = solve("pmedian", d, weights=w, existing=ex, k=2, time_limit=30)
    assert got.optimal and pmedian_cost(d, w, np.concatenate([ex, got.added])) == best_cost
    assert got.bound == best_cost and not got.dropped.any() and np.array_equal(got.weights, w)
    reach_all = [
        len(s)
        for r in range(1, d.shape[1])
        for s in itertools.combinations(free, r)
        if (np.minimum(d[:, 0], d[:, list(s)].min(axis=1)) <= 900.0).all()
    ]
    if reach_all and (d.min(axis=1) <= 900.0).all():
        got = solve("lscp", d, weights=w, existing=ex, radius=900.0, time_limit=30)
        fewest = 0 if (d[:, 0] <= 900.0).all() else min(reach_all)
        assert got.optimal and len(got.added) == fewest


def test_solve_pmedian_leaves_out_the_points_no_site_reaches() -> None:
    d = np.array([[100.0, 300.0], [INF, INF], [250.0, 50.0]])
    got = solve("pmedian", d, weights=[1.0, 5.0, 2.0], existing=[], k=1)
    assert got.dropped.tolist() == [False, True, False]
    assert got.weights.tolist() == [1.0, 0.0, 2.0]
    assert got.added.tolist() == [1]  # 300 + 100 beats 100 + 500


def test_solve_names_what_is_wrong() -> None:
    d = np.array([[100.0, INF], [INF, INF]])
    with pytest.raises(InfeasibleError) as caught:
        solve("lscp", d, weights=[1.0, 1.0], existing=[], radius=200.0)
    assert caught.value.points.tolist() == [1]
    with pytest.raises(SitingError, match="needs k"):
        solve("mclp", d, weights=[1.0, 1.0], existing=[], radius=200.0)
    with pytest.raises(SitingError, match="needs k"):
        solve("pmedian", d, weights=[1.0, 1.0], existing=[])
    with pytest.raises(SitingError, match="needs radius"):
        solve("lscp", d, weights=[1.0, 1.0], existing=[])
    with pytest.raises(SitingError, match="objective must be one of"):
        solve("nearest", d, weights=[1.0, 1.0], existing=[], k=1)  # type: ignore[arg-type]


@pytest.mark.parametrize("objective", ["mclp", "pmedian", "lscp"])
@pytest.mark.parametrize("seed", range(3))
def test_describe_gains_add_up_and_served_weight_is_everyone_reached(objective: str, seed: int) -> None:
    d, w = _instance(seed, n=15, m=7)
    ex, added = np.array([0]), np.array([2, 4, 5])
    report = describe(objective, d, w, ex, added, 400.0)
    everything = np.concatenate([ex, added])
    assert sorted(s.column for s in report.sites) == added.tolist()
    if objective == "lscp":
        assert (report.objective_before, report.objective_after) == (0.0, 3.0)
    elif objective == "mclp":
        assert report.objective_before == covered_weight(d, w, ex, 400.0)
        assert report.objective_after == covered_weight(d, w, everything, 400.0)
    else:
        assert report.objective_before == pmedian_cost(d, w, ex)
        assert report.objective_after == pmedian_cost(d, w, everything)
    gains = [s.gain for s in report.sites]
    if all(g is not None for g in gains):
        kind = "mclp" if objective == "lscp" else objective
        total = score(kind, d, w, everything, 400.0) - score(kind, d, w, ex, 400.0)
        assert sum(gains) == pytest.approx(total)  # type: ignore[arg-type]
        assert gains == sorted(gains, reverse=True)  # (coverage and distance savings are submodular)
    for s in report.sites:
        rest = everything[everything != s.column]
        kind = "mclp" if objective == "lscp" else objective
        loss = score(kind, d, w, everything, 400.0) - score(kind, d, w, rest, 400.0)
        assert s.unique_gain == (pytest.approx(loss) if np.isfinite(loss) else None)
    nearest = np.argmin(d[:, everything], axis=1)
    for s in report.sites:
        assert s.served == pytest.approx(w[everything[nearest] == s.column].sum())
    assert report.covered_before.tolist() == (d[:, 0] <= 400.0).tolist()
    assert report.covered_after.tolist() == (d[:, everything].min(axis=1) <= 400.0).tolist()
    assert sum(s.covered_gain for s in report.sites) == pytest.approx(  # type: ignore[misc]
        w @ report.covered_after - w @ report.covered_before
    )


def test_describe_first_site_is_the_most_useful() -> None:
    d = np.array([[100.0, 900.0, 900.0], [900.0, 100.0, 900.0], [900.0, 100.0, 900.0], [900.0, 900.0, 100.0]])
    w = np.ones(4)
    report = describe("mclp", d, w, np.array([], dtype=np.int64), np.array([0, 1, 2]), 200.0)
    assert [s.column for s in report.sites] == [1, 0, 2]
    assert [s.gain for s in report.sites] == [2.0, 1.0, 1.0]
    assert (report.objective_before, report.objective_after) == (0.0, 4.0)


def test_describe_a_pmedian_without_radius_reports_no_coverage() -> None:
    d = np.array([[100.0, 300.0], [400.0, 50.0]])
    report = describe("pmedian", d, np.array([1.0, 2.0]), np.array([], dtype=np.int64), np.array([0, 1]), None)
    assert not report.covered_before.any() and not report.covered_after.any()
    assert report.objective_before == INF and report.objective_after == 100.0 + 2 * 50.0
    assert all(s.covered_gain is None for s in report.sites)
    assert report.sites[0].gain is None  # from nothing open (an infinite cost) no finite gain
