"""Siting: where should the next k facilities of a type go?

`siting_run_start` checks the question and starts a background job (kind ``planning.siting``) that
gathers the arrays (demand points weighted by the type's age groups, built facilities of the type, which
are kept, and candidate sites: available idle spaces or network nodes generated on a grid), measures walking
distances on the network, calls the engine (`linli.engine.siting`: MCLP, LSCP or p-median, solved exactly
with HiGHS) and stores the answer in `PlanningRun.result`. `siting_accept` turns chosen sites into planned
facilities of the registry, through `facility_create`, so they are checked and audited like any other.

Each chosen site carries two gains. `gain` is its share of the total improvement when the chosen sites are
added one by one, the most useful first: the gains add up to after - before. `unique_gain` is what the
site alone brings given all the others (the loss if it were dropped).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.areas import selectors as area_selectors
from linli.areas.codes import prefix_of
from linli.areas.enums import AreaLevel
from linli.areas.models import Area
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError, RowErrors
from linli.core.permissions import Perm, filter_scope, require
from linli.core.services import audit_record
from linli.engine import access as engine_access
from linli.engine import lscp as engine_lscp
from linli.engine import mclp as engine_mclp
from linli.engine import network as engine_network
from linli.engine import pmedian as engine_pmedian
from linli.engine import siting_inputs
from linli.facilities.enums import ConstructionStatus
from linli.facilities.models import Facility, FacilityType
from linli.facilities.services import facility_create
from linli.jobs.models import Job
from linli.jobs.registry import Progress, job_handler
from linli.jobs.services import job_create, job_enqueue
from linli.planning.adapters import demand_of, engine_network_of, facilities_of
from linli.planning.models import IdleSpace, PlanningRun, Scenario
from linli.planning.selectors import network_for_area

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

JOB_KIND = "planning.siting"
OBJECTIVES = ("mclp", "lscp", "pmedian")
CANDIDATE_SOURCES = ("idle", "generated")
GRID_M = 300.0  # generated candidates: one network node per grid cell with demand to serve
MAX_GENERATED = 400
MAX_GENERATED_LSCP = 2000  # set covering must reach everyone: more, and the model stays small
AGGREGATE_ABOVE = 3000  # demand points; more are merged by network node and 10 m of snap distance
SNAP_BUCKET_M = 10.0
COLUMN_CHUNK = 64  # candidate columns per batch of shortest-path searches
MAX_TIME_LIMIT_S = 600
MAX_K = 200


# --------------------------------------------------------------------------------------------- reads


def siting_runs_visible(*, viewer: AnyUser) -> QuerySet[PlanningRun]:
    """Siting runs on areas in the viewer's scope, newest first."""
    require(viewer, Perm.AREA_VIEW)
    qs = PlanningRun.objects.filter(kind=PlanningRun.Kind.SITING).select_related("scenario__area", "job")
    return filter_scope(viewer, qs, "scenario__area_code").order_by("-created_at")


def siting_run_get(*, viewer: AnyUser, run_id: int) -> PlanningRun:
    run = siting_runs_visible(viewer=viewer).filter(pk=run_id).first()
    if run is None:
        raise ApplicationError("not_found", _("No such siting run."), {"run": run_id}, status=404)
    return run


def idle_spaces_visible(*, viewer: AnyUser, area_code: str | None = None) -> QuerySet[IdleSpace]:
    require(viewer, Perm.AREA_VIEW)
    qs = filter_scope(viewer, IdleSpace.objects.all())
    if area_code:
        qs = qs.filter(area_code__startswith=prefix_of(area_code))
    return qs.order_by("area_code", "name")


def siting_types() -> QuerySet[FacilityType]:
    return FacilityType.objects.order_by("sort_order", "code")


def siting_areas(*, viewer: AnyUser) -> QuerySet[Area]:
    """Areas a siting run may be asked for: districts, towns and communities in scope."""
    return area_selectors.areas_visible(viewer=viewer).filter(
        level__in=[AreaLevel.COUNTY, AreaLevel.TOWN, AreaLevel.VILLAGE]
    )


