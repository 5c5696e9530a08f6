"""Construction API (/api/construction/): projects with their stages, funding, land procedures and delay
reasons; a project from a siting run's site; the year's targets (preview, then set) and the board of
targets against progress; the projects as GeoJSON."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from linli.construction import selectors, services
from linli.construction.inputs import (
    DelayReasonIn,
    ForFacilityIn,
    FromSitingIn,
    FundingIn,
    LandIn,
    ProjectIn,
    StageIn,
    TargetIn,
)
from linli.construction.models import Project

router = Router(tags=["construction (载体建设)"])


class ProjectFilters(Schema):
    year: int | None = None
    area_code: str = Field("", description="a 12-digit code: the area and its subtree")
    facility_type: str = Field("", description="facility type code")
    stage: str = Field("", description="the stage reached, or 'none' (not yet approved)")
    delayed: bool = Field(False, description="only projects with a stage past its planned date")
    short_of_funds: bool = Field(False, description="only projects whose funds are not all in place")
    q: str = Field("", description="name or department contains")


class ProjectOut(Schema):
    id: int
    name: str
    year: int
    facility_type: str
    facility_type_name: str
    tier: str
    area_code: str
    area_name: str
    lon: float
    lat: float
    department: str
    stage: str = Field(description="the last stage completed; '' before approval")
    stage_label: str
    delayed: bool
    late_since: dt.date | None = Field(description="the earliest planned date passed without completion")
    needed: Decimal = Field(description="10,000 yuan")
    secured: Decimal
    funds_not_in_place: Decimal = Field(description="needed - secured")
    facility_code: str | None
    siting_run: int | None
    siting_site: int | None


class StageOut(Schema):
    stage: str
    label: str
    planned_on: dt.date | None
    completed_on: dt.date | None
    late_days: int | None
    current: bool


class FundingOut(Schema):
    source: str
    needed: Decimal
    secured: Decimal
    not_in_place: Decimal
    note: str


class LandOut(Schema):
    kind: str
    status: str
    started_on: dt.date | None
    done_on: dt.date | None
    note: str


class DelayReasonOut(Schema):
    stage: str
    reason: str
    recorded_at: dt.datetime


class ProjectDetailOut(ProjectOut):
    address: str
    floor_area_m2: int | None
    description: str
    stages: list[StageOut]
    funding: list[FundingOut]
    land: list[LandOut]
    delay_reasons: list[DelayReasonOut]


class TargetOut(Schema):
    year: int
    area_code: str
    area_name: str
    facility_type: str
    facility_type_name: str
    tier: str
    old: int | None = Field(description="the target before (None: none yet)")
    new: int
    changed: bool


class CompletionOut(Schema):
    area_code: str
    area_name: str
    facility_type: str
    facility_type_name: str
    tier: str
    target: int
    built: int
    rate: float | None = Field(description="built / target")
    in_progress: int
    delayed: int


class FundsOut(Schema):
    needed: Decimal
    secured: Decimal
    not_in_place: Decimal
    projects_short: int
    by_source: dict[str, Decimal]


class BoardOut(Schema):
    year: int
    area_code: str
    area_name: str
    rows: list[CompletionOut]
    children: list[CompletionOut]
    funds: FundsOut
    delayed: list[ProjectOut]


def project_row(p: Project) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "year": p.year,
        "facility_type": p.facility_type.code,
        "facility_type_name": p.facility_type.name,
        "tier": p.facility_type.tier,
        "area_code": p.area_code,
        "area_name": p.area.name,
        "lon": p.lon,
        "lat": p.lat,
        "department": p.department,
        "stage": p.stage,
        "stage_label": services.stage_label(p.stage),
        "delayed": p.late_since is not None,  # type: ignore[attr-defined]
        "late_since": p.late_since,  # type: ignore[attr-defined]
        "needed": p.needed,  # type: ignore[attr-defined]
        "secured": p.secured,  # type: ignore[attr-defined]
        "funds_not_in_place": p.gap,  # type: ignore[attr-defined]
        "facility_code": p.facility.code if p.facility else None,
        "siting_run": p.siting_run_id,
        "siting_site": p.siting_site,
    }


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    p = selectors.project_get(viewer=request.user, pk=pk)
    return project_row(p) | {
        "address": p.address,
        "floor_area_m2": p.floor_area_m2,
        "description": p.description,
        "stages": selectors.project_timeline(p),
        "funding": [
            {
                "source": f.source,
                "needed": f.needed,
                "secured": f.secured,
                "not_in_place": f.needed - f.secured,
                "note": f.note,
            }
            for f in selectors.project_funding(p)
        ],
        "land": list(p.land.order_by("kind")),
        "delay_reasons": list(p.delay_reasons.all()),
    }


def _completion(row: selectors.CompletionRow) -> dict[str, Any]:
    return {**row.__dict__, "rate": row.rate}


@router.get("/projects", response=list[ProjectOut], summary="Construction projects in my scope")
@paginate
def project_list(request: HttpRequest, filters: Query[ProjectFilters]) -> Any:
    found = selectors.projects_filtered(viewer=request.user, filters=selectors.ProjectFilter(**filters.dict()))
    return [project_row(p) for p in found]


@router.post("/projects", response={201: ProjectDetailOut}, summary="Add a project")
def project_create(request: HttpRequest, payload: ProjectIn) -> Status:
    created = services.project_create(actor=request.user, project=payload)
    return Status(201, _detail(request, created.pk))


@router.post("/projects/from-siting", response={201: ProjectDetailOut}, summary="A project from a siting run's site")
def project_from_siting(request: HttpRequest, payload: FromSitingIn) -> Status:
    created = services.project_from_siting(actor=request.user, data=payload)
    return Status(201, _detail(request, created.pk))


@router.post("/projects/for-facility", response={201: ProjectDetailOut}, summary="A project for a planned facility")
def project_for_facility(request: HttpRequest, payload: ForFacilityIn) -> Status:
    created = services.project_for_facility(actor=request.user, data=payload)
    return Status(201, _detail(request, created.pk))


@router.get("/projects.geojson", response=dict[str, Any], summary="Projects as GeoJSON points")
def project_map(request: HttpRequest, filters: Query[ProjectFilters]) -> Any:
    return selectors.project_map(viewer=request.user, filters=selectors.ProjectFilter(**filters.dict()))


@router.get("/projects/{pk}", response=ProjectDetailOut, summary="A project with its stages, funds and land")
def project_detail(request: HttpRequest, pk: int) -> Any:
    return _detail(request, pk)


@router.patch("/projects/{pk}", response=ProjectDetailOut, summary="Change a project's fields or planned dates")
def project_update(request: HttpRequest, pk: int, payload: ProjectIn) -> Any:
    found = selectors.project_get(viewer=request.user, pk=pk)
    services.project_update(actor=request.user, project=found, changes=payload)
    return _detail(request, pk)


@router.post("/projects/{pk}/stages", response=ProjectDetailOut, summary="Complete the next stage")
def stage_complete(request: HttpRequest, pk: int, payload: StageIn) -> Any:
    found = selectors.project_get(viewer=request.user, pk=pk)
    services.stage_complete(actor=request.user, project=found, stage=payload)
    return _detail(request, pk)


@router.put("/projects/{pk}/funding", response=ProjectDetailOut, summary="Set one funding source")
def funding_set(request: HttpRequest, pk: int, payload: FundingIn) -> Any:
    found = selectors.project_get(viewer=request.user, pk=pk)
    services.funding_set(actor=request.user, project=found, funding=payload)
    return _detail(request, pk)


@router.put("/projects/{pk}/land", response=ProjectDetailOut, summary="Set one land procedure")
def land_set(request: HttpRequest, pk: int, payload: LandIn) -> Any:
    found = selectors.project_get(viewer=request.user, pk=pk)
    services.land_set(actor=request.user, project=found, land=payload)
    return _detail(request, pk)


@router.post("/projects/{pk}/delay-reasons", response=ProjectDetailOut, summary="Record why a stage is late")
def delay_reason_add(request: HttpRequest, pk: int, payload: DelayReasonIn) -> Any:
    found = selectors.project_get(viewer=request.user, pk=pk)
    services.delay_reason_add(actor=request.user, project=found, reason=payload)
    return _detail(request, pk)


class TargetRowOut(Schema):
    year: int
    area_code: str
    area_name: str
    facility_type: str
    facility_type_name: str
    tier: str
    target: int


@router.get("/targets", response=list[TargetRowOut], summary="The year's construction targets in my scope")
def target_list(request: HttpRequest, year: int | None = None) -> Any:
    rows = selectors.target_rows(viewer=request.user, year=year or timezone.localdate().year)
    return [
        {
            "year": t.year,
            "area_code": t.area_code,
            "area_name": t.area.name,
            "facility_type": t.facility_type.code,
            "facility_type_name": t.facility_type.name,
            "tier": t.facility_type.tier,
            "target": t.target,
        }
        for t in rows
    ]


@router.post("/targets/preview", response=TargetOut, summary="What setting a target would change (old -> new)")
def target_preview(request: HttpRequest, payload: TargetIn) -> Any:
    return services.target_preview(actor=request.user, target=payload)


@router.put("/targets", response=TargetOut, summary="Set one of the year's construction targets")
def target_set(request: HttpRequest, payload: TargetIn) -> Any:
    return services.target_set(actor=request.user, target=payload)


@router.get("/board", response=BoardOut, summary="The year's targets against progress, funds and delays")
def board(request: HttpRequest, year: int | None = None, area_code: str | None = None) -> Any:
    found = selectors.board(viewer=request.user, year=year or timezone.localdate().year, area_code=area_code)
    return {
        "year": found.year,
        "area_code": found.area.code,
        "area_name": found.area.name,
        "rows": [_completion(r) for r in found.rows],
        "children": [_completion(r) for _child, rows in found.children for r in rows],
        "funds": {
            "needed": found.funds.needed,
            "secured": found.funds.secured,
            "not_in_place": found.funds.gap,
            "projects_short": found.funds.projects_short,
            "by_source": found.funds.by_source,
        },
        "delayed": [project_row(p) for p in found.delayed],
    }
