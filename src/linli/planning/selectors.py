"""Reads of walking networks (the arrays for the engine, simplified GeoJSON for the map), of planning
scenarios and of coverage runs (tables, map layers, comparison), always through the viewer's scope."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from linli.areas import selectors as area_selectors
from linli.areas.codes import prefix_of
from linli.areas.geo import bbox_of
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, require, scope_q
from linli.facilities.models import Facility, FacilityType
from linli.planning.adapters import AGE_GROUPS
from linli.planning.models import Network, PlanningRun, Scenario, ScenarioRule

# Distance bands (metres) the map colours points by; beyond the last is "far".
DISTANCE_BANDS: tuple[int, ...] = (300, 500, 1000, 2000)

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


def network_for_area(*, code: str) -> Network | None:
    """The network that covers area `code`: the one recorded for it or for its nearest ancestor."""
    candidates = [code[:n] + "0" * (12 - n) for n in (12, 9, 6, 4, 2)]
    for candidate in candidates:
        network = Network.objects.filter(area_code=candidate).order_by("-created_at").first()
        if network is not None:
            return network
    return None


@lru_cache(maxsize=4)
def _arrays(path: str, mtime: float) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    degree = np.bincount(np.concatenate([arrays["u"], arrays["v"]]), minlength=len(arrays["lon"]))
    arrays["degree"] = degree
    return arrays


def network_arrays(network: Network) -> dict[str, np.ndarray]:
    path = Path(settings.DATA_DIR) / network.file
    return _arrays(str(path), path.stat().st_mtime)


def network_geojson(*, viewer: AnyUser, code: str) -> dict[str, Any]:
    """The streets and roads that reach into the area's bounding box, as one MultiLineString. Nodes in
    the middle of a street (degree 2) are left out: enough to draw, a fraction of the size."""
    area = area_selectors.area_get(viewer=viewer, code=code)
    network = network_for_area(code=area.code)
    bbox = bbox_of(area.boundary)
    if network is None or bbox is None:
        return {"type": "FeatureCollection", "features": []}
    a = network_arrays(network)
    lon, lat, ptr, nodes, degree = a["lon"], a["lat"], a["way_ptr"], a["way_nodes"], a["degree"]
    inside = (lon >= bbox[0]) & (lon <= bbox[2]) & (lat >= bbox[1]) & (lat <= bbox[3])
    lines = []
    for i in range(len(ptr) - 1):
        way = nodes[ptr[i] : ptr[i + 1]]
        if not inside[way].any():
            continue
        keep = np.ones(len(way), dtype=bool)
        keep[1:-1] = degree[way[1:-1]] != 2
        way = way[keep]
        lines.append(np.round(np.column_stack([lon[way], lat[way]]), 6).tolist())
    feature = {
        "type": "Feature",
        "geometry": {"type": "MultiLineString", "coordinates": lines},
        "properties": {"network": network.name, "nodes": network.nodes, "edges": network.edges},
    }
    return {"type": "FeatureCollection", "features": [feature]}


# --- scenarios and coverage runs ---------------------------------------------------------------------


def scenarios_visible(*, viewer: AnyUser) -> QuerySet[Scenario]:
    """Scenarios of areas in the viewer's scope."""
    require(viewer, Perm.AREA_VIEW)
    return Scenario.objects.filter(scope_q(viewer, "area_code")).select_related("area", "network", "created_by")


def scenario_get(*, viewer: AnyUser, pk: int) -> Scenario:
    scenario = scenarios_visible(viewer=viewer).filter(pk=pk).first()
    if scenario is None:
        raise ApplicationError("not_found", _("No such scenario."), {"id": pk}, status=404)
    return scenario


def scenario_rules(*, scenario: Scenario) -> QuerySet[ScenarioRule]:
    return scenario.rules.select_related("facility_type").order_by("facility_type__sort_order", "id")


def runs_visible(*, viewer: AnyUser) -> QuerySet[PlanningRun]:
    require(viewer, Perm.AREA_VIEW)
    return PlanningRun.objects.filter(scope_q(viewer, "scenario__area_code")).select_related(
        "scenario", "scenario__area", "job"
    )


def run_get(*, viewer: AnyUser, pk: int) -> PlanningRun:
    run = runs_visible(viewer=viewer).filter(pk=pk).first()
    if run is None:
        raise ApplicationError("not_found", _("No such planning run."), {"id": pk}, status=404)
    return run