def siting_run_layers(*, viewer: AnyUser, run_id: int) -> dict[str, Any]:
    """The run's map layers: demand points (lon, lat, weight, covered before, covered after), existing
    facilities, candidates and chosen sites."""
    run = siting_run_get(viewer=viewer, run_id=run_id)
    empty: dict[str, Any] = {"demand": [], "existing": [], "candidates": [], "sites": []}
    if not run.arrays_file or not (Path(settings.DATA_DIR) / run.arrays_file).exists():
        return empty
    with np.load(Path(settings.DATA_DIR) / run.arrays_file) as a:
        demand = np.column_stack(
            [np.round(a["demand_lon"], 6), np.round(a["demand_lat"], 6), np.round(a["demand_w"], 1)]
        ).tolist()
        flags = np.column_stack([a["covered_before"], a["covered_after"]]).astype(int).tolist()
        existing = np.round(np.column_stack([a["existing_lon"], a["existing_lat"]]), 6).tolist()
        candidates = np.round(np.column_stack([a["candidate_lon"], a["candidate_lat"]]), 6).tolist()
    sites = (run.result or {}).get("sites", [])
    return {
        "demand": [d + f for d, f in zip(demand, flags, strict=True)],
        "existing": existing,
        "existing_codes": (run.result or {}).get("existing_codes", []),
        "candidates": candidates,
        "sites": [[s["lon"], s["lat"], s["rank"]] for s in sites],
        "radius_m": (run.result or {}).get("radius_m"),
    }


# --------------------------------------------------------------------------------------------- start


def _int(value: Any, field: str, errors: RowErrors, low: int, high: int) -> int | None:
    if value is None or value == "":
        errors.add(0, field, _("required"))
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.add(0, field, _("must be a whole number"), value)
        return None
    if not number.is_integer():
        errors.add(0, field, _("must be a whole number"), value)
        return None
    if not low <= number <= high:
        errors.add(0, field, _("must be between %(low)d and %(high)d") % {"low": low, "high": high}, value)
        return None
    return int(number)


