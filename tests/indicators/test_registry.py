"""The registry's formulas on a small world counted by hand: facilities standing on a day (completion and
closing dates), roll-up from communities to sub-districts and the district, rates with their numerator and
denominator, a rate without a denominator is missing (not 0), targets and red/amber/green."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.indicators.models import IndicatorTarget
from linli.indicators.registry import definition, definitions
from linli.indicators.selectors import Status, compute_all, status_of, value_of, values_live
from tests.indicators.conftest import TODAY

D, SUB_A, SUB_B, TOWN = "990102000000", "990102001000", "990102002000", "990102101000"


def figures(day: dt.date = TODAY, area: str = "") -> dict:
    _ctx, out = compute_all(as_of=day, area_code=area)
    return out


def test_one_definition_per_code_with_everything_the_report_needs():
    defs = definitions()
    assert len({d.code for d in defs}) == len(defs) >= 25
    for d in defs:
        assert d.name_zh and d.name_en and d.formula_zh and d.formula_en and d.source.startswith("《")
        assert "*" not in d.name_zh
        assert d.levels


def test_built_counts_follow_completion_and_closing_dates(world):
    f = figures()
    nc = definition("built.nc")
    # district: registry's centre (no date), 1 district-area centre done by June, 西山社区 (2019); the
    # closed one closed in January, the August one not yet, the planned one never
    assert nc.value(f["built.nc"][D]) == 3
    assert nc.value(f["built.nc"][SUB_A]) == 2 and nc.value(f["built.nc"][SUB_B]) == 1
    assert nc.value(f["built.nc"]["990102001001"]) == 1
    assert nc.value(f["built.nc"][TOWN]) == 0
    assert f["built.nc_district"][D].numerator == 1 and f["built.nc_estate"][D].numerator == 0
    earlier = figures(dt.date(2025, 12, 31))
    assert earlier["built.nc"][D].numerator == 3  # the closed one still stood, the March one not yet
    assert earlier["built.nc"]["990102002002"].numerator == 1
    later = figures(dt.date(2026, 8, 2))
    assert later["built.nc_district"][D].numerator == 2
    assert f["built.rural_centre"][TOWN].numerator == 1 and f["built.rural_mutual_aid"][D].numerator == 2


def test_rates_have_numerator_and_denominator(world):
    f = figures()
    share = f["rural_centre.village_share"][TOWN]
    assert (share.numerator, share.denominator) == (1, 2)  # 上村 yes, 下村 no
    assert definition("rural_centre.village_share").value(share) == 50.0
    third = f["market.third_party_share"][D]
    # social organisation (registry's centre) and company (district-area centre) of 3 standing centres
    assert (third.numerator, third.denominator) == (2, 3)
    market = f["market.rural_elderly_rate"][D]
    assert (market.numerator, market.denominator) == (1, 2)
    completion = f["completion.nc_district"][D]
    assert (completion.numerator, completion.denominator) == (1, 2)
    assert definition("completion.nc_district").value(completion) == 50.0


def test_a_rate_without_denominator_is_missing_not_zero(world):
    f = figures()
    # no satisfaction survey, no request: missing everywhere
    for code in ("quality.satisfaction_rate", "requests.on_time_rate", "usage.attendance_rate", "usage.mismatch"):
        assert definition(code).value(f[code][D]) is None, code
    # the sub-district has no construction target: its completion rate is missing, the district's is not
    assert definition("completion.nc_district").value(f["completion.nc_district"][SUB_A]) is None


def test_usage_counts_sessions_of_the_365_days_up_to_the_day(sessions):
    f = figures()
    booking, attendance = f["usage.booking_rate"][D], f["usage.attendance_rate"][D]
    assert (booking.numerator, booking.denominator) == (15, 30)  # the session after TODAY is not counted
    assert (attendance.numerator, attendance.denominator) == (9, 30)
    assert value_of("usage.attendance_rate", "990102001001", TODAY) == pytest.approx(30.0)
    # a year later the two sessions fall out of the window
    assert (
        definition("usage.booking_rate").value(figures(TODAY + dt.timedelta(days=400))["usage.booking_rate"][D]) is None
    )


def test_the_subtree_computation_equals_the_whole_tree(world, sessions):
    whole, part = figures(), figures(area=SUB_A)
    for ind in definitions():
        assert whole[ind.code][SUB_A] == part[ind.code][SUB_A], ind.code
    assert D not in part["built.nc"]


def test_targets_missing_is_reported_missing_and_colours_follow_direction(world, users):
    cells = {c.indicator.code: c for c in values_live(D, TODAY, [D])}
    assert cells["completion.nc_district"].status == Status.NO_TARGET
    assert cells["built.nc"].status == Status.NOT_COMPARED
    assert cells["quality.satisfaction_rate"].status == Status.MISSING
    IndicatorTarget.objects.create(code="completion.nc_district", area_code=D, year=2026, value=100)
    IndicatorTarget.objects.create(code="market.third_party_share", area_code=D, year=2025, value=50)  # other year
    cells = {c.indicator.code: c for c in values_live(D, TODAY, [D])}
    assert cells["completion.nc_district"].status == Status.RED and cells["completion.nc_district"].target == 100
    assert cells["market.third_party_share"].status == Status.NO_TARGET  # 2025's target is not 2026's
    higher, lower = definition("usage.attendance_rate"), definition("requests.escalation_rate")
    assert status_of(higher, 70, 70) == Status.GREEN and status_of(higher, 64, 70) == Status.AMBER
    assert status_of(higher, 50, 70) == Status.RED
    assert status_of(lower, 9, 10) == Status.GREEN and status_of(lower, 10.5, 10) == Status.AMBER
    assert status_of(lower, 20, 10) == Status.RED


def test_bulk_computation_does_not_query_per_area(world, django_assert_max_num_queries):
    # 12 areas in the test tree: every indicator for all of them in a bounded number of queries
    n_defs = len(definitions())
    with django_assert_max_num_queries(2 * n_defs):
        _ctx, out = compute_all(as_of=TODAY)
    assert len(out["built.nc"]) == 12


def test_chinese_ordinals_of_the_report():
    from linli.indicators.report import cn_number

    assert [cn_number(n) for n in (1, 9, 10, 11, 20, 23)] == ["一", "九", "十", "十一", "二十", "二十三"]
