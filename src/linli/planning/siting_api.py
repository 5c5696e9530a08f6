"""Siting API: start a run (a background job), read its result and map layers, accept sites as planned
facilities. Mounted at /api/planning/siting/."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from linli.core.inputs import Body
from linli.planning import siting

router = Router(tags=["planning"])


class SitingIn(Body):
    area_code: str
    facility_type: str
    objective: str = "mclp"
    k: int | None = None
    radius_m: float | None = None
    candidates: str = "idle"
    time_limit_s: float = 60


class RunOut(Schema):
    id: int
    kind: str
    params: dict[str, Any]
    job: str | None
    job_status: str | None
    result: dict[str, Any] | None
    created_at: str


class AcceptIn(Body):
    sites: list[int]
    names: list[str] | None = None


class PlannedOut(Schema):
    code: str
    name: str
    area_code: str
    lon: float
    lat: float
    status: str
    url: str


def _run_out(run: Any) -> dict[str, Any]:
    return {
        "id": run.pk,
        "kind": run.kind,
        "params": run.params,
        "job": str(run.job_id) if run.job_id else None,
        "job_status": run.job.status if run.job_id else None,
        "result": run.result,
        "created_at": run.created_at.isoformat(),
    }


@router.post("/runs", response={202: RunOut}, summary="Start a siting run (background job)")
def siting_run_create(request: HttpRequest, payload: SitingIn) -> Status:
    run = siting.siting_run_start(
        actor=request.user,
        area_code=payload.area_code,
        facility_type_code=payload.facility_type,
        objective=payload.objective,
        k=payload.k,
        radius_m=payload.radius_m,
        candidates=payload.candidates,
        time_limit_s=payload.time_limit_s,
    )
    return Status(202, _run_out(run))


@router.get("/runs", response=list[RunOut], summary="Recent siting runs in your scope")
def siting_run_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_run_out(run) for run in siting.siting_runs_visible(viewer=request.user)[:50]]


@router.get("/runs/{run_id}", response=RunOut, summary="One siting run: its sites, gains, optimality")
def siting_run_detail(request: HttpRequest, run_id: int) -> dict[str, Any]:
    return _run_out(siting.siting_run_get(viewer=request.user, run_id=run_id))


@router.get("/runs/{run_id}/layers", summary="Map layers of a siting run")
def siting_run_layers(request: HttpRequest, run_id: int) -> dict[str, Any]:
    return siting.siting_run_layers(viewer=request.user, run_id=run_id)


@router.post(
    "/runs/{run_id}/accept",
    response={201: list[PlannedOut]},
    summary="Accept sites into the registry as planned facilities",
)
def siting_run_accept(request: HttpRequest, run_id: int, payload: AcceptIn) -> Status:
    run = siting.siting_run_get(viewer=request.user, run_id=run_id)
    created = siting.siting_accept(actor=request.user, run=run, site_indices=payload.sites, names=payload.names)
    return Status(
        201,
        [
            {
                "code": f.code,
                "name": f.name,
                "area_code": f.area_code,
                "lon": f.lon,
                "lat": f.lat,
                "status": f.status,
                "url": f"/facilities/{f.code}/",
            }
            for f in created
        ],
    )
