"""Planning scenarios and coverage runs: create a scenario, start a run as a background job, compute it.

A coverage run answers, for one area and a few facility types: how far (along the walking network) does
each residential point have to walk to the nearest built facility of each type, which points lie within
the type's living-circle distance, and what share of the residents the type serves (weighted by the age
groups it is for) are covered, per community/village and rolled up to the towns."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.areas import selectors as area_selectors
from linli.areas.codes import level_of
from linli.areas.enums import AreaLevel
from linli.areas.models import Area
from linli.core.errors import ApplicationError, RowErrors
from linli.core.models import User
from linli.core.permissions import Perm, require
from linli.engine import access as engine_access
from linli.engine import network as engine_network
from linli.facilities.models import FacilityType
from linli.jobs.models import Job
from linli.jobs.services import job_create, job_enqueue
from linli.planning.adapters import AGE_GROUPS, Demand, Facilities, demand_of, engine_network_of, facilities_of
from linli.planning.models import PlanningRun, Scenario, ScenarioRule
from linli.planning.selectors import DISTANCE_BANDS, network_for_area

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser
    from linli.jobs.registry import Progress

COVERAGE_JOB = "planning.coverage"
Circle = ScenarioRule.Circle
# Walking distance of each living circle (GB 50180-2018: 15 min 800-1000 m, 10 min ~500 m, 5 min ~300 m;
# the rural living circle is 2 km). Data, not a formula: the minutes they take depend on walking speed.
CIRCLE_DISTANCE_M: dict[str, int] = {
    Circle.MIN15: 1000,
    Circle.MIN10: 500,
    Circle.MIN5: 300,
    Circle.RURAL_2KM: 2000,
}
DEFAULT_WALKING_SPEED_MPS = 1.333
MAX_DISTANCE_M = 10_000
MIN_SPEED_MPS, MAX_SPEED_MPS = 0.3, 3.0


class RuleInput(TypedDict, total=False):
    type: str
    circle: str
    distance_m: int | float | None
    age_groups: list[str] | None


def walking_minutes(distance_m: float, speed_mps: float) -> float:
    """Minutes a walk of `distance_m` takes at `speed_mps`."""
    return round(distance_m / speed_mps / 60.0, 1)


def circle_distance(circle: str, distance_m: float | None = None) -> float | None:
    """The walking distance of a living circle, or the planner's own metres for a custom one."""
    if circle == Circle.CUSTOM:
        return distance_m
    return CIRCLE_DISTANCE_M.get(circle)


def default_rule(facility_type: FacilityType) -> dict[str, Any]:
    """The circle and distance a type is configured at (a custom distance when its circle has none)."""
    if facility_type.living_circle in CIRCLE_DISTANCE_M:
        circle = facility_type.living_circle
        distance = CIRCLE_DISTANCE_M[circle]
    else:
        circle = Circle.CUSTOM
        distance = facility_type.service_radius_m or CIRCLE_DISTANCE_M[Circle.MIN5]
    return {"type": facility_type.code, "circle": circle, "distance_m": distance}


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return number


