from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from linli.core.inputs import Body
from linli.planning import selectors, services
from linli.planning.models import Scenario
from linli.planning.selectors import network_geojson

router = Router(tags=["planning"])


@router.get("/network", summary="GeoJSON: the walking network within an area, simplified for drawing")
def area_network(request: HttpRequest, area: str) -> dict[str, Any]:
    return network_geojson(viewer=request.user, code=area)


class RuleIn(Body):
    type: str = Field(..., description="facility type code")
    circle: str = Field("", description="15min, 10min, 5min, rural2km or custom (default: the type's own)")
    distance_m: float | None = Field(None, description="metres, for a custom circle")
    age_groups: list[str] | None = Field(None, description="age groups that weight coverage (default: the type's)")


class ScenarioIn(Body):
    name: str
    area_code: str
    rules: list[RuleIn]
    walking_speed_mps: float = services.DEFAULT_WALKING_SPEED_MPS
    description: str = ""


class RuleOut(Schema):
    type: str
    name: str
    circle: str
    distance_m: int
    minutes: float
    age_groups: list[str]


class RunBrief(Schema):
    id: int
    kind: str
    created_at: dt.datetime
    job: str | None
    finished: bool


class ScenarioOut(Schema):
    id: int
    name: str
    area_code: str
    area_name: str
    walking_speed_mps: float
    description: str
    created_at: dt.datetime
    rules: list[RuleOut]
    runs: list[RunBrief]


class RunStarted(Schema):
    run: int
    job: str
    job_url: str
    run_url: str


def _scenario_out(scenario: Scenario) -> dict[str, Any]:
    return {
        "id": scenario.pk,
        "name": scenario.name,
        "area_code": scenario.area_code,
        "area_name": scenario.area.name,
        "walking_speed_mps": scenario.walking_speed_mps,
        "description": scenario.description,
        "created_at": scenario.created_at,
        "rules": [
            {
                "type": r.facility_type.code,
                "name": r.facility_type.name,
                "circle": r.circle,
                "distance_m": r.distance_m,
                "minutes": services.walking_minutes(r.distance_m, scenario.walking_speed_mps),
                "age_groups": r.age_groups or [],
            }
            for r in selectors.scenario_rules(scenario=scenario)
        ],
        "runs": [
            {
                "id": run.pk,
                "kind": run.kind,
                "created_at": run.created_at,
                "job": str(run.job_id) if run.job_id else None,
                "finished": run.result is not None,
            }
            for run in scenario.runs.order_by("-created_at")
        ],
    }


@router.get("/scenarios", response=list[ScenarioOut], summary="Planning scenarios of areas in my scope")
def scenario_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_scenario_out(s) for s in selectors.scenarios_visible(viewer=request.user)[:200]]


@router.post("/scenarios", response={201: ScenarioOut}, summary="Create a scenario (area, facility types, circles)")
def scenario_create(request: HttpRequest, payload: ScenarioIn) -> Status:
    scenario = services.scenario_create(
        actor=request.user,
        name=payload.name,
        area_code=payload.area_code,
        rules=[r.model_dump(exclude_none=True) for r in payload.rules],  # type: ignore[misc]
        walking_speed_mps=payload.walking_speed_mps,
        description=payload.description,
    )
    return Status(201, _scenario_out(scenario))


@router.get("/scenarios/{scenario_id}", response=ScenarioOut, summary="A scenario with its rules and runs")
def scenario_detail(request: HttpRequest, scenario_id: int) -> dict[str, Any]:
    return _scenario_out(selectors.scenario_get(viewer=request.user, pk=scenario_id))


@router.post(
    "/scenarios/{scenario_id}/runs",
    response={202: RunStarted},
    summary="Start a coverage run as a background job (follow it at /api/jobs/{job})",
)
def scenario_run(request: HttpRequest, scenario_id: int) -> Status:
    scenario = selectors.scenario_get(viewer=request.user, pk=scenario_id)
    run = services.coverage_run_start(actor=request.user, scenario=scenario)
    assert run.job_id is not None
    return Status(
        202,
        {
            "run": run.pk,
            "job": str(run.job_id),
            "job_url": reverse("api:job_detail", args=[run.job_id]),
            "run_url": reverse("api:planning_run_result", args=[run.pk]),
        },
    )


@router.get("/runs/{run_id}", url_name="planning_run_result", summary="A finished run's tables: per type and area")
def run_result(request: HttpRequest, run_id: int) -> dict[str, Any]:
    return selectors.run_result(viewer=request.user, pk=run_id)


@router.get(
    "/runs/{run_id}/layers/{layer}",
    url_name="planning_run_layer",
    summary="GeoJSON map layer of a run: points, uncovered, facilities or catchments (for one type)",
)
def run_layer(request: HttpRequest, run_id: int, layer: str, type: str | None = None) -> dict[str, Any]:
    return selectors.run_layer(viewer=request.user, pk=run_id, layer=layer, type_code=type)


@router.get("/compare", summary="Two runs of the same area: coverage % per type and area, A, B and B - A")
def run_compare(request: HttpRequest, a: int, b: int) -> dict[str, Any]:
    c = selectors.run_compare(viewer=request.user, a=a, b=b)
    return {"a": c["a"].pk, "b": c["b"].pk, "types": c["types"], "areas": c["areas"]}