@transaction.atomic
def siting_run_start(
    *,
    actor: AnyUser,
    area_code: str,
    facility_type_code: str,
    objective: str,
    k: int | None = None,
    radius_m: float | None = None,
    candidates: str = "idle",
    time_limit_s: float = 60,
    scenario: Scenario | None = None,
) -> PlanningRun:
    """Check a siting question and start its job; returns the run (its `job` shows the progress).

    `k` new sites for "mclp" and "pmedian"; `radius_m` the walking distance that counts as covered for
    "mclp" and "lscp" (for "pmedian" it only reports coverage; default: the type's service radius)."""
    area = area_selectors.area_get(viewer=actor, code=area_code)  # 404 outside the scope
    require(actor, Perm.JOB_START, area.code)
    errors = RowErrors()
    if objective not in OBJECTIVES:
        errors.add(0, "objective", _("must be one of %(choices)s") % {"choices": ", ".join(OBJECTIVES)}, objective)
    if candidates not in CANDIDATE_SOURCES:
        errors.add(
            0, "candidates", _("must be one of %(choices)s") % {"choices": ", ".join(CANDIDATE_SOURCES)}, candidates
        )
    facility_type = FacilityType.objects.filter(code=facility_type_code).first()
    if facility_type is None:
        errors.add(0, "facility_type", _("unknown facility type"), facility_type_code)
    number = None
    if objective in ("mclp", "pmedian"):
        number = _int(k, "k", errors, 1, MAX_K)
    radius: float | None = None
    if radius_m in (None, "") and facility_type is not None and facility_type.service_radius_m:
        radius = float(facility_type.service_radius_m)
    elif radius_m not in (None, ""):
        try:
            radius = float(radius_m)
        except (TypeError, ValueError):
            errors.add(0, "radius_m", _("must be a number of metres"), radius_m)
        else:
            if not (radius > 0 and np.isfinite(radius)):
                errors.add(0, "radius_m", _("must be more than 0 metres"), radius_m)
                radius = None
    if radius is None and objective in ("mclp", "lscp") and not any(e["field"] == "radius_m" for e in errors.errors):
        errors.add(0, "radius_m", _("required"))
    try:
        limit = float(time_limit_s)
    except (TypeError, ValueError):
        limit = -1.0
    if not 1 <= limit <= MAX_TIME_LIMIT_S:
        errors.add(
            0, "time_limit_s", _("must be between %(low)d and %(high)d seconds") % {"low": 1, "high": MAX_TIME_LIMIT_S}
        )
    if scenario is not None and not area.code.startswith(prefix_of(scenario.area_code)):
        errors.add(0, "scenario", _("the scenario is about another area"), scenario.pk)
    network = scenario.network if scenario is not None else network_for_area(code=area.code)
    if network is None:
        errors.add(0, "area_code", _("no walking network covers this area"), area.code)
    if candidates == "idle" and not errors:
        available = IdleSpace.objects.filter(
            area_code__startswith=prefix_of(area.code), status=IdleSpace.Status.AVAILABLE
        ).count()
        if available == 0:
            errors.add(0, "candidates", _("no available idle spaces in this area: use generated candidates"))
        elif number is not None and number > available:
            errors.add(
                0,
                "k",
                _("%(k)d new sites asked for, but only %(n)d idle spaces are available")
                % {"k": number, "n": available},
                number,
            )
    errors.raise_if_any("invalid", _("The siting run was not started."))
    assert facility_type is not None and network is not None
    if scenario is None:
        name = _("Siting: %(area)s") % {"area": area.name}
        scenario = Scenario.objects.filter(area=area, network=network, name=name).first()
        if scenario is None:
            scenario = Scenario.objects.create(
                name=name, area=area, area_code=area.code, network=network, created_by_id=actor.pk
            )
    params = {
        "area_code": area.code,
        "facility_type": facility_type.code,
        "objective": objective,
        "k": number,
        "radius_m": radius,
        "candidates": candidates,
        "time_limit_s": limit,
    }
    run = PlanningRun.objects.create(scenario=scenario, kind=PlanningRun.Kind.SITING, params=params)
    title = _("Siting %(type)s in %(area)s (%(objective)s)") % {
        "type": facility_type.name,
        "area": area.name,
        "objective": objective.upper() if objective != "pmedian" else "p-median",
    }
    job = job_create(kind=JOB_KIND, title=title, params={"run": run.pk}, user=actor)  # type: ignore[arg-type]
    run.job = job
    run.save(update_fields=["job"])
    job_enqueue(job=job)
    return run


# --------------------------------------------------------------------------------------------- the job


@dataclass(frozen=True)
class _Points:
    lon: np.ndarray
    lat: np.ndarray
    node: np.ndarray
    snap: np.ndarray


def _snap(network: engine_network.Network, lon: np.ndarray, lat: np.ndarray) -> _Points:
    if len(lon) == 0:
        empty = np.empty(0)
        return _Points(empty, empty, np.empty(0, dtype=np.int64), empty)
    s = engine_network.snap(network, lon, lat)
    return _Points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), s.node, s.distance)


def _leaf_areas(area: Area) -> list[Area]:
    if area.level == AreaLevel.VILLAGE:
        return [area]
    return list(
        Area.objects.filter(
            code__startswith=prefix_of(area.code), level=AreaLevel.VILLAGE, boundary__isnull=False
        ).order_by("code")
    )


def _locate(leaves: list[Area], lon: np.ndarray, lat: np.ndarray) -> list[Area | None]:
    """The community or village containing each point (point in polygon); the nearest one for a point
    that lies in none (on a border, or just outside the area)."""
    import shapely
    from shapely.geometry import shape

    found: list[Area | None] = [None] * len(lon)
    shapes = [(leaf, shape(leaf.boundary)) for leaf in leaves if leaf.boundary]
    for leaf, geometry in shapes:
        inside = shapely.contains_xy(geometry, lon, lat)
        for j in np.flatnonzero(inside).tolist():
            if found[j] is None:
                found[j] = leaf
    for i in range(len(lon)):
        if found[i] is None and shapes:
            point = shapely.Point(float(lon[i]), float(lat[i]))
            found[i] = min(shapes, key=lambda s: s[1].distance(point))[0]
    return found