@transaction.atomic
def scenario_create(
    *,
    actor: AnyUser,
    name: str,
    area_code: str,
    rules: list[RuleInput],
    walking_speed_mps: float = DEFAULT_WALKING_SPEED_MPS,
    description: str = "",
) -> Scenario:
    """A scenario for an area in the actor's scope. Every problem is reported at once, naming its field
    (`rules[i].distance_m` with row i for a rule); nothing is written when there is one. An area outside
    the scope is not found (404)."""
    require(actor, Perm.JOB_START)
    area = area_selectors.area_get(viewer=actor, code=str(area_code or ""))
    errors = RowErrors()
    name = (name or "").strip()
    if not name:
        errors.add(0, "name", _("Give the scenario a name."))
    elif len(name) > 100:
        errors.add(0, "name", _("At most 100 characters."), name)
    speed = _number(walking_speed_mps)
    if speed is None or not (MIN_SPEED_MPS <= speed <= MAX_SPEED_MPS):
        errors.add(
            0,
            "walking_speed_mps",
            _("Walking speed must be between %(low)s and %(high)s m/s.")
            % {"low": MIN_SPEED_MPS, "high": MAX_SPEED_MPS},
            walking_speed_mps,
        )
    if not rules:
        errors.add(0, "rules", _("Pick at least one facility type."))
    types = {t.code: t for t in FacilityType.objects.filter(code__in=[str(r.get("type", "")) for r in rules])}
    seen: set[str] = set()
    clean: list[tuple[FacilityType, str, int, list[str]]] = []
    for i, rule in enumerate(rules, start=1):
        code = str(rule.get("type") or "")
        facility_type = types.get(code)
        if facility_type is None:
            errors.add(i, f"rules[{i}].type", _("Unknown facility type."), code)
            continue
        if code in seen:
            errors.add(i, f"rules[{i}].type", _("This facility type is in the scenario twice."), code)
            continue
        seen.add(code)
        circle = str(rule.get("circle") or default_rule(facility_type)["circle"])
        if circle not in Circle.values:
            errors.add(i, f"rules[{i}].circle", _("Unknown living circle."), circle)
            continue
        distance = circle_distance(circle, _number(rule.get("distance_m")))
        if distance is None:
            errors.add(i, f"rules[{i}].distance_m", _("Give the walking distance in metres for a custom circle."))
            continue
        if not (0 < distance <= MAX_DISTANCE_M):  # also false for NaN
            errors.add(
                i,
                f"rules[{i}].distance_m",
                _("The walking distance must be more than 0 and at most %(max)s metres.") % {"max": MAX_DISTANCE_M},
                rule.get("distance_m"),
            )
            continue
        groups = rule.get("age_groups")
        groups = list(facility_type.age_groups or []) if groups is None else list(groups)
        unknown = [g for g in groups if g not in AGE_GROUPS]
        if unknown:
            errors.add(i, f"rules[{i}].age_groups", _("Unknown age group(s)."), ", ".join(map(str, unknown)))
            continue
        clean.append((facility_type, circle, round(distance), groups))
    network = network_for_area(code=area.code)
    if network is None:
        errors.add(0, "area_code", _("No walking network covers this area yet: load one first."), area.code)
    errors.raise_if_any("invalid_scenario", _("The scenario was not saved: please correct the fields named."))
    assert network is not None and speed is not None
    scenario = Scenario.objects.create(
        name=name,
        area=area,
        network=network,
        walking_speed_mps=speed,
        description=description or "",
        created_by=actor if isinstance(actor, User) else None,
    )
    ScenarioRule.objects.bulk_create(
        ScenarioRule(scenario=scenario, facility_type=ft, circle=circle, distance_m=distance, age_groups=groups)
        for ft, circle, distance, groups in clean
    )
    return scenario


def _rule_params(scenario: Scenario) -> list[dict[str, Any]]:
    return [
        {
            "type": r.facility_type.code,
            "name": r.facility_type.name,
            "circle": r.circle,
            "distance_m": r.distance_m,
            "minutes": walking_minutes(r.distance_m, scenario.walking_speed_mps),
            "age_groups": list(r.age_groups or []),
        }
        for r in scenario.rules.select_related("facility_type").order_by("facility_type__sort_order", "id")
    ]


@transaction.atomic
def coverage_run_start(*, actor: AnyUser, scenario: Scenario, enqueue: bool = True) -> PlanningRun:
    """A coverage run of the scenario as a background job (handed to the worker when `enqueue`, once the
    transaction commits). The run keeps a copy of the rules it was computed with."""
    require(actor, Perm.JOB_START, scenario.area_code)
    rules = _rule_params(scenario)
    if not rules:
        raise ApplicationError("no_rules", _("The scenario has no facility types."), {"field": "rules"})
    run = PlanningRun.objects.create(
        scenario=scenario,
        kind=PlanningRun.Kind.COVERAGE,
        params={"rules": rules, "walking_speed_mps": scenario.walking_speed_mps, "area_code": scenario.area_code},
    )
    job = job_create(
        kind=COVERAGE_JOB,
        title=_("Coverage of %(name)s") % {"name": scenario.name},
        params={"run": run.pk},
        user=actor if isinstance(actor, User) else None,
    )
    run.job = job
    run.save(update_fields=["job"])
    if enqueue:
        job_enqueue(job=job)
    return run


def _noop(done: int, total: int, message: str = "") -> None:
    return None


def _percent(covered: float, total: float) -> float | None:
    return round(100.0 * covered / total, 2) if total > 0 else None


def _cell(covered: float, total: float) -> dict[str, Any]:
    return {"covered": round(covered), "total": round(total), "percent": _percent(covered, total)}


