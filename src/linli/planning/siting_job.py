"""The siting job (kind ``planning.siting``): the Django side of a siting run.

It reads the run's question, turns the database into arrays (demand points weighted by the type's age
groups, built facilities of the type, which are kept, and candidate sites: available idle spaces or network
nodes generated on a grid), hands them to the engine (`linli.engine.siting_prep` to measure walking
distances, `linli.engine.siting_run` to solve with LSCP, MCLP or the p-median and describe the answer) and
stores the result in `PlanningRun.result` and the map arrays in `PlanningRun.arrays_file`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.areas.codes import prefix_of
from linli.areas.enums import AreaLevel
from linli.areas.models import Area
from linli.core.errors import ApplicationError
from linli.engine import siting_prep, siting_run
from linli.engine.siting_inputs import InfeasibleError, SitingError
from linli.facilities.models import FacilityType
from linli.jobs.models import Job
from linli.jobs.registry import Progress, job_handler
from linli.planning.adapters import demand_of, engine_network_of, facilities_of
from linli.planning.models import IdleSpace, PlanningRun

JOB_KIND = "planning.siting"
GRID_M = 300.0  # generated candidates: one network node per grid cell with demand to serve
MAX_GENERATED = 400
MAX_GENERATED_LSCP = 2000  # set covering must reach everyone: more, and the model stays small
AGGREGATE_ABOVE = 3000  # demand points; more are merged by network node and 10 m of snap distance
SNAP_BUCKET_M = 10.0
COLUMN_CHUNK = 64  # candidate columns per batch of shortest-path searches


def _leaf_areas(area: Area) -> list[Area]:
    if area.level == AreaLevel.VILLAGE:
        return [area]
    return list(
        Area.objects.filter(
            code__startswith=prefix_of(area.code), level=AreaLevel.VILLAGE, boundary__isnull=False
        ).order_by("code")
    )


def _fail(code: str, message: str, field: str, **extra: Any) -> ApplicationError:
    return ApplicationError(code, message, {"field": field, **extra})


def _number(value: float | None) -> float | None:
    return round(float(value), 3) if value is not None and np.isfinite(value) else None


def siting_compute(*, run: PlanningRun, progress: Progress) -> dict[str, Any]:
    """Gather the arrays, measure distances, solve, and describe the answer (stored in run.result and
    run.arrays_file by the job)."""
    t0 = time.perf_counter()
    p = run.params
    objective, k, radius = p["objective"], p.get("k"), p.get("radius_m")
    area = Area.objects.get(code=p["area_code"])
    facility_type = FacilityType.objects.filter(code=p["facility_type"]).first()
    if facility_type is None:
        raise _fail("invalid", _("Unknown facility type."), "facility_type", value=p["facility_type"])
    progress(0, 10, _("loading the walking network"))
    network = engine_network_of(run.scenario.network)

    progress(1, 10, _("demand, facilities and candidate sites"))
    demand = demand_of(area.code)
    w_all = demand.weights(facility_type.age_groups or None)
    keep = w_all > 0
    if not keep.any():
        raise _fail("no_demand", _("Nobody in this area belongs to the age groups the type serves."), "area_code")
    raw = siting_prep.locate_on(network, demand.lon[keep], demand.lat[keep])
    raw_ids, raw_codes, raw_w = demand.ids[keep], demand.area_code[keep], w_all[keep]
    if len(raw_w) > AGGREGATE_ABOVE:
        merged = siting_prep.aggregate(raw, raw_w, SNAP_BUCKET_M)
        points, w, group = merged.points, merged.weight, merged.group
    else:
        points, w, group = raw, raw_w, np.arange(len(raw_w))

    existing_f = facilities_of(area.code, [facility_type.code])
    existing = siting_prep.locate_on(network, existing_f.lon, existing_f.lat)
    n_existing = len(existing)

    idle: list[IdleSpace] = []
    if p["candidates"] == "idle":
        idle = list(
            IdleSpace.objects.filter(
                area_code__startswith=prefix_of(area.code), status=IdleSpace.Status.AVAILABLE
            ).order_by("id")
        )
        cand = siting_prep.locate_on(network, [s.lon for s in idle], [s.lat for s in idle])
    else:
        if objective != "pmedian":
            relevant = siting_prep.uncovered(network, points, existing, radius)
        else:
            relevant = np.ones(len(w), dtype=bool)
        nodes = siting_prep.grid_candidates(
            network,
            points,
            w,
            relevant=relevant,
            allowed=siting_prep.nodes_inside(network, area.boundary),
            cell_m=GRID_M,
            cap=MAX_GENERATED_LSCP if objective == "lscp" else MAX_GENERATED,
        )
        cand = siting_prep.Located(network.lon[nodes], network.lat[nodes], nodes, np.zeros(len(nodes)))
    n_cand = len(cand)
    if n_cand == 0:
        raise _fail(
            "no_candidates",
            _("There are no candidate sites: every resident is already covered, or there is no idle space."),
            "candidates",
        )
    if k is not None and k > n_cand:
        raise _fail(
            "invalid",
            _("%(k)d new sites asked for, but there are only %(n)d candidate sites.") % {"k": k, "n": n_cand},
            "k",
        )

    columns = siting_prep.join(existing, cand)

    def walked(done: int, total: int) -> None:
        progress(
            2 + done * 6 // max(total, 1),
            10,
            _("walking distances: %(done)d of %(total)d sites") % {"done": done, "total": total},
        )

    limit = float(radius) if objective != "pmedian" else np.inf
    d = siting_prep.walking_distances(network, points, columns, limit=limit, chunk=COLUMN_CHUNK, on_chunk=walked)
    ex = np.arange(n_existing)

    progress(8, 10, _("solving"))
    try:
        solution = siting_run.solve(
            objective, d, weights=w, existing=ex, k=k, radius=radius, time_limit=float(p.get("time_limit_s") or 60)
        )
    except InfeasibleError as exc:
        raise _unreachable(exc.points, group, raw_ids, raw_codes, raw_w, radius) from exc
    except SitingError as exc:
        raise ApplicationError("invalid", str(exc), {"field": "k" if "p=" in str(exc) else "radius_m"}) from exc
    w = solution.weights

    progress(9, 10, _("describing the sites"))
    added = solution.added
    report_radius = float(radius) if radius else None
    report = siting_run.describe(objective, d, w, ex, added, report_radius)
    leaves = _leaf_areas(area)
    site_lon, site_lat = columns.lon[added], columns.lat[added]
    where = siting_prep.containing([leaf.boundary for leaf in leaves], site_lon, site_lat)
    position = {int(j): i for i, j in enumerate(added)}
    sites = []
    for rank, gained in enumerate(report.sites, start=1):
        j = gained.column
        i = position[j]
        c = j - n_existing
        leaf = leaves[where[i]] if where[i] >= 0 else None
        space = idle[c] if idle else None
        sites.append(
            {
                "index": rank - 1,
                "rank": rank,
                "candidate": int(c),
                "lon": round(float(site_lon[i]), 7),
                "lat": round(float(site_lat[i]), 7),
                "node": int(columns.node[j]),
                "snap_m": round(float(columns.snap[j]), 1),
                "idle_space_id": space.pk if space else None,
                "idle_space_name": space.name if space else "",
                "floor_area_m2": space.floor_area_m2 if space else None,
                "area_code": leaf.code if leaf else area.code,
                "area_name": leaf.name if leaf else area.name,
                "gain": _number(gained.gain),
                "unique_gain": _number(gained.unique_gain),
                "covered_gain": _number(gained.covered_gain),
                "served": round(gained.served, 1),
            }
        )
    covered_before, covered_after = report.covered_before, report.covered_after
    _save_arrays(run, points, w, covered_before, covered_after, existing, cand)
    total = float(w.sum())
    return {
        "status": "ok",
        "objective": objective,
        "facility_type": facility_type.code,
        "facility_type_name": facility_type.name,
        "age_groups": list(facility_type.age_groups or []),
        "area_code": area.code,
        "area_name": area.name,
        "k": k,
        "radius_m": report_radius,
        "candidates": p["candidates"],
        "counts": {
            "demand_points": len(raw_w),
            "demand_rows": len(w),
            "existing": n_existing,
            "candidates": n_cand,
            "unreachable_points": int(solution.dropped.sum()),
        },
        "existing_codes": [str(c) for c in existing_f.codes],
        "weight_total": round(total, 1),
        "objective_before": _number(report.objective_before),
        "objective_after": _number(report.objective_after),
        "bound": _number(solution.bound),
        "covered_before": round(float(w @ covered_before), 1),
        "covered_after": round(float(w @ covered_after), 1),
        "covered_ratio_before": round(float(w @ covered_before) / total, 4) if total else None,
        "covered_ratio_after": round(float(w @ covered_after) / total, 4) if total else None,
        "optimal": bool(solution.optimal),
        "gap": _number(solution.gap),
        "solver_seconds": round(float(solution.seconds), 3),
        "seconds": round(time.perf_counter() - t0, 3),
        "sites": sites,
        "accepted": {},
    }


def _unreachable(
    rows: np.ndarray, group: np.ndarray, ids: np.ndarray, codes: np.ndarray, w: np.ndarray, radius: float | None
) -> ApplicationError:
    """LSCP (or p-median) is infeasible: name the residential points and areas no candidate reaches."""
    hit = np.isin(group, rows)
    point_ids = [int(i) for i in ids[hit]]
    names = dict(Area.objects.filter(code__in=set(codes[hit].tolist())).values_list("code", "name"))
    by_area: dict[str, dict[str, Any]] = {}
    for code, weight in zip(codes[hit].tolist(), w[hit].tolist(), strict=True):
        entry = by_area.setdefault(code, {"code": code, "name": names.get(code, code), "points": 0, "residents": 0})
        entry["points"] += 1
        entry["residents"] += int(weight)
    areas = sorted(by_area.values(), key=lambda e: -e["residents"])
    listed = "、".join(f"{a['name']}({a['points']})" for a in areas[:10])
    message = _(
        "No candidate site is within %(radius)s m of %(n)d residential points, in %(areas)s: "
        "raise the radius or add candidate sites."
    ) % {"radius": f"{radius:g}" if radius else "-", "n": len(point_ids), "areas": listed}
    return ApplicationError(
        "infeasible",
        message,
        {"field": "radius_m", "points": point_ids[:200], "n_points": len(point_ids), "areas": areas[:50]},
    )


def _save_arrays(
    run: PlanningRun,
    points: siting_prep.Located,
    w: np.ndarray,
    covered_before: np.ndarray,
    covered_after: np.ndarray,
    existing: siting_prep.Located,
    cand: siting_prep.Located,
) -> None:
    relative = f"planning/siting-{run.pk}.npz"
    path = Path(settings.DATA_DIR) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        demand_lon=points.lon,
        demand_lat=points.lat,
        demand_w=w,
        covered_before=covered_before,
        covered_after=covered_after,
        existing_lon=existing.lon,
        existing_lat=existing.lat,
        candidate_lon=cand.lon,
        candidate_lat=cand.lat,
    )
    run.arrays_file = relative


@job_handler(JOB_KIND)
def run_siting(job: Job, progress: Progress) -> dict[str, Any]:
    run = PlanningRun.objects.select_related("scenario__network").get(pk=job.params["run"])
    try:
        result = siting_compute(run=run, progress=progress)
    except ApplicationError as exc:
        run.result = {"status": "failed", "error": exc.as_dict()}
        run.save(update_fields=["result"])
        raise
    run.result = result
    run.save(update_fields=["result", "arrays_file"])
    progress(10, 10, _("done"))
    return {
        "run": run.pk,
        "sites": len(result["sites"]),
        "optimal": result["optimal"],
        "gap": result["gap"],
        "covered_before": result["covered_before"],
        "covered_after": result["covered_after"],
        "url": reverse("siting-run", args=[run.pk]),
    }