def _aggregate(points: _Points, w: np.ndarray) -> tuple[_Points, np.ndarray, np.ndarray]:
    """Merge demand points on the same node and within SNAP_BUCKET_M of snap distance; `group[i]` is
    the merged row of point i."""
    key = points.node * 100_000 + np.floor(points.snap / SNAP_BUCKET_M).astype(np.int64)
    _uniq, group = np.unique(key, return_inverse=True)
    n = int(group.max()) + 1 if len(group) else 0
    weight = np.bincount(group, weights=w, minlength=n)
    count = np.bincount(group, minlength=n)
    share = np.where(weight[group] > 0, w / np.where(weight[group] > 0, weight[group], 1), 1 / count[group])
    merged = _Points(
        lon=np.bincount(group, weights=points.lon * share, minlength=n),
        lat=np.bincount(group, weights=points.lat * share, minlength=n),
        node=np.zeros(n, dtype=np.int64),
        snap=np.bincount(group, weights=points.snap * share, minlength=n),
    )
    merged.node[group] = points.node
    return merged, weight, group


def _generated(
    network: engine_network.Network,
    boundary: dict[str, Any] | None,
    demand: _Points,
    relevant: np.ndarray,
    w: np.ndarray,
    cap: int,
) -> np.ndarray:
    """Network nodes inside the area, one per GRID_M cell holding demand still to serve (nearest the
    cell's weighted centre), the heaviest cells first, at most `cap`."""
    import shapely
    from scipy.spatial import cKDTree
    from shapely.geometry import shape

    nodes = np.arange(network.n_nodes)
    if boundary:
        geometry = shape(boundary)
        x0, y0, x1, y1 = geometry.bounds
        lon, lat = network.lon, network.lat
        boxed = np.flatnonzero((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
        nodes = boxed[shapely.contains_xy(geometry, lon[boxed], lat[boxed])]
    if len(nodes) == 0 or not relevant.any():
        return np.empty(0, dtype=np.int64)
    x, y = engine_network.project(demand.lon[relevant], demand.lat[relevant], *network.origin)
    weight = w[relevant]
    cell = np.floor(x / GRID_M).astype(np.int64) * 1_000_003 + np.floor(y / GRID_M).astype(np.int64)
    _uniq, group = np.unique(cell, return_inverse=True)
    total = np.bincount(group, weights=weight)
    safe = np.where(total > 0, total, 1)
    cx = np.bincount(group, weights=x * weight) / safe
    cy = np.bincount(group, weights=y * weight) / safe
    tree = cKDTree(np.column_stack([network.x[nodes], network.y[nodes]]))
    _dist, nearest = tree.query(np.column_stack([cx, cy]))
    order = np.argsort(-total, kind="stable")
    chosen: list[int] = []
    seen: set[int] = set()
    for c in order:
        node = int(nodes[nearest[c]])
        if node not in seen:
            seen.add(node)
            chosen.append(node)
        if len(chosen) >= cap:
            break
    return np.array(chosen, dtype=np.int64)


def _distances(
    network: engine_network.Network, demand: _Points, columns: _Points, limit: float, progress: Progress
) -> np.ndarray:
    d = np.full((len(demand.node), len(columns.node)), np.inf)
    total = len(columns.node)
    for start in range(0, total, COLUMN_CHUNK):
        part = slice(start, min(start + COLUMN_CHUNK, total))
        d[:, part] = engine_access.distance_matrix(
            network,
            demand.node,
            columns.node[part],
            origin_snap=demand.snap,
            dest_snap=columns.snap[part],
            limit=limit,
        )
        progress(
            2 + part.stop * 6 // max(total, 1),
            10,
            _("walking distances: %(done)d of %(total)d sites")
            % {
                "done": part.stop,
                "total": total,
            },
        )
    return d


def _value(objective: str, d: np.ndarray, w: np.ndarray, open_: np.ndarray, radius: float | None) -> float:
    """The objective of an open set, as a number to maximise (covered weight, or minus the weighted
    walking distance; -inf when someone cannot reach any open site)."""
    if len(open_) == 0:
        return 0.0 if objective != "pmedian" else -np.inf
    nearest = d[:, open_].min(axis=1)
    if objective == "pmedian":
        reach = w > 0
        return -float(w[reach] @ nearest[reach]) if np.all(np.isfinite(nearest[reach])) else -np.inf
    assert radius is not None
    return float(w @ (nearest <= radius))


def _gains(
    objective: str, d: np.ndarray, w: np.ndarray, existing: np.ndarray, added: np.ndarray, radius: float | None
) -> list[tuple[int, float | None, float | None, float | None]]:
    """(column, gain in the greedy order, unique gain given all the others, residents newly covered in
    that order) for every added site, the most useful first."""
    everything = np.concatenate([existing, added])
    full = _value(objective, d, w, everything, radius)
    unique = {int(j): full - _value(objective, d, w, everything[everything != j], radius) for j in added}
    order: list[tuple[int, float | None, float | None, float | None]] = []
    current = list(existing)
    left = [int(j) for j in added]
    while left:
        base = _value(objective, d, w, np.array(current, dtype=np.int64), radius)
        values = [_value(objective, d, w, np.array([*current, j], dtype=np.int64), radius) for j in left]
        best = int(np.argmax(values))
        j = left.pop(best)
        gain = values[best] - base if np.isfinite(base) and np.isfinite(values[best]) else None
        covered_gain = None
        if radius is not None:
            covered_gain = _value("mclp", d, w, np.array([*current, j], dtype=np.int64), radius) - _value(
                "mclp", d, w, np.array(current, dtype=np.int64), radius
            )
        current.append(j)
        u = unique[j]
        order.append((j, gain, u if np.isfinite(u) else None, covered_gain))
    return order


def _fail(code: str, message: str, field: str, **extra: Any) -> ApplicationError:
    return ApplicationError(code, message, {"field": field, **extra})


def _number(value: float) -> float | None:
    return round(float(value), 3) if np.isfinite(value) else None


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
    raw = _snap(network, demand.lon[keep], demand.lat[keep])
    raw_ids, raw_codes, raw_w = demand.ids[keep], demand.area_code[keep], w_all[keep]
    if len(raw_w) > AGGREGATE_ABOVE:
        points, w, group = _aggregate(raw, raw_w)
    else:
        points, w, group = raw, raw_w, np.arange(len(raw_w))

    existing_f = facilities_of(area.code, [facility_type.code])
    existing = _snap(network, existing_f.lon, existing_f.lat)
    n_existing = len(existing.node)

    idle: list[IdleSpace] = []
    if p["candidates"] == "idle":
        idle = list(
            IdleSpace.objects.filter(
                area_code__startswith=prefix_of(area.code), status=IdleSpace.Status.AVAILABLE
            ).order_by("id")
        )
        cand = _snap(network, np.array([s.lon for s in idle]), np.array([s.lat for s in idle]))
    else:
        relevant = np.ones(len(w), dtype=bool)
        if objective != "pmedian" and n_existing:
            nearest = engine_access.nearest_facility_nodes(network, existing.node, existing.snap, limit=radius)
            relevant = points.snap + nearest.distance[points.node] > radius
        cap = MAX_GENERATED_LSCP if objective == "lscp" else MAX_GENERATED
        nodes = _generated(network, area.boundary, points, relevant, w, cap)
        cand = _Points(network.lon[nodes], network.lat[nodes], nodes, np.zeros(len(nodes)))
    n_cand = len(cand.node)
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

    columns = _Points(
        np.concatenate([existing.lon, cand.lon]),
        np.concatenate([existing.lat, cand.lat]),
        np.concatenate([existing.node, cand.node]),
        np.concatenate([existing.snap, cand.snap]),
    )
    limit = float(radius) if objective != "pmedian" else np.inf
    d = _distances(network, points, columns, limit, progress)
    ex = np.arange(n_existing)

    progress(8, 10, _("solving"))
    time_limit = float(p.get("time_limit_s") or 60)
    dropped = np.zeros(len(w), dtype=bool)
    try:
        if objective == "mclp":
            res_m = engine_mclp.mclp(d, radius, k, weights=w, existing=ex, time_limit=time_limit)
            added, optimal, gap, seconds = res_m.added, res_m.optimal, res_m.gap, res_m.seconds
            bound: float = res_m.upper_bound
        elif objective == "lscp":
            res_l = engine_lscp.lscp(d, radius, existing=ex, time_limit=time_limit)
            added, optimal, gap, seconds, bound = (
                res_l.added,
                res_l.optimal,
                res_l.gap,
                res_l.seconds,
                res_l.lower_bound,
            )
        else:
            dropped = ~np.isfinite(d).any(axis=1)
            w = np.where(dropped, 0.0, w)
            res_p = engine_pmedian.p_median(d, k, weights=w, existing=ex, time_limit=time_limit)
            added, optimal, gap, seconds, bound = (
                res_p.added,
                res_p.optimal,
                res_p.gap,
                res_p.seconds,
                res_p.lower_bound,
            )
    except siting_inputs.InfeasibleError as exc:
        raise _unreachable(exc.points, group, raw_ids, raw_codes, raw_w, radius) from exc
    except siting_inputs.SitingError as exc:
        raise ApplicationError("invalid", str(exc), {"field": "k" if "p=" in str(exc) else "radius_m"}) from exc

    progress(9, 10, _("describing the sites"))
    added = np.asarray(added, dtype=np.int64)
    open_all = np.concatenate([ex, added])
    before_near = d[:, ex].min(axis=1) if n_existing else np.full(len(w), np.inf)
    after_near = d[:, open_all].min(axis=1)
    report_radius = float(radius) if radius else None
    covered_before = before_near <= report_radius if report_radius else np.zeros(len(w), dtype=bool)
    covered_after = after_near <= report_radius if report_radius else np.zeros(len(w), dtype=bool)
    obj_before = _value(objective, d, w, ex, report_radius)
    obj_after = _value(objective, d, w, open_all, report_radius)
    if objective == "lscp":
        obj_before, obj_after = 0.0, float(len(added))

    leaves = _leaf_areas(area)
    site_lon, site_lat = columns.lon[added], columns.lat[added]
    located = _locate(leaves, site_lon, site_lat)
    gains = _gains("mclp" if objective == "lscp" else objective, d, w, ex, added, report_radius)
    position = {int(j): i for i, j in enumerate(added)}
    assigned = np.argmin(d[:, open_all], axis=1) if len(open_all) else np.zeros(len(w), dtype=np.int64)
    sites = []
    for rank, (j, gain, unique, covered_gain) in enumerate(gains, start=1):
        i = position[j]
        c = j - n_existing
        leaf = located[i]
        served = w[(open_all[assigned] == j) & np.isfinite(after_near)]
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
                "gain": _number(gain) if gain is not None else None,
                "unique_gain": _number(unique) if unique is not None else None,
                "covered_gain": _number(covered_gain) if covered_gain is not None else None,
                "served": round(float(served.sum()), 1),
            }
        )
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
            "unreachable_points": int(dropped.sum()),
        },
        "existing_codes": [str(c) for c in existing_f.codes],
        "weight_total": round(total, 1),
        "objective_before": _number(obj_before) if objective != "pmedian" else _number(-obj_before),
        "objective_after": _number(obj_after) if objective != "pmedian" else _number(-obj_after),
        "bound": _number(bound),
        "covered_before": round(float(w @ covered_before), 1),
        "covered_after": round(float(w @ covered_after), 1),
        "covered_ratio_before": round(float(w @ covered_before) / total, 4) if total else None,
        "covered_ratio_after": round(float(w @ covered_after) / total, 4) if total else None,
        "optimal": bool(optimal),
        "gap": _number(gap),
        "solver_seconds": round(float(seconds), 3),
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
    points: _Points,
    w: np.ndarray,
    covered_before: np.ndarray,
    covered_after: np.ndarray,
    existing: _Points,
    cand: _Points,
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