def arrays_path(run: PlanningRun) -> Path:
    return Path(settings.DATA_DIR) / run.arrays_file


def coverage_run_compute(*, run: PlanningRun, progress: Progress | None = None) -> dict[str, Any]:
    """Compute a coverage run: save its per-point arrays (.npz in the data directory) and its tables
    (`run.result`). Not one transaction: progress reports must reach the database while it runs; the
    result is written at the end in one step."""
    report = progress or _noop
    started = time.monotonic()
    scenario = run.scenario
    rules: list[dict[str, Any]] = run.params["rules"]
    types = [r["type"] for r in rules]
    steps = 4 + len(rules)
    report(0, steps, _("loading the walking network"))
    net = engine_network_of(scenario.network)
    report(1, steps, _("loading residential points and facilities"))
    demand = demand_of(scenario.area_code)
    # Residents may walk to a facility just across the area's edge: every facility on the network counts.
    fac = facilities_of(scenario.network.area_code, types)
    if len(demand.ids) == 0:
        raise ApplicationError("no_points", _("The area has no residential points."), {"field": "area_code"})
    report(2, steps, _("snapping points to the network"))
    dsnap = engine_network.snap(net, demand.lon, demand.lat)
    if len(fac.codes):
        fsnap = engine_network.snap(net, fac.lon, fac.lat)
        fnode, foff = fsnap.node, fsnap.distance
    else:
        fnode, foff = np.empty(0, dtype=np.int64), np.empty(0)
    limit = 2.0 * max(float(r["distance_m"]) for r in rules)
    n, t_count = len(demand.ids), len(rules)
    distance = np.full((n, t_count), np.inf)
    nearest = np.full((n, t_count), -1, dtype=np.int64)
    for t, rule in enumerate(rules):
        report(3 + t, steps, _("walking distances to %(type)s") % {"type": rule["name"]})
        members = np.flatnonzero(fac.type_code == rule["type"])
        if len(members) == 0:
            continue
        acc = engine_access.accessibility(
            net,
            fnode[members],
            np.full(len(members), rule["type"]),
            facility_snap=foff[members],
            demand_node=dsnap.node,
            demand_snap=dsnap.distance,
            limit=limit,
        )
        distance[:, t] = acc.distance[:, 0]
        f = acc.facility[:, 0]
        nearest[:, t] = np.where(f >= 0, members[np.maximum(f, 0)], -1)
    report(3 + t_count, steps, _("coverage by area"))
    access = engine_access.Accessibility(types=tuple(types), distance=distance, facility=nearest, snap=dsnap.distance)
    cov = engine_access.coverage(
        access,
        {r["type"]: float(r["distance_m"]) for r in rules},
        demand.population.astype(np.float64),
        groups=demand.groups,
    )
    catchment = (
        np.column_stack(
            [
                engine_access.catchments(access, r["type"], len(fac.codes), demand.weights(r["age_groups"])).facility
                for r in rules
            ]
        )
        if t_count
        else np.empty((n, 0), dtype=np.int64)
    )
    result = _tables(run, rules, demand, fac, access, cov)
    result["summary"]["seconds"] = round(time.monotonic() - started, 3)
    result["summary"]["limit_m"] = limit
    result["summary"]["network_nodes"] = net.n_nodes

    relative = f"planning/run-{run.pk}.npz"
    path = Path(settings.DATA_DIR) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        types=np.array(types, dtype="U64"),
        point_id=demand.ids,
        lon=demand.lon,
        lat=demand.lat,
        area_code=demand.area_code,
        population=demand.population,
        snap=dsnap.distance.astype(np.float32),
        distance=distance.astype(np.float32),
        facility=catchment,
        covered=cov.covered,
        facility_code=np.array([str(c) for c in fac.codes], dtype="U32"),
        facility_type=np.array([str(c) for c in fac.type_code], dtype="U64"),
        facility_lon=fac.lon,
        facility_lat=fac.lat,
    )
    _run_save(run=run, result=result, arrays_file=relative)
    report(steps, steps, _("done"))
    summary: dict[str, Any] = {"run": run.pk, "url": reverse("run-detail", args=[run.pk]), _("residential points"): n}
    for row in result["types"]:
        summary[row["name"]] = "—" if row["percent"] is None else f"{row['percent']:.1f}%"
    return summary


