"""The star rating's rubric and the support funds: pure functions of the figures (no database), so the
page, the API and the demo compute them the same way.

Star rating of residents' organisations (星级评定) and incubation with one-off start-up support and awards in
place of subsidies (一次性开办扶持、以奖代补) are stated in 《推动公共服务进村进社区调研报告》(市委, 2024) and
《积极探索突出特色 多方式推进基层公共服务体系建设》(成都, 2011); the weights, caps and amounts below are
parameters the documents leave open, set here as the district's defaults."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ADJUSTMENT_LIMIT = 20  # points either way, with a written reason


@dataclass(frozen=True)
class Criterion:
    key: str  # the figure it reads
    weight: int  # points when the figure reaches `full`
    full: int  # the figure that earns the whole weight


# shifts held, distinct participants with confirmed hours, confirmed hours, active members (one year)
RUBRIC: tuple[Criterion, ...] = (
    Criterion("shifts_held", 30, 24),
    Criterion("participants", 20, 30),
    Criterion("confirmed_hours", 30, 300),
    Criterion("members", 20, 30),
)
# the lowest score of each star count, highest first
STAR_THRESHOLDS: tuple[tuple[int, int], ...] = ((5, 85), (4, 70), (3, 55), (2, 40))

STARTUP_FUND = Decimal("5000.00")  # 一次性开办扶持, when incubation starts
AWARD_BY_STARS = {5: Decimal("20000.00"), 4: Decimal("10000.00"), 3: Decimal("5000.00"), 2: Decimal(0), 1: Decimal(0)}


def criterion_points(criterion: Criterion, value: float) -> Decimal:
    share = min(max(Decimal(str(value)), Decimal(0)), Decimal(criterion.full)) / Decimal(criterion.full)
    return (share * criterion.weight).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def rubric_score(figures: dict[str, float]) -> Decimal:
    """0 to 100: each criterion's share of its weight."""
    return sum((criterion_points(c, figures.get(c.key, 0)) for c in RUBRIC), Decimal(0))


def stars_for(score: Decimal, adjustment: int = 0) -> int:
    total = score + adjustment
    for stars, lowest in STAR_THRESHOLDS:
        if total >= lowest:
            return stars
    return 1


def award_for(stars: int | None) -> Decimal:
    """以奖代补 on graduating: by the latest star rating (none: nothing)."""
    return AWARD_BY_STARS.get(stars or 0, Decimal(0))
