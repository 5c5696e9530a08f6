"""p-median against the OR-Library optima; MCLP, LSCP and small p-medians against brute force."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linli.engine.lscp import lscp
from linli.engine.mclp import mclp
from linli.engine.orlib import read_orlib_pmed
from linli.engine.pmedian import p_median
from linli.engine.pmedian_benders import pmedian_benders
from linli.engine.siting_inputs import InfeasibleError, SitingError

from .conftest import PMED


def _optima() -> dict[str, float]:
    lines = (PMED / "OPTIMA.tsv").read_text().split("\n")[1:]
    return {name: float(value) for name, value in (ln.split("\t") for ln in lines if ln.strip())}


@pytest.mark.parametrize("name", ["pmed1", "pmed2", "pmed3", "pmed4", "pmed5"])
def test_pmedian_reaches_orlib_optimum(name: str) -> None:
    instance = read_orlib_pmed(PMED / f"{name}.txt")
    res = p_median(instance.distances, instance.p, time_limit=60)
    assert res.objective == _optima()[name]
    assert res.optimal and res.gap == 0.0
    assert len(res.facilities) == instance.p
    assert res.objective == instance.distances[np.arange(instance.n), res.assignment].sum()


def test_orlib_last_repeated_edge_wins(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text("3 4 1\n1 2 5\n2 3 7\n1 2 9\n2 1 4\n")
    inst = read_orlib_pmed(path)
    assert inst.distances[0, 1] == 4 and inst.distances[0, 2] == 11


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1 must be"),
        ("3 x 1\n", "three integers"),
        ("3 2 5\n1 2 3\n2 3 4\n", "invalid values"),
        ("3 3 1\n1 2 3\n2 3 4\n", "expected 3 edge lines"),
        ("3 2 1\n1 2 3\n2 4 4\n", "invalid edge on line"),
        ("3 2 1\n1 2 3\n2 3\n", "'i j cost'"),
        ("4 2 1\n1 2 3\n1 3 4\n", "not connected"),
    ],
)
def test_malformed_orlib_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(SitingError, match=message):
        read_orlib_pmed(path)


def _brute_pmedian(d: np.ndarray, w: np.ndarray, p: int, existing: list[int]) -> float:
    free = [j for j in range(d.shape[1]) if j not in existing]
    return min(float(w @ d[:, list(s) + existing].min(axis=1)) for s in itertools.combinations(free, p))


def _brute_mclp(cover: np.ndarray, w: np.ndarray, p: int, existing: list[int]) -> float:
    free = [j for j in range(cover.shape[1]) if j not in existing]
    return max(float(w @ cover[:, list(s) + existing].any(axis=1)) for s in itertools.combinations(free, p))


def _brute_lscp(cover: np.ndarray, existing: list[int]) -> int:
    free = [j for j in range(cover.shape[1]) if j not in existing]
    for k in range(len(free) + 1):
        for s in itertools.combinations(free, k):
            if cover[:, list(s) + existing].any(axis=1).all():
                return k
    raise AssertionError("infeasible")


instances = st.tuples(
    st.integers(2, 12),  # demand points
    st.integers(2, 7),  # candidates
    st.integers(0, 2**31 - 1),  # seed
    st.booleans(),  # one existing site
)
fast = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _instance(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.random.Generator]:
    rng = np.random.default_rng(seed)
    d = np.round(rng.uniform(0, 100, (n, m)))
    w = rng.integers(0, 10, n).astype(float)
    return d, w, rng


@fast
@given(instances)
def test_pmedian_equals_brute_force(case: tuple[int, int, int, bool]) -> None:
    n, m, seed, with_existing = case
    d, w, rng = _instance(n, m, seed)
    existing = [int(rng.integers(m))] if with_existing else []
    p = int(rng.integers(1, m - len(existing) + 1))
    res = p_median(d, p, weights=w, existing=existing)
    assert res.optimal
    assert res.objective == pytest.approx(_brute_pmedian(d, w, p, existing), abs=1e-6)
    assert set(existing) <= set(res.facilities.tolist())
    assert len(res.added) == p


@fast
@given(instances)
def test_mclp_equals_brute_force(case: tuple[int, int, int, bool]) -> None:
    n, m, seed, with_existing = case
    d, w, rng = _instance(n, m, seed)
    existing = [int(rng.integers(m))] if with_existing else []
    p = int(rng.integers(0 if existing else 1, m - len(existing) + 1))
    radius = float(rng.uniform(10, 60))
    res = mclp(d, radius, p, weights=w, existing=existing)
    assert res.optimal
    assert res.covered_weight == pytest.approx(_brute_mclp(d <= radius, w, p, existing))
    assert res.covered_weight == pytest.approx(float(w @ res.covered))
    assert len(res.added) == p


@fast
@given(instances)
def test_lscp_equals_brute_force(case: tuple[int, int, int, bool]) -> None:
    n, m, seed, with_existing = case
    d, _, rng = _instance(n, m, seed)
    existing = [int(rng.integers(m))] if with_existing else []
    radius = float(d.min(axis=1).max()) + float(rng.uniform(0, 40))
    res = lscp(d, radius, existing=existing)
    assert res.optimal
    assert res.n_sites == _brute_lscp(d <= radius, existing)
    assert (d[:, res.facilities] <= radius).any(axis=1).all()


def test_infeasible_lscp_names_points() -> None:
    d = np.array([[1.0, 2.0], [50.0, 60.0], [3.0, 1.0], [70.0, 80.0]])
    with pytest.raises(InfeasibleError, match=r"#1, #3") as info:
        lscp(d, 10.0)
    assert info.value.points.tolist() == [1, 3]


def test_sparse_distances_for_covering() -> None:
    import scipy.sparse as sp

    d = sp.csr_matrix((np.array([0.0, 5.0, 20.0]), (np.array([0, 1, 2]), np.array([0, 0, 1]))), shape=(3, 2))
    assert lscp(d, 25.0).n_sites == 2
    assert mclp(d, 10.0, 1).covered_weight == 2.0


@pytest.mark.parametrize("radius", [0.0, -1.0, float("inf")])
def test_bad_radius(radius: float) -> None:
    d = np.ones((3, 3))
    with pytest.raises(SitingError, match="radius must be a positive number"):
        mclp(d, radius, 1)
    with pytest.raises(SitingError, match="radius must be a positive number"):
        lscp(d, radius)


def test_bad_p_and_inputs() -> None:
    d = np.ones((4, 3))
    with pytest.raises(SitingError, match="p=4 new sites plus 0 existing exceed the 3 candidate"):
        p_median(d, 4)
    with pytest.raises(SitingError, match="p=3 new sites plus 1 existing exceed"):
        mclp(d, 1.0, 3, existing=[0])
    with pytest.raises(SitingError, match="p must be >= 0"):
        p_median(d, -1)
    with pytest.raises(SitingError, match="p must be an integer"):
        p_median(d, 1.5)  # type: ignore[arg-type]
    with pytest.raises(SitingError, match="weights must have shape"):
        p_median(d, 1, weights=[1, 2])
    with pytest.raises(SitingError, match="existing has candidate indices outside"):
        p_median(d, 1, existing=[7])
    with pytest.raises(SitingError, match="distances must be >= 0"):
        p_median(-d, 1)
    with pytest.raises(SitingError, match="time_limit"):
        p_median(d, 1, time_limit=0)
    unreachable = np.array([[1.0, 2.0], [np.inf, np.inf]])
    with pytest.raises(InfeasibleError, match="#1"):
        p_median(unreachable, 1)


def _brute_mclp_at_most(cover: np.ndarray, w: np.ndarray, p: int) -> float:
    """Best weight covered by at most p of the columns of `cover`."""
    m = cover.shape[1]
    return max(
        (
            float(w @ cover[:, list(s)].any(axis=1))
            for k in range(min(p, m) + 1)
            for s in itertools.combinations(range(m), k)
        ),
        default=0.0,
    )


@fast
@given(instances)
def test_mclp_reductions_keep_the_optimum(case: tuple[int, int, int, bool]) -> None:
    """Merged demand rows and dropped dominated candidates leave the best coverage unchanged, also when
    the points an existing site covers are left out first."""
    from linli.engine.mclp import _mclp_reduce

    n, m, seed, with_existing = case
    d, w, rng = _instance(n, m, seed)
    d = np.vstack([d, d[: n // 2]])  # duplicated demand rows
    w = np.concatenate([w, w[: n // 2]])
    d = np.hstack([d, d[:, :1] + 5.0])  # a candidate dominated by candidate 0 at any radius
    radius = float(rng.uniform(10, 60))
    cover = d <= radius
    existing = [int(rng.integers(m))] if with_existing else []
    free = [j for j in range(cover.shape[1]) if j not in existing]
    fixed = cover[:, existing].any(axis=1)
    p = int(rng.integers(1, len(free) + 1))
    a, wa, kept = _mclp_reduce(sp.csr_matrix(cover[:, free]), np.where(fixed, 0.0, w))
    assert a.shape == (len(wa), len(kept))
    expected = _brute_mclp_at_most(cover[:, free] & ~fixed[:, None], w, p)
    assert _brute_mclp_at_most(a.toarray() > 0, wa, p) == pytest.approx(expected)
    res = mclp(d, radius, p, weights=w, existing=existing)
    assert res.optimal and res.covered_weight == pytest.approx(expected + float(w @ fixed))
    assert len(res.added) == p and not set(existing) & set(res.added.tolist())


def test_mclp_gap_tolerance() -> None:
    rng = np.random.default_rng(3)
    pts, cand = rng.uniform(0, 10_000, (600, 2)), rng.uniform(0, 10_000, (150, 2))
    d = np.hypot(*(pts[:, None, :] - cand[None, :, :]).transpose(2, 0, 1))
    exact = mclp(d, 800.0, 8)
    loose = mclp(d, 800.0, 8, mip_gap=0.05)
    assert exact.optimal and exact.gap == 0.0
    assert loose.gap <= 0.05 + 1e-9 and loose.upper_bound >= exact.covered_weight - 1e-6
    assert loose.covered_weight <= exact.covered_weight + 1e-6
    assert loose.optimal == (loose.gap == 0.0)
    with pytest.raises(SitingError, match="mip_gap must be in"):
        mclp(d, 800.0, 8, mip_gap=1.5)


@pytest.mark.parametrize("integral", [True, False])
def test_mclp_bound_is_proven_with_existing_sites(integral: bool) -> None:
    """With a gap tolerance and existing sites, `upper_bound` is a valid bound on the exact optimum, `gap`
    is measured from it and `optimal` holds only with a proof; integral weights give an integral bound."""
    rng = np.random.default_rng(7)
    pts, cand = rng.uniform(0, 10_000, (500, 2)), rng.uniform(0, 10_000, (140, 2))
    pts = np.vstack([pts, pts[:100]])  # duplicated points: merged by the reductions
    cand = np.vstack([cand, cand[:10] + 1.0])  # near-copies: dominated or dominating
    d = np.hypot(*(pts[:, None, :] - cand[None, :, :]).transpose(2, 0, 1))
    w = rng.integers(1, 50, len(pts)).astype(float) + (0.0 if integral else 0.25)
    existing = [3, 77]
    exact = mclp(d, 900.0, 7, weights=w, existing=existing)
    loose = mclp(d, 900.0, 7, weights=w, existing=existing, mip_gap=0.05)
    for res in (exact, loose):
        assert set(existing) <= set(res.facilities.tolist()) and len(res.added) == 7
        assert res.covered_weight == pytest.approx(float(w @ res.covered))
        assert res.upper_bound >= exact.covered_weight - 1e-6
        assert res.gap == pytest.approx((res.upper_bound - res.covered_weight) / res.covered_weight, abs=1e-12)
        assert res.optimal == (res.gap == 0.0)
    assert exact.optimal and exact.upper_bound == exact.covered_weight
    assert loose.gap <= 0.05 + 1e-9
    if integral:
        assert loose.upper_bound == np.floor(loose.upper_bound)


@fast
@given(instances, st.booleans())
def test_pmedian_benders_equals_brute_force(case: tuple[int, int, int, bool], integral: bool) -> None:
    """The Benders path (small p) from a deliberately bad start, with integer and fractional data."""
    n, m, seed, with_existing = case
    n, m = n + 3, m + 3
    d, w, rng = _instance(n, m, seed)
    if not integral:
        d = d + rng.uniform(0, 1, d.shape)
    existing = [int(rng.integers(m))] if with_existing else []
    p = int(rng.integers(1, m - len(existing) + 1))
    free = np.setdiff1d(np.arange(m), existing)
    start = np.sort(np.concatenate([existing, free[-p:]])).astype(np.int64)
    best, lower, optimal = pmedian_benders(d, w, p, np.array(existing, dtype=np.int64), start, time.perf_counter() + 60)
    cost = float(w @ d[:, best].min(axis=1))
    brute = _brute_pmedian(d, w, p, existing)
    assert optimal
    assert cost == pytest.approx(brute, abs=1e-6)
    assert lower <= brute + 1e-6
    assert set(existing) <= set(best.tolist()) and len(best) == p + len(existing)
