"""Construction projects (载体建设) of the demo district, loaded through the construction services so that every
stage, funding source, land procedure and delay reason is checked and audited as a person's would be.

Entry point: `construction_history_load(rng, *, today=None, siting=True) -> dict[str, int]`, to run after the
registry (its planned, approved and under-construction facilities of the types with construction targets),
the idle spaces, the walking network and the demo users (the `district` user acts). Idempotent: when the
demo district has any construction project, nothing is written.

What it loads (about 30 projects, drawn from `rng`):
- a project for most facilities of the registry's pipeline (规划, 已立项, 在建), the stages completed up to the
  facility's own status on its own dates (立项 on approved_on, 设计 done when construction started), a few
  carried further (施工, 验收), and a few through 投入运营 this year (the facility becomes built and counts
  towards the year's targets);
- a project for some facilities completed this year, every stage completed, ending in 投入运营;
- from siting (when `siting` and the district has a walking network): one MCLP siting run for community
  neighbourhood centres in the first sub-district, solved now, and a project for each of its sites;
- planned dates for the stages left, some of them already passed (the project is delayed) with the reasons
  the source report names (配套建设资金落实不到位, 土地性质变更手续办理缓慢 ...);
- funding from 财政 always and from 专项债, 政策性金融 or 社会资本 now and then, a share of projects short of funds;
- land procedures (用地指标, 土地性质变更, 闲置物业盘活) done, under way or not started according to the stage.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone

from linli.construction.enums import STAGE_ORDER, Stage
from linli.construction.inputs import DelayReasonIn, FromSitingIn, FundingIn, LandIn, ProjectIn, StageIn
from linli.construction.models import Project
from linli.construction.services import (
    delay_reason_add,
    funding_set,
    land_set,
    project_create,
    project_from_siting,
    project_update,
    stage_complete,
)
from linli.core.models import User
from linli.demo.registry_data import PIPELINE
from linli.demo.users import DISTRICT
from linli.facilities.enums import ConstructionStatus
from linli.facilities.models import Facility

PIPELINE_PROJECTS = 24
BUILT_PROJECTS = 5
DEPARTMENTS = {
    "neighbourhood_centre": "区民政局",
    "rural_centre": "区农业农村局",
    "sports_park": "区体育局",
    "elderly_care": "区民政局",
    "health": "区卫生健康局",
    "education": "区教育局",
    "culture": "区文化和旅游局",
}
REASONS = {
    Stage.APPROVAL: ("项目建议书待区发改局批复", "配套建设资金落实不到位，立项推迟"),
    Stage.LAND: ("土地性质变更手续办理缓慢", "新增建设用地指标尚未下达", "闲置物业产权移交未完成"),
    Stage.DESIGN: ("功能设置征求居民意见后调整设计方案", "设计招标流标，重新组织招标"),
    Stage.CONSTRUCTION: ("配套建设资金落实不到位，施工进度滞后", "施工单位进场推迟"),
    Stage.ACCEPTANCE: ("消防验收整改未完成", "竣工资料不齐全"),
    Stage.OPERATION: ("运营主体遴选尚未完成", "设施设备采购延期"),
}
SITING_TYPE = "nc-community"


def construction_history_load(
    rng: np.random.Generator, *, today: dt.date | None = None, siting: bool = True
) -> dict[str, int]:
    """Load the demo district's construction projects once (see the module); returns counts."""
    if Project.objects.filter(area_code__startswith=DISTRICT[:6]).exists():
        return {"projects": 0}
    actor = User.objects.filter(username="district").first()
    if actor is None:
        return {"projects": 0}
    return _load(rng, actor, today or timezone.localdate(), siting)


@transaction.atomic
def _load(rng: np.random.Generator, actor: User, today: dt.date, siting: bool) -> dict[str, int]:
    counts = {"projects": 0, "in_operation": 0, "delayed": 0, "short_of_funds": 0, "from_siting": 0}
    pipeline = list(
        Facility.objects.filter(
            area_code__startswith=DISTRICT[:6],
            facility_type__code__in=sorted(PIPELINE),
            status__in=[ConstructionStatus.PLANNED, ConstructionStatus.APPROVED, ConstructionStatus.UNDER_CONSTRUCTION],
        )
        .select_related("facility_type")
        .order_by("code")
    )
    built = list(
        Facility.objects.filter(
            area_code__startswith=DISTRICT[:6],
            facility_type__code__in=sorted(PIPELINE),
            status=ConstructionStatus.BUILT,
            completed_on__year=today.year,
            approved_on__isnull=False,
            construction_started_on__isnull=False,
        )
        .select_related("facility_type")
        .order_by("code")
    )
    chosen = _sample(rng, pipeline, PIPELINE_PROJECTS) + _sample(rng, built, BUILT_PROJECTS)
    for facility in chosen:
        project = _project_for(rng, actor, facility, today)
        _account(counts, project, today)
    if siting:
        for project in _from_siting(rng, actor, today):
            _account(counts, project, today)
            counts["from_siting"] += 1
    return counts


