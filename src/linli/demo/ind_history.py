"""The demo district's indicators: the year's targets of the district (and of each sub-district/town, the
same values), a coverage run of the district (planning's services) and a daily snapshot at every month end
of the past year, so the dashboard shows trends and
red/amber/green at once. Loaded through the indicators' services; running it again loads nothing twice.

Entry point (for `demo.services`): `demo_indicators_load(*, today=None, months=12) -> dict[str, int]`."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from linli.areas.models import Area
from linli.core.models import User
from linli.demo.users import DISTRICT
from linli.indicators.models import IndicatorTarget, Snapshot
from linli.indicators.services import snapshot_take, target_set

# Targets of the year (values a district would set in its annual plan; a percentage unless noted).
DEMO_TARGETS: dict[str, float] = {
    "rural_centre.village_share": 80.0,
    "completion.nc_district": 100.0,
    "completion.sports_park_ab": 100.0,
    "market.third_party_share": 70.0,
    "market.rural_elderly_rate": 50.0,
    "services.offered_items": 100.0,  # items
    "usage.booking_rate": 75.0,
    "usage.attendance_rate": 70.0,
    "usage.mismatch": 20.0,
    "quality.satisfaction_rate": 90.0,
    "quality.satisfaction_score": 4.2,  # of 5
    "requests.on_time_rate": 95.0,
    "requests.escalation_rate": 10.0,
    "coverage.age_60_79": 90.0,
    "coverage.age_80plus": 90.0,
}


def month_ends(today: dt.date, months: int) -> list[dt.date]:
    """The last day of each of the `months` months before today's, oldest first, and today."""
    days = []
    first = today.replace(day=1)
    for _ in range(months):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        nxt = (first + dt.timedelta(days=32)).replace(day=1)
        days.append(nxt - dt.timedelta(days=1))
    return [*sorted(days), today]


def _coverage_run(actor: User) -> int:
    """A coverage run of the district for the neighbourhood and rural centres (planning's own services), so
    that the coverage indicators have data; none when one exists."""
    from linli.planning.models import PlanningRun
    from linli.planning.services import coverage_run_compute, coverage_run_start, scenario_create

    if PlanningRun.objects.filter(
        kind=PlanningRun.Kind.COVERAGE, scenario__area_code=DISTRICT, result__isnull=False
    ).exists():
        return 0
    scenario = scenario_create(
        actor=actor,
        name="邻里中心、乡里中心生活圈覆盖",
        area_code=DISTRICT,
        rules=[{"type": "nc-community", "circle": "15min"}, {"type": "rural-centre", "circle": "rural2km"}],
    )
    coverage_run_compute(run=coverage_run_start(actor=actor, scenario=scenario, enqueue=False))
    return 1


def demo_indicators_load(*, today: dt.date | None = None, months: int = 12) -> dict[str, int]:
    today = today or timezone.localdate()
    actor = User.objects.filter(username="district").first() or User.objects.filter(is_superuser=True).first()
    targets = 0
    coverage = _coverage_run(actor) if actor is not None else 0
    if actor is not None:
        areas = [DISTRICT, *Area.objects.filter(parent__code=DISTRICT).values_list("code", flat=True)]
        have = set(
            IndicatorTarget.objects.filter(year=today.year, area_code__in=areas).values_list("code", "area_code")
        )
        for area in areas:
            for code, value in DEMO_TARGETS.items():
                if (code, area) not in have:
                    target_set(actor=actor, code=code, area_code=area, year=today.year, value=value,
                               note="示范区年度计划")  # fmt: skip
                    targets += 1
    taken = set(Snapshot.objects.filter(area_code=DISTRICT).values_list("date", flat=True).distinct())
    snapshots = 0
    for day in month_ends(today, months):
        if day not in taken:
            snapshot_take(day=day)
            snapshots += 1
    return {"indicator_targets": targets, "coverage_runs": coverage, "snapshot_days": snapshots}