@transaction.atomic
def _run_save(*, run: PlanningRun, result: dict[str, Any], arrays_file: str) -> None:
    run.result = result
    run.arrays_file = arrays_file
    run.save(update_fields=["result", "arrays_file"])


def _tables(
    run: PlanningRun,
    rules: list[dict[str, Any]],
    demand: Demand,
    fac: Facilities,
    access: engine_access.Accessibility,
    cov: engine_access.Coverage,
) -> dict[str, Any]:
    """Per type and per area (communities/villages, towns, the whole area): residents of the type's age
    groups covered, of all of them, and the percentage."""
    villages = np.asarray(demand.area_code)
    towns = np.array([c[:9] + "000" for c in villages.tolist()], dtype="U12")
    v_codes, v_index = np.unique(villages, return_inverse=True)
    t_codes, t_index = np.unique(towns, return_inverse=True)
    names = dict(Area.objects.filter(code__in=[*v_codes.tolist(), *t_codes.tolist()]).values_list("code", "name"))
    types_out = []
    per_village: dict[str, dict[str, Any]] = {c: {} for c in v_codes.tolist()}
    per_town: dict[str, dict[str, Any]] = {c: {} for c in t_codes.tolist()}
    for t, rule in enumerate(rules):
        code = rule["type"]
        weight = demand.weights(rule["age_groups"])
        covered = cov.covered[:, t]
        tc = cov.by_type[code]
        columns = [demand.groups.index(g) for g in rule["age_groups"]] or list(range(len(demand.groups)))
        cw, tw = float(tc.group_covered[columns].sum()), float(tc.group_total[columns].sum())
        finite = np.isfinite(access.distance[:, t])
        reached = access.distance[finite, t]
        types_out.append(
            {
                **rule,
                "facilities": int((fac.type_code == code).sum()),
                "covered": round(cw),
                "total": round(tw),
                "percent": _percent(cw, tw),
                "covered_points": int(covered.sum()),
                "points": len(covered),
                "median_distance_m": round(float(np.median(reached))) if len(reached) else None,
                "unreached_points": int((~finite).sum()),
            }
        )
        for codes, index, out in ((v_codes, v_index, per_village), (t_codes, t_index, per_town)):
            cov_sum = np.bincount(index, weights=weight * covered, minlength=len(codes))
            tot_sum = np.bincount(index, weights=weight, minlength=len(codes))
            for k, area_code in enumerate(codes.tolist()):
                out[area_code][code] = _cell(float(cov_sum[k]), float(tot_sum[k]))
    residents_v = np.bincount(v_index, weights=demand.population.sum(axis=1), minlength=len(v_codes))
    residents_t = np.bincount(t_index, weights=demand.population.sum(axis=1), minlength=len(t_codes))
    areas: list[dict[str, Any]] = []
    scenario_level = level_of(run.scenario.area_code)
    for k, town in enumerate(t_codes.tolist()):
        if scenario_level != AreaLevel.VILLAGE:
            areas.append(
                {
                    "code": town,
                    "name": names.get(town, town),
                    "level": AreaLevel.TOWN.value,
                    "parent": None,
                    "residents": int(residents_t[k]),
                    "types": per_town[town],
                }
            )
        for j, village in enumerate(v_codes.tolist()):
            if village[:9] + "000" != town:
                continue
            areas.append(
                {
                    "code": village,
                    "name": names.get(village, village),
                    "level": AreaLevel.VILLAGE.value,
                    "parent": town,
                    "residents": int(residents_v[j]),
                    "types": per_village[village],
                }
            )
    return {
        "types": types_out,
        "areas": areas,
        "bands": list(DISTANCE_BANDS),
        "summary": {
            "area_code": run.scenario.area_code,
            "area_name": run.scenario.area.name,
            "points": len(demand.ids),
            "residents": int(demand.population.sum()),
            "facilities": len(fac.codes),
            "walking_speed_mps": run.params.get("walking_speed_mps"),
        },
    }


def coverage_job_run(job: Job, progress: Progress) -> dict[str, Any]:
    """The body of the `planning.coverage` job."""
    run = PlanningRun.objects.select_related("scenario__network", "scenario__area").filter(pk=job.params["run"]).first()
    if run is None:
        raise ApplicationError("not_found", _("The planning run is gone."), {"run": job.params.get("run")}, status=404)
    return coverage_run_compute(run=run, progress=progress)
