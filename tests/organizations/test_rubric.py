"""The rubric and the funds, without a database: each criterion's share of its weight, capped at full marks;
the star thresholds with the adjustment; the award by stars."""

from __future__ import annotations

from decimal import Decimal

from linli.organizations import rubric


def test_full_marks_and_caps():
    full = {"shifts_held": 24, "participants": 30, "confirmed_hours": 300, "members": 30}
    assert rubric.rubric_score(full) == Decimal(100)
    assert rubric.rubric_score({k: v * 10 for k, v in full.items()}) == Decimal(100)
    assert rubric.rubric_score({}) == Decimal(0)
    assert rubric.rubric_score({"shifts_held": 12, "participants": 15, "confirmed_hours": 150, "members": 15}) == 50


def test_stars_follow_the_thresholds_and_the_adjustment():
    assert [rubric.stars_for(Decimal(s)) for s in (85, 84.9, 70, 55, 40, 39.9, 0)] == [5, 4, 4, 3, 2, 1, 1]
    assert rubric.stars_for(Decimal(66), 4) == 4 and rubric.stars_for(Decimal(88), -20) == 3


def test_funds():
    assert Decimal(5000) == rubric.STARTUP_FUND
    assert [rubric.award_for(s) for s in (5, 4, 3, 2, 1, None)] == [20000, 10000, 5000, 0, 0, 0]