def run_ready(run: PlanningRun) -> bool:
    return run.result is not None and bool(run.arrays_file)


def finished_result(run: PlanningRun) -> dict[str, Any]:
    if run.result is None:
        raise ApplicationError(
            "run_not_finished", _("The run has no result yet: wait for its job to finish."), {"run": run.pk}, status=409
        )
    return run.result


def run_result(*, viewer: AnyUser, pk: int) -> dict[str, Any]:
    """The run's tables: per type, per area, and the summary."""
    run = run_get(viewer=viewer, pk=pk)
    return {"run": run.pk, "scenario": run.scenario_id, "kind": run.kind, **finished_result(run)}


@lru_cache(maxsize=8)
def _run_npz(path: str, mtime: float) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def run_arrays(run: PlanningRun) -> dict[str, np.ndarray]:
    """The per-point arrays of a finished run (see `services.coverage_run_compute`)."""
    finished_result(run)
    path = Path(settings.DATA_DIR) / run.arrays_file
    if not run.arrays_file or not path.exists():
        raise ApplicationError("run_arrays_missing", _("The run's point data is gone: run it again."), status=410)
    return _run_npz(str(path), path.stat().st_mtime)


def distance_band(distance: np.ndarray, bands: tuple[int, ...] | list[int] = DISTANCE_BANDS) -> np.ndarray:
    """Index of the distance band of each distance: 0 for <= bands[0] ... len(bands) beyond the last."""
    d = np.where(np.isfinite(distance), distance, np.float32(1e12))
    return np.searchsorted(np.asarray(bands, dtype=np.float64), d, side="left").astype(np.int64)


LAYERS = ("points", "uncovered", "facilities", "catchments")


def _type_column(run: PlanningRun, arrays: dict[str, np.ndarray], type_code: str | None) -> int:
    types = arrays["types"].tolist()
    if not type_code:
        return 0
    if type_code not in types:
        raise ApplicationError(
            "unknown_type", _("This facility type is not in the run."), {"field": "type", "value": type_code}
        )
    return int(types.index(type_code))


def _point_features(a: dict[str, np.ndarray], t: int, rule: dict[str, Any], only: np.ndarray) -> list[dict[str, Any]]:
    weight = a["population"][:, [AGE_GROUPS.index(g) for g in rule["age_groups"]] or slice(None)].sum(axis=1)
    dist, covered, band = a["distance"][:, t], a["covered"][:, t], distance_band(a["distance"][:, t])
    fac, codes = a["facility"][:, t], a["facility_code"]
    features = []
    for i in np.flatnonzero(only).tolist():
        d = float(dist[i])
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(float(a["lon"][i]), 6), round(float(a["lat"][i]), 6)],
                },
                "properties": {
                    "id": int(a["point_id"][i]),
                    "area": str(a["area_code"][i]),
                    "distance_m": round(d) if np.isfinite(d) else None,
                    "band": int(band[i]),
                    "covered": bool(covered[i]),
                    "weight": int(weight[i]),
                    "facility": str(codes[fac[i]]) if fac[i] >= 0 else None,
                },
            }
        )
    return features