def _sample(rng: np.random.Generator, items: list[Facility], n: int) -> list[Facility]:
    if len(items) <= n:
        return items
    picked = sorted(rng.choice(len(items), size=n, replace=False).tolist())
    return [items[i] for i in picked]


def _account(counts: dict[str, int], project: Project, today: dt.date) -> None:
    from linli.construction.selectors import with_progress

    row = with_progress(Project.objects.filter(pk=project.pk), today).get()
    counts["projects"] += 1
    counts["in_operation"] += row.stage == Stage.OPERATION
    counts["delayed"] += row.late_since is not None  # type: ignore[attr-defined]
    counts["short_of_funds"] += row.gap > 0  # type: ignore[attr-defined]


def _days(rng: np.random.Generator, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(days=int(rng.integers(low, high + 1)))


def _completion_dates(rng: np.random.Generator, facility: Facility, today: dt.date) -> dict[str, dt.date]:
    """The stages the facility's status says are done, on its own dates (and dates in between)."""
    status = facility.status
    done: dict[str, dt.date] = {}
    if status == ConstructionStatus.PLANNED or facility.approved_on is None:
        return done
    done[Stage.APPROVAL] = facility.approved_on
    started = facility.construction_started_on
    if status == ConstructionStatus.APPROVED:
        # sometimes the land is settled already
        land = facility.approved_on + _days(rng, 20, 120)
        if land < today and rng.random() < 0.5:
            done[Stage.LAND] = land
        return done
    if started is None:
        return done
    gap = max((started - facility.approved_on).days, 0)
    done[Stage.LAND] = facility.approved_on + dt.timedelta(days=gap // 2)
    done[Stage.DESIGN] = started
    end = facility.completed_on if status == ConstructionStatus.BUILT else None
    if end is not None:
        span = max((end - started).days, 0)
        done[Stage.CONSTRUCTION] = started + dt.timedelta(days=span * 8 // 10)
        done[Stage.ACCEPTANCE] = started + dt.timedelta(days=span * 9 // 10)
        done[Stage.OPERATION] = end
        return done
    # under construction: now and then further along, a few into operation this year
    r = rng.random()
    construction_done = started + _days(rng, 120, 360)
    if r < 0.45 and construction_done < today:
        done[Stage.CONSTRUCTION] = construction_done
        acceptance = construction_done + _days(rng, 15, 60)
        if r < 0.3 and acceptance < today:
            done[Stage.ACCEPTANCE] = acceptance
            operation = acceptance + _days(rng, 10, 40)
            if r < 0.2 and operation < today and operation.year == today.year:
                done[Stage.OPERATION] = operation
    return done


def _plan(rng: np.random.Generator, start: dt.date, done: dict[str, dt.date], today: dt.date) -> dict[str, dt.date]:
    """Planned completion dates, never backwards: the completed stages planned a little before or after
    they were done; the first open stage planned in the past for about a third of the projects (delayed)."""
    durations = {
        Stage.APPROVAL: (60, 150),
        Stage.LAND: (60, 180),
        Stage.DESIGN: (45, 120),
        Stage.CONSTRUCTION: (180, 360),
        Stage.ACCEPTANCE: (20, 60),
        Stage.OPERATION: (20, 60),
    }
    plan: dict[str, dt.date] = {}
    last = start
    late = rng.random() < 0.35
    first_open = True
    for stage in STAGE_ORDER:
        if stage in done:
            day = max(last, done[stage] - _days(rng, -20, 40))
        elif first_open:
            first_open = False
            day = today - _days(rng, 10, 120) if late else today + _days(rng, 20, 150)
            day = max(day, last)
        else:
            day = last + _days(rng, *durations[Stage(stage)])
        plan[stage] = day
        last = day
    return plan


def _project_for(rng: np.random.Generator, actor: User, facility: Facility, today: dt.date) -> Project:
    kind = facility.facility_type
    done = _completion_dates(rng, facility, today)
    start = facility.planned_on or (today - _days(rng, 30, 300))
    plan = _plan(rng, start, done, today)
    project = project_create(
        actor=actor,
        project=ProjectIn.model_validate(
            {
                "name": facility.name,
                "year": today.year,
                "facility_type": kind.code,
                "area_code": facility.area_code,
                "lon": facility.lon,
                "lat": facility.lat,
                "address": facility.address or None,
                "floor_area_m2": facility.floor_area_m2,
                "department": DEPARTMENTS.get(kind.family, "区住房和城乡建设局"),
            }
            | {f"planned_{stage}": day for stage, day in plan.items()}
        ),
        facility=facility,
    )
    for stage in STAGE_ORDER:
        if stage not in done:
            break
        stage_complete(actor=actor, project=project, stage=StageIn(stage=stage, completed_on=done[stage]))
    _money_land_reasons(rng, actor, project, done, plan, today)
    return project


def _money_land_reasons(
    rng: np.random.Generator,
    actor: User,
    project: Project,
    done: dict[str, dt.date],
    plan: dict[str, dt.date],
    today: dt.date,
) -> None:
    area = project.floor_area_m2 or int(rng.integers(300, 2000))
    total = Decimal(int(area * float(rng.uniform(0.35, 0.6)))).quantize(Decimal("1"))  # 10,000 yuan
    finished = Stage.OPERATION in done
    short = not finished and rng.random() < 0.5
    shares = [("fiscal", 1.0)]
    if rng.random() < 0.4:
        shares = [("fiscal", 0.6), ("special_bond", 0.4)]
    elif rng.random() < 0.3:
        shares = [("fiscal", 0.5), ("policy_finance", 0.3), ("social_capital", 0.2)]
    for i, (source, share) in enumerate(shares):
        needed = (total * Decimal(str(share))).quantize(Decimal("1"))
        secured = needed
        if short and i == len(shares) - 1:
            secured = (needed * Decimal(str(round(float(rng.uniform(0.1, 0.7)), 2)))).quantize(Decimal("1"))
        funding_set(actor=actor, project=project, funding=FundingIn(source=source, needed=needed, secured=secured))
    land_kind = "idle_property" if rng.random() < 0.3 else ("use_change" if rng.random() < 0.5 else "quota")
    approval = done.get(Stage.APPROVAL)
    if Stage.LAND in done:
        started = min(done[Stage.LAND], (approval or done[Stage.LAND]) + _days(rng, 0, 10))
        land = LandIn(kind=land_kind, status="done", started_on=started, done_on=done[Stage.LAND])
    elif approval is not None:
        land = LandIn(kind=land_kind, status="in_progress", started_on=min(today, approval + _days(rng, 5, 30)))
    else:
        land = LandIn(kind=land_kind, status="not_started")
    land_set(actor=actor, project=project, land=land)
    open_stage = next((s for s in STAGE_ORDER if s not in done), None)
    if open_stage is not None and plan[open_stage] < today:
        options = REASONS[Stage(open_stage)]
        reason = options[int(rng.integers(len(options)))]
        if short and open_stage in (Stage.APPROVAL, Stage.CONSTRUCTION):
            reason = "配套建设资金落实不到位"
        delay_reason_add(actor=actor, project=project, reason=DelayReasonIn(stage=open_stage, reason=reason))


def _from_siting(rng: np.random.Generator, actor: User, today: dt.date) -> list[Project]:
    """One siting run for community neighbourhood centres in the first sub-district, solved now; each of
    its sites becomes a project (nothing when the district has no walking network or the run fails)."""
    from linli.areas.models import Area
    from linli.jobs.services import job_run
    from linli.planning.models import PlanningRun
    from linli.planning.selectors import network_for_area
    from linli.planning.siting import siting_run_start

    if network_for_area(code=DISTRICT) is None:
        return []
    town = Area.objects.filter(code__startswith=DISTRICT[:6], level="town", kind="urban").order_by("code").first()
    if town is None:
        return []
    run = siting_run_start(
        actor=actor, area_code=town.code, facility_type_code=SITING_TYPE, objective="mclp", k=3, candidates="idle"
    )
    if run.job_id is not None:
        job_run(job_id=str(run.job_id))
    run = PlanningRun.objects.get(pk=run.pk)
    sites = (run.result or {}).get("sites") or []
    if (run.result or {}).get("status") != "ok":
        return []
    projects = []
    for rank in range(1, len(sites) + 1):
        project = project_from_siting(
            actor=actor,
            data=FromSitingIn.model_validate({"run_id": run.pk, "site": rank, "department": "区民政局"}),
        )
        plan = _plan(rng, today - _days(rng, 20, 60), {}, today)
        project_update(
            actor=actor,
            project=project,
            changes=ProjectIn.model_validate({f"planned_{stage}": day for stage, day in plan.items()}),
        )
        done: dict[str, dt.date] = {}
        if rng.random() < 0.7:
            done[Stage.APPROVAL] = today - _days(rng, 5, 40)
            stage_complete(
                actor=actor, project=project, stage=StageIn(stage="approval", completed_on=done[Stage.APPROVAL])
            )
        _money_land_reasons(rng, actor, project, done, plan, today)
        projects.append(project)
    return projects
