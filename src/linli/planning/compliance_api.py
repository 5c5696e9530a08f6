"""Standards compliance API: the rules checked on an area, directly or as a background job."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from linli.core.errors import ApplicationError
from linli.core.inputs import Body
from linli.jobs.api import JobOut
from linli.planning.compliance import compliance_evaluate, compliance_start
from linli.planning.models import Scenario

router = Router(tags=["planning"])


class AreaRef(Schema):
    code: str
    name: str


class AreaCheckOut(Schema):
    code: str
    name: str
    value: float | None
    threshold: float | None
    passed: bool
    detail: dict[str, Any]


class RuleCheckOut(Schema):
    id: str
    kind: str
    title_zh: str
    title_en: str
    source: str
    verified: bool
    note: str
    level: str
    area_kind: str
    parameters: dict[str, Any]
    evaluated: bool
    reason: str
    areas_passed: int
    areas_failed: int
    failing: list[AreaRef]
    skipped: list[AreaRef]
    summary: dict[str, Any]
    areas: list[AreaCheckOut]


class NetworkRef(Schema):
    id: int
    name: str


class ComplianceArea(AreaRef):
    level: str


class ComplianceOut(Schema):
    area: ComplianceArea
    network: NetworkRef | None
    rules_file: str
    walking_speed_mps: float
    elapsed_s: float
    rules: list[RuleCheckOut]


class ComplianceQuery(Schema):
    area: str


class ComplianceJobIn(Body):
    area: str
    scenario: int | None = None


@router.get("/", response=ComplianceOut, url_name="planning_compliance", summary="Standards compliance of an area")
def compliance(request: HttpRequest, query: Query[ComplianceQuery]) -> dict[str, Any]:
    """Every rule of the default rules file checked on the area and the areas below it, with the failing
    areas listed. Circle rules report per community the share of residents with a complete circle."""
    return compliance_evaluate(viewer=request.user, area_code=query.area)


@router.post("/jobs", response={202: JobOut}, url_name="planning_compliance_job", summary="Check as a background job")
def compliance_job(request: HttpRequest, body: ComplianceJobIn) -> Status:
    """Starts job `planning.compliance`; with a scenario its result is kept as a planning run."""
    scenario = None
    if body.scenario is not None:
        scenario = Scenario.objects.filter(pk=body.scenario).first()
        if scenario is None:
            raise ApplicationError("not_found", _("No such scenario."), {"scenario": body.scenario}, status=404)
    job = compliance_start(actor=request.user, area_code=body.area, scenario=scenario)  # type: ignore[arg-type]
    return Status(202, job)
