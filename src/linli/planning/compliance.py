"""Standards compliance of an area: the rules file checked on the registry, by `linli.engine.standards`.

`compliance_evaluate` reads the areas, built facilities and residential points below an area into arrays,
snaps points and facilities to the walking network once, computes the distance to the nearest facility of
every type the circle rules need, and returns the engine's result as plain values with area names. The
background job `planning.compliance` does the same and, given a scenario, keeps it as a `PlanningRun`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.areas import selectors as area_selectors
from linli.areas.codes import prefix_of
from linli.areas.enums import AreaLevel
from linli.areas.models import Area, AreaPopulation
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, in_scope, require
from linli.engine import access as engine_access
from linli.engine import network as engine_network
from linli.engine import standards, standards_rules
from linli.facilities.enums import ConstructionStatus
from linli.facilities.models import Facility
from linli.jobs.models import Job
from linli.jobs.registry import Progress, job_handler
from linli.jobs.services import job_start
from linli.planning.adapters import demand_of, engine_network_of
from linli.planning.models import Network, PlanningRun, Scenario
from linli.planning.selectors import network_for_area

if TYPE_CHECKING:
    from linli.core.models import User
    from linli.core.permissions import AnyUser

DEFAULT_RULES = Path(__file__).resolve().parent / "rules" / "default.toml"
JOB_KIND = "planning.compliance"
ProgressFn = Callable[[int, int, str], None]
_STEPS = 4


def _quiet(done: int, total: int, message: str = "") -> None:
    return None


def rules_load(path: str | Path | None = None) -> standards_rules.Rules:
    """The rules file (the default one when `path` is None); a bad file is a 400 naming rule and field."""
    try:
        return standards_rules.load_rules(path or DEFAULT_RULES)
    except standards_rules.RulesError as exc:
        raise ApplicationError(
            "bad_rules",
            _("The rules file is not valid: %(problem)s") % {"problem": str(exc)},
            {"rule": exc.rule, "field": exc.field},
        ) from exc


def _areas(prefix: str) -> tuple[standards.Areas, dict[str, Area]]:
    """Every area below `prefix` with its residents and households (sums of its communities and villages)."""
    areas = {a.code: a for a in Area.objects.filter(code__startswith=prefix).order_by("code")}
    residents: dict[str, int] = {}
    for area_code, count in AreaPopulation.objects.filter(area__code__startswith=prefix).values_list(
        "area__code", "count"
    ):
        residents[area_code] = residents.get(area_code, 0) + count
    villages = [a for a in areas.values() if a.level == AreaLevel.VILLAGE]
    v_codes = np.array([a.code for a in villages], dtype="U12")
    v_res = np.array([residents.get(a.code, 0) for a in villages], dtype=np.float64)
    v_hh = np.array([a.households for a in villages], dtype=np.float64)
    codes = list(areas)
    res, hh = np.zeros(len(codes)), np.zeros(len(codes))
    for i, code in enumerate(codes):
        inside = np.char.startswith(v_codes, prefix_of(code)) if len(v_codes) else np.zeros(0, dtype=bool)
        res[i], hh[i] = v_res[inside].sum(), v_hh[inside].sum()
    arrays = standards.Areas(
        code=np.array(codes, dtype="U12"),
        level=np.array([areas[c].level for c in codes], dtype=str),
        kind=np.array([areas[c].kind for c in codes], dtype=str),
        residents=res,
        households=hh,
    )
    return arrays, areas


def _facilities(prefix: str, types: list[str] | None = None) -> tuple[standards.Facilities, np.ndarray, np.ndarray]:
    """Built facilities below `prefix` (of `types` if given) and their WGS-84 points."""
    qs = Facility.objects.filter(area_code__startswith=prefix, status=ConstructionStatus.BUILT)
    if types is not None:
        qs = qs.filter(facility_type__code__in=types)
    rows = list(qs.order_by("code").values_list("facility_type__code", "area_code", "floor_area_m2", "lon", "lat"))
    facilities = standards.Facilities(
        type_code=np.array([r[0] for r in rows], dtype=str),
        area_code=np.array([r[1] for r in rows], dtype="U12"),
        floor_area=np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=np.float64),
    )
    lon = np.array([r[3] for r in rows], dtype=np.float64)
    lat = np.array([r[4] for r in rows], dtype=np.float64)
    return facilities, lon, lat


def _circle_inputs(
    rules: standards_rules.Rules, area: Area, network: Network
) -> tuple[standards.Points, engine_access.Accessibility]:
    """Residential points of the area and their distances to the nearest facility of every circle type.
    Facilities anywhere on the network count: residents walk across area borders."""
    net = engine_network_of(network)
    demand = demand_of(area.code)
    types = list(rules.circle_types())
    facilities, f_lon, f_lat = _facilities(prefix_of(network.area_code), types)
    points = standards.Points(area_code=demand.area_code, residents=demand.population.sum(axis=1))
    d_snap = engine_network.snap(net, demand.lon, demand.lat)
    f_snap = engine_network.snap(net, f_lon, f_lat)
    acc = engine_access.accessibility(
        net,
        f_snap.node,
        facilities.type_code,
        facility_snap=f_snap.distance,
        demand_node=d_snap.node,
        demand_snap=d_snap.distance,
        limit=rules.max_distance(),
    )
    return points, acc


def _named(result: dict[str, Any], areas: dict[str, Area]) -> dict[str, Any]:
    """Adds area names; the failing and skipped areas become {code, name}."""
    for rule in result["rules"]:
        for entry in rule["areas"]:
            entry["name"] = areas[entry["code"]].name
        for key in ("failing", "skipped"):
            rule[key] = [{"code": c, "name": areas[c].name} for c in rule[key]]
    return result


def compliance_evaluate(
    *,
    viewer: AnyUser,
    area_code: str,
    rules_path: str | Path | None = None,
    network: Network | None = None,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Check the rules on `area_code` and everything below it. Circle rules use `network` (by default the
    one recorded for the area or its nearest ancestor); without one they are reported as not evaluated."""
    require(viewer, Perm.AREA_VIEW)
    area = area_selectors.area_get(viewer=viewer, code=area_code)
    require(viewer, Perm.AREA_VIEW, area.code)
    report = progress or _quiet
    started = time.perf_counter()
    rules = rules_load(rules_path)
    report(1, _STEPS, _("reading areas and facilities"))
    prefix = prefix_of(area.code)
    area_arrays, areas = _areas(prefix)
    facilities, _lon, _lat = _facilities(prefix)
    points = acc = None
    network = network or network_for_area(code=area.code)
    if network is not None and rules.circle_types():
        report(2, _STEPS, _("walking distances to the nearest facilities"))
        points, acc = _circle_inputs(rules, area, network)
    report(3, _STEPS, _("checking the rules"))
    result = standards.evaluate(rules, area_arrays, facilities, points=points, access=acc).as_dict()
    result["rules_file"] = Path(rules.source).name
    result["area"] = {"code": area.code, "name": area.name, "level": area.level}
    result["network"] = None if network is None else {"id": network.pk, "name": network.name}
    result["elapsed_s"] = round(time.perf_counter() - started, 2)
    report(_STEPS, _STEPS, _("done"))
    return _named(result, areas)