def run_layer(*, viewer: AnyUser, pk: int, layer: str, type_code: str | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of a finished coverage run, for one facility type (the first when none):
    `points` every residential point with its walking distance, band and covered flag; `uncovered` the
    points beyond the type's distance; `facilities` the facilities of the type (all types when none) that
    lie in the area or serve a point of it; `catchments` one MultiLineString per facility joining it to the
    points it is nearest to."""
    if layer not in LAYERS:
        raise ApplicationError("unknown_layer", _("Unknown map layer."), {"field": "layer", "value": layer}, status=404)
    run = run_get(viewer=viewer, pk=pk)
    result = finished_result(run)
    a = run_arrays(run)
    t = _type_column(run, a, type_code)
    rule = result["types"][t]
    meta = {"run": run.pk, "type": rule["type"], "distance_m": rule["distance_m"], "bands": result.get("bands")}
    if layer == "points":
        features = _point_features(a, t, rule, np.ones(len(a["point_id"]), dtype=bool))
    elif layer == "uncovered":
        features = _point_features(a, t, rule, ~a["covered"][:, t])
    elif layer == "facilities":
        features = _facility_features(run, a, rule["type"] if type_code else None)
    else:
        features = _catchment_features(a, t)
    return {"type": "FeatureCollection", "features": features, "properties": meta}


def _facility_features(run: PlanningRun, a: dict[str, np.ndarray], type_code: str | None) -> list[dict[str, Any]]:
    codes, types = a["facility_code"], a["facility_type"]
    serving = np.zeros(len(codes), dtype=bool)
    served = a["facility"][a["facility"] >= 0]
    serving[served] = True
    wanted = serving.copy()
    prefix = prefix_of(run.scenario.area_code)
    info = {
        f.code: f
        for f in Facility.objects.filter(code__in=codes.tolist())
        .select_related("facility_type")
        .only("code", "name", "area_code", "facility_type__code", "facility_type__name")
    }
    for i, code in enumerate(codes.tolist()):
        f = info.get(code)
        if f is not None and f.area_code.startswith(prefix):
            wanted[i] = True
    if type_code:
        wanted &= types == type_code
    features = []
    for i in np.flatnonzero(wanted).tolist():
        f = info.get(str(codes[i]))
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(float(a["facility_lon"][i]), 6), round(float(a["facility_lat"][i]), 6)],
                },
                "properties": {
                    "code": str(codes[i]),
                    "name": f.name if f else str(codes[i]),
                    "type": str(types[i]),
                    "type_name": f.facility_type.name if f else str(types[i]),
                    "serves_points": bool(serving[i]),
                },
            }
        )
    return features


def _catchment_features(a: dict[str, np.ndarray], t: int) -> list[dict[str, Any]]:
    fac = a["facility"][:, t]
    lon, lat = np.round(a["lon"], 6), np.round(a["lat"], 6)
    flon, flat = np.round(a["facility_lon"], 6), np.round(a["facility_lat"], 6)
    order = np.argsort(fac, kind="stable")
    order = order[fac[order] >= 0]
    features = []
    for f in np.unique(fac[order]).tolist():
        members = order[fac[order] == f]
        hub = [float(flon[f]), float(flat[f])]
        lines = [[hub, [float(lon[i]), float(lat[i])]] for i in members.tolist()]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "MultiLineString", "coordinates": lines},
                "properties": {"facility": str(a["facility_code"][f]), "points": len(lines), "index": int(f)},
            }
        )
    return features


def run_compare(*, viewer: AnyUser, a: int, b: int) -> dict[str, Any]:
    """Two finished runs of the same area side by side: per type and per area, coverage % of A and of B
    and the difference B - A (percentage points)."""
    run_a = run_get(viewer=viewer, pk=a)
    run_b = run_get(viewer=viewer, pk=b)
    res_a, res_b = finished_result(run_a), finished_result(run_b)
    if run_a.scenario.area_code != run_b.scenario.area_code:
        raise ApplicationError(
            "different_areas",
            _("Compare runs of the same area."),
            {"field": "b", "a": run_a.scenario.area_code, "b": run_b.scenario.area_code},
        )
    types_a = {r["type"]: r for r in res_a["types"]}
    types_b = {r["type"]: r for r in res_b["types"]}
    codes = list(types_a) + [c for c in types_b if c not in types_a]

    def diff(x: float | None, y: float | None) -> float | None:
        return round(y - x, 2) if x is not None and y is not None else None

    types = []
    for code in codes:
        ra, rb = types_a.get(code), types_b.get(code)
        pa, pb = (ra or {}).get("percent"), (rb or {}).get("percent")
        types.append(
            {
                "type": code,
                "name": (ra or rb or {}).get("name", code),
                "a": ra,
                "b": rb,
                "a_percent": pa,
                "b_percent": pb,
                "diff": diff(pa, pb),
            }
        )
    areas_b = {row["code"]: row for row in res_b["areas"]}
    areas = []
    for row in res_a["areas"]:
        other = areas_b.get(row["code"], {"types": {}})
        cells = []
        for code in codes:
            pa = row["types"].get(code, {}).get("percent")
            pb = other["types"].get(code, {}).get("percent")
            cells.append({"type": code, "a": pa, "b": pb, "diff": diff(pa, pb)})
        areas.append({"code": row["code"], "name": row["name"], "level": row["level"], "cells": cells})
    return {"a": run_a, "b": run_b, "types": types, "areas": areas}


def facility_type_options() -> list[dict[str, Any]]:
    """Facility types with the circle and distance they default to in a new scenario."""
    from linli.planning.services import default_rule

    out = []
    for ft in FacilityType.objects.order_by("sort_order", "code"):
        out.append({**default_rule(ft), "facility_type": ft})
    return out