# --------------------------------------------------------------------------------------------- accept


def _code_for(area_code: str, taken: set[str]) -> str:
    prefix = "P" + area_code
    used = set(Facility.objects.filter(code__startswith=prefix).values_list("code", flat=True)) | taken
    seq = 1
    while f"{prefix}{seq:03d}" in used:
        seq += 1
    return f"{prefix}{seq:03d}"


@transaction.atomic
def siting_accept(
    *, actor: AnyUser, run: PlanningRun, site_indices: list[int], names: list[str] | None = None
) -> list[Facility]:
    """Accept chosen sites of a finished run into the registry as planned facilities (all or nothing);
    their idle spaces become reserved. A site is accepted once."""
    run = PlanningRun.objects.select_for_update().select_related("scenario").get(pk=run.pk)
    require(actor, Perm.FACILITY_CHANGE, run.scenario.area_code)
    result = run.result or {}
    if run.kind != PlanningRun.Kind.SITING or result.get("status") != "ok":
        raise ApplicationError("not_ready", _("This siting run has no result to accept."), {"field": "run"})
    sites = result["sites"]
    accepted: dict[str, str] = dict(result.get("accepted") or {})
    errors = RowErrors()
    if not site_indices:
        errors.add(0, "sites", _("choose at least one site"))
    indices: list[int] = []
    for raw in site_indices:
        try:
            i = int(raw)
        except (TypeError, ValueError):
            errors.add(0, "sites", _("not a site of this run"), raw)
            continue
        if not 0 <= i < len(sites):
            errors.add(0, "sites", _("not a site of this run"), raw)
        elif str(i) in accepted:
            errors.add(
                0, "sites", _("site %(n)d was already accepted as %(code)s") % {"n": i + 1, "code": accepted[str(i)]}, i
            )
        elif i in indices:
            errors.add(0, "sites", _("given twice"), i)
        else:
            indices.append(i)
    if names is not None and len(names) != len(site_indices):
        errors.add(0, "names", _("give one name per site, or none"))
    spaces: dict[int, IdleSpace] = {}
    ids = [sites[i]["idle_space_id"] for i in indices if sites[i].get("idle_space_id")]
    for row in IdleSpace.objects.select_for_update().filter(pk__in=ids):
        spaces[row.pk] = row
    for i in indices:
        space_id = sites[i].get("idle_space_id")
        if space_id and (space_id not in spaces or spaces[space_id].status != IdleSpace.Status.AVAILABLE):
            errors.add(0, "sites", _("the idle space of site %(n)d is no longer available") % {"n": i + 1}, space_id)
    errors.raise_if_any("invalid", _("No site was accepted."))

    facility_type = FacilityType.objects.get(code=result["facility_type"])
    area_names = dict(
        Area.objects.filter(code__in={sites[i]["area_code"] for i in indices}).values_list("code", "name")
    )
    today = timezone.localdate()
    taken: set[str] = set()
    created: list[Facility] = []
    for n, i in enumerate(indices):
        site = sites[i]
        code = _code_for(site["area_code"], taken)
        taken.add(code)
        name = (names[n].strip() if names and names[n] else "") or (
            f"规划{facility_type.name}({area_names.get(site['area_code'], site['area_code'])})"
        )
        space = spaces.get(site.get("idle_space_id") or 0)
        data = {
            "code": code,
            "name": name,
            "type": facility_type.code,
            "area_code": site["area_code"],
            "lon": site["lon"],
            "lat": site["lat"],
            "status": ConstructionStatus.PLANNED,
            "planned_on": today,
            "floor_area_m2": space.floor_area_m2 if space else None,
            "address": space.name if space else "",
            "description": _("Planned by siting run %(run)d (%(objective)s), site %(n)d.")
            % {"run": run.pk, "objective": result["objective"], "n": i + 1},
        }
        facility = facility_create(actor=actor, data=data)
        created.append(facility)
        accepted[str(i)] = facility.code
        if space is not None:
            space.status = IdleSpace.Status.RESERVED
            space.note = (_("reserved for %(code)s") % {"code": facility.code})[:200]
            space.save(update_fields=["status", "note", "updated_at"])
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                object_type="planning.idlespace",
                object_id=str(space.pk),
                fields=["status"],
                detail={"status": [IdleSpace.Status.AVAILABLE, IdleSpace.Status.RESERVED], "facility": facility.code},
            )
    result["accepted"] = accepted
    run.result = result
    run.save(update_fields=["result"])
    return created


def siting_accepted_facilities(*, run: PlanningRun) -> QuerySet[Facility]:
    codes = list(((run.result or {}).get("accepted") or {}).values())
    return Facility.objects.filter(Q(code__in=codes)).order_by("code")