def compliance_start(
    *, actor: User, area_code: str, scenario: Scenario | None = None, rules_path: str | None = None
) -> Job:
    """Run the check as a background job; with a scenario the result is also kept as a `PlanningRun`."""
    require(actor, Perm.JOB_START)
    area = area_selectors.area_get(viewer=actor, code=area_code)
    if scenario is not None and not in_scope(actor, scenario.area_code):
        raise ApplicationError("not_found", _("No such scenario."), {"scenario": scenario.pk}, status=404)
    rules_load(rules_path)  # refuse a bad file now, not in the worker
    params: dict[str, Any] = {"area_code": area.code, "scenario": scenario.pk if scenario else None}
    if rules_path:
        params["rules_path"] = str(rules_path)
    title = _("Standards compliance of %(area)s") % {"area": area.name}
    return job_start(kind=JOB_KIND, title=title, params=params, user=actor)


@job_handler(JOB_KIND)
def run_compliance(job: Job, progress: Progress) -> dict[str, Any]:
    """The job: evaluate as the user who started it; keep the result on the scenario if one was given."""
    if job.created_by is None:
        raise ApplicationError("forbidden", _("The job has no user to check as."), status=403)
    scenario = None
    if job.params.get("scenario"):
        scenario = Scenario.objects.select_related("network").get(pk=job.params["scenario"])
    result = compliance_evaluate(
        viewer=job.created_by,
        area_code=job.params["area_code"],
        rules_path=job.params.get("rules_path"),
        network=scenario.network if scenario else None,
        progress=progress,
    )
    if scenario is not None:
        run = PlanningRun.objects.create(
            scenario=scenario,
            kind=PlanningRun.Kind.COMPLIANCE,
            params={"area_code": job.params["area_code"], "rules_file": result["rules_file"]},
            job=job,
            result=result,
        )
        result["run"] = run.pk
    result["url"] = reverse("planning-compliance") + f"?area={job.params['area_code']}"
    return result
