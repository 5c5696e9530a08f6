"""Changes to construction projects and the year's construction targets. Every change is checked whole (a
bad value names its field, nothing is written), takes `Perm.CONSTRUCTION_MANAGE` in the project's area and
is written to the audit log.

Rules (one place each):
- stages are completed in order 立项 -> 用地 -> 设计 -> 施工 -> 验收 -> 投入运营, none skipped, each on a day that is
  not in the future and not before the previous stage's; the project row is locked while a stage completes;
- planned dates never run backwards along the stages;
- per funding source, secured <= needed (also a database constraint): money beyond the need is not counted;
- a land procedure that is done has its date, never before it started;
- the registry follows the project: a linked facility becomes approved (立项), under construction (设计 done,
  施工 starts) and built (投入运营) through `facilities.services.facility_update`; a project without a facility
  registers one through `facility_create` when it reaches 投入运营, and is linked to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.areas.enums import AreaLevel
from linli.areas.models import Area
from linli.construction.enums import STAGE_ORDER, FundingSource, LandKind, LandStatus, Stage
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
from linli.construction.models import DelayReason, Funding, LandProcedure, Project, ProjectStage
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError, RowErrors
from linli.core.permissions import Perm, in_scope, require
from linli.core.services import audit_record
from linli.facilities.enums import ConstructionStatus
from linli.facilities.inputs import FacilityIn
from linli.facilities.models import ConstructionTarget, Facility, FacilityType
from linli.facilities.services import Lookups, facility_check, facility_create, facility_update
from linli.planning.models import PlanningRun

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

MANAGE = Perm.CONSTRUCTION_MANAGE
# The registry's names of the project's fields, where they differ.
_FACILITY_FIELD = {"type": "facility_type"}
# What the registry's facility becomes when a stage is completed, and the date field it gets.
_FACILITY_STATUS = {
    Stage.APPROVAL: (ConstructionStatus.APPROVED, "approved_on"),
    Stage.DESIGN: (ConstructionStatus.UNDER_CONSTRUCTION, "construction_started_on"),
    Stage.OPERATION: (ConstructionStatus.BUILT, "completed_on"),
}


def stage_label(stage: str) -> str:
    return str(Stage(stage).label) if stage in STAGE_ORDER else _("planned, not yet approved")


def _text(value: str | None) -> str:
    return (value or "").strip()


def _choice(value: str | None, choices: Any, field: str, errors: RowErrors) -> str | None:
    given = _text(value)
    if given in choices.values:
        return given
    for option in choices:
        if given and given in (str(option.label), str(option.label).split("(")[-1].rstrip(")")):
            return str(option.value)
    if not given:
        errors.add(0, field, _("required"))
    else:
        errors.add(
            0, field, _("unknown value; one of: %(values)s") % {"values": "、".join(map(str, choices.labels))}, given
        )
    return None


def _not_future(day: dt.date | None, field: str, errors: RowErrors) -> None:
    if day is not None and day > timezone.localdate():
        errors.add(0, field, _("must not be in the future"), day)


# ------------------------------------------------------------------------------------------- projects


def _check_project(*, actor: AnyUser, data: ProjectIn, instance: Project | None, errors: RowErrors) -> dict[str, Any]:
    """Model values for the fields given (all of them for a new project). Area, type and location are
    checked as the registry checks the facility the project will become (`facility_check`)."""
    given = data.given(update=instance is not None)
    values: dict[str, Any] = {}
    if "name" in given:
        name = _text(given["name"])
        if not name:
            errors.add(0, "name", _("required"))
        elif len(name) > 100:
            errors.add(0, "name", _("at most %(n)d characters") % {"n": 100}, name)
        values["name"] = name
    if "year" in given:
        year = given["year"]
        if year is None:
            errors.add(0, "year", _("required"))
        elif not 2000 <= year <= 2100:
            errors.add(0, "year", _("a year between 2000 and 2100"), year)
        values["year"] = year
    if "department" in given:
        department = _text(given["department"])
        if not department:
            errors.add(0, "department", _("required"))
        elif len(department) > 64:
            errors.add(0, "department", _("at most %(n)d characters") % {"n": 64}, department)
        values["department"] = department
    for field, limit in (("address", 200), ("description", 5000)):
        if field in given:
            value = _text(given[field])
            if len(value) > limit:
                errors.add(0, field, _("at most %(n)d characters") % {"n": limit}, value)
            values[field] = value
    if "floor_area_m2" in given:
        values["floor_area_m2"] = given["floor_area_m2"]
    place = {k: given[k] for k in ("facility_type", "area_code", "lon", "lat") if k in given}
    if place:
        facility = FacilityIn.model_validate(
            {
                "type": place.get("facility_type", instance.facility_type.code if instance else None),
                "area_code": place.get("area_code", instance.area_code if instance else None),
                "lon": place.get("lon", instance.lon if instance else None),
                "lat": place.get("lat", instance.lat if instance else None),
            }
        )
        found = RowErrors()
        # a stand-in instance: only the four fields given are checked, as for an update of a facility
        checked = facility_check(
            actor=actor,
            facility=facility,
            row=0,
            errors=found,
            lookups=Lookups.for_rows([facility]),
            instance=Facility(),
        )
        for problem in found.errors:
            if problem["field"] in ("type", "area_code", "lon", "lat", "crs"):
                field = _FACILITY_FIELD.get(problem["field"], problem["field"])
                errors.add(0, field, problem["message"], problem.get("value"))
        if checked is not None:
            values |= {k: checked[k] for k in ("facility_type", "area", "area_code", "lon", "lat") if k in checked}
    return values


def _check_plan(data: ProjectIn, instance: Project | None, errors: RowErrors) -> dict[str, dt.date | None]:
    """The planned completion dates given, checked against the project's others: never backwards."""
    given = data.given(update=instance is not None)
    plan = {stage: given[f"planned_{stage}"] for stage in STAGE_ORDER if f"planned_{stage}" in given}
    current: dict[str, dt.date | None] = {}
    if instance is not None:
        current = {s.stage: s.planned_on for s in instance.stages.all()}
    merged = [(stage, plan.get(stage, current.get(stage))) for stage in STAGE_ORDER]
    last: tuple[str, dt.date] | None = None
    for stage, day in merged:
        if day is None:
            continue
        if last is not None and day < last[1]:
            errors.add(
                0,
                f"planned_{stage}",
                _("planned before %(stage)s (%(day)s)") % {"stage": stage_label(last[0]), "day": last[1]},
                day,
            )
        last = (stage, day)
    return plan


def _set_plan(project: Project, plan: dict[str, dt.date | None]) -> dict[str, list[str]]:
    changed: dict[str, list[str]] = {}
    rows = {s.stage: s for s in project.stages.all()}
    for stage, day in plan.items():
        row = rows.get(stage) or ProjectStage(project=project, stage=stage)
        if row.pk is None or row.planned_on != day:
            changed[f"planned_{stage}"] = [str(row.planned_on or ""), str(day or "")]
            row.planned_on = day
            row.save()
    return changed


@transaction.atomic
def project_create(
    *,
    actor: AnyUser,
    project: ProjectIn,
    facility: Facility | None = None,
    siting_run: PlanningRun | None = None,
    siting_site: int | None = None,
) -> Project:
    """A new project (stage: planned, not yet approved), optionally for a facility already in the registry
    as planned, or from a siting run's site."""
    require(actor, MANAGE)
    errors = RowErrors()
    values = _check_project(actor=actor, data=project, instance=None, errors=errors)
    plan = _check_plan(project, None, errors)
    if facility is not None and Project.objects.filter(facility=facility).exists():
        errors.add(0, "facility", _("this facility already has a project"), facility.code)
    errors.raise_if_any("invalid", _("The project was not saved."))
    created = Project.objects.create(
        **values,
        facility=facility,
        siting_run=siting_run,
        siting_site=siting_site,
        created_by=actor if actor.is_authenticated else None,
    )
    for stage in STAGE_ORDER:
        ProjectStage.objects.create(project=created, stage=stage, planned_on=plan.get(stage))
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        on=created,
        fields=sorted(values) + sorted(f"planned_{s}" for s in plan),
        detail={
            "name": created.name,
            "facility": facility.code if facility else None,
            "siting_run": siting_run.pk if siting_run else None,
            "siting_site": siting_site,
        },
    )
    return created


def project_preview(*, actor: AnyUser, project: Project, changes: ProjectIn) -> dict[str, tuple[str, str]]:
    """What `project_update` would change, field by field (old, new) as shown to people; writes nothing.
    Refused the same way as the update."""
    require(actor, MANAGE, project.area_code)
    errors = RowErrors()
    values = _check_project(actor=actor, data=changes, instance=project, errors=errors)
    plan = _check_plan(changes, project, errors)
    errors.raise_if_any("invalid", _("The project was not saved."))

    def shown(value: Any) -> str:
        if value is None or value == "":
            return "-"
        return str(getattr(value, "name", value))

    diff = {k: (shown(getattr(project, k)), shown(v)) for k, v in values.items() if getattr(project, k) != v}
    diff.pop("area", None)
    planned = {s.stage: s.planned_on for s in project.stages.all()}
    for stage, day in plan.items():
        if planned.get(stage) != day:
            diff[f"planned_{stage}"] = (shown(planned.get(stage)), shown(day))
    return diff


@transaction.atomic
def project_update(*, actor: AnyUser, project: Project, changes: ProjectIn) -> Project:
    """Change the fields sent (name, department, location, planned dates ...)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(actor, MANAGE, project.area_code)
    errors = RowErrors()
    values = _check_project(actor=actor, data=changes, instance=project, errors=errors)
    plan = _check_plan(changes, project, errors)
    if project.facility_id and {"facility_type", "area_code", "lon", "lat"} & {
        k for k, v in values.items() if getattr(project, k) != v
    }:
        errors.add(0, "facility_type", _("the project has its facility in the registry: change it there"))
    errors.raise_if_any("invalid", _("The project was not saved."))
    changed = {k: [str(getattr(project, k)), str(v)] for k, v in values.items() if getattr(project, k) != v}
    for field in changed:
        setattr(project, field, values[field])
    if changed:
        project.save()
    changed |= _set_plan(project, plan)
    if changed:
        audit_record(actor=actor, action=AuditAction.UPDATE, on=project, fields=sorted(changed), detail=changed)
    return project


@transaction.atomic
def project_from_siting(*, actor: AnyUser, data: FromSitingIn) -> Project:
    """A project for a proposed site of a finished siting run, prefilled with the site's place, the run's
    facility type and the run's reference. When the site was already accepted into the registry as a
    planned facility, the project is that facility's. One project per site (a database constraint)."""
    require(actor, MANAGE)
    # the run's row is locked: two people turning the same site into a project at once get one project
    run = (
        PlanningRun.objects.select_for_update(of=("self",))
        .select_related("scenario")
        .filter(pk=data.run_id, kind=PlanningRun.Kind.SITING)
        .first()
    )
    if run is None or not in_scope(actor, run.scenario.area_code):
        raise ApplicationError("not_found", _("No such siting run."), {"field": "run_id"}, status=404)
    result = run.result or {}
    sites = result.get("sites") or []
    if result.get("status") != "ok":
        raise ApplicationError("not_ready", _("This siting run has no result to accept."), {"field": "run_id"})
    errors = RowErrors()
    if not 1 <= data.site <= len(sites):
        errors.add(0, "site", _("not a site of this run"), data.site)
    elif Project.objects.filter(siting_run=run, siting_site=data.site).exists():
        errors.add(0, "site", _("this site already has a project"), data.site)
    errors.raise_if_any("invalid", _("The project was not saved."))
    site = sites[data.site - 1]
    facility_type = FacilityType.objects.filter(code=result.get("facility_type")).first()
    area = Area.objects.filter(code=site.get("area_code")).first()
    accepted_code = (result.get("accepted") or {}).get(str(data.site - 1))
    facility = Facility.objects.filter(code=accepted_code).first() if accepted_code else None
    type_name = facility_type.name if facility_type else ""
    name = _text(data.name) or (facility.name if facility else f"{type_name}({area.name if area else ''})")
    project = ProjectIn(
        name=name,
        year=data.year or timezone.localdate().year,
        facility_type=result.get("facility_type"),
        area_code=site.get("area_code"),
        lon=site.get("lon"),
        lat=site.get("lat"),
        address=facility.address if facility else "",
        floor_area_m2=facility.floor_area_m2 if facility else None,
        department=data.department,
        description=_("From siting run %(run)d, site %(n)d.") % {"run": run.pk, "n": data.site},
        planned_operation=data.planned_operation,
    )
    return project_create(actor=actor, project=project, facility=facility, siting_run=run, siting_site=data.site)


PIPELINE_STATUSES = (ConstructionStatus.PLANNED, ConstructionStatus.APPROVED, ConstructionStatus.UNDER_CONSTRUCTION)


@transaction.atomic
def project_for_facility(*, actor: AnyUser, data: ForFacilityIn) -> Project:
    """A project for a facility of the registry not built yet (planned, approved or under construction),
    prefilled from it; the facility follows the project's stages. One project per facility."""
    require(actor, MANAGE)
    facility = (
        Facility.objects.select_for_update(of=("self",))
        .select_related("facility_type")
        .filter(code=_text(data.facility))
        .first()
    )
    if facility is None or not in_scope(actor, facility.area_code):
        raise ApplicationError("not_found", _("No such facility."), {"field": "facility"}, status=404)
    errors = RowErrors()
    if facility.status not in PIPELINE_STATUSES:
        errors.add(0, "facility", _("only a facility not built yet starts a project"), facility.code)
    errors.raise_if_any("invalid", _("The project was not saved."))
    project = ProjectIn(
        name=facility.name,
        year=data.year or timezone.localdate().year,
        facility_type=facility.facility_type.code,
        area_code=facility.area_code,
        lon=facility.lon,
        lat=facility.lat,
        address=facility.address,
        floor_area_m2=facility.floor_area_m2,
        department=data.department,
    )
    return project_create(actor=actor, project=project, facility=facility)


def _facility_code(area_code: str) -> str:
    prefix = "C" + area_code
    used = set(Facility.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    seq = 1
    while f"{prefix}{seq:03d}" in used:
        seq += 1
    return f"{prefix}{seq:03d}"


def _follow_in_registry(actor: AnyUser | None, project: Project, stage: str, day: dt.date) -> None:
    """The registry's facility follows the stage just completed (see the module)."""
    target = _FACILITY_STATUS.get(Stage(stage))
    if target is None:
        return
    status, date_field = target
    facility = project.facility
    if facility is None:
        if stage != Stage.OPERATION:
            return
        dates = {s.stage: s.completed_on for s in project.stages.all()}
        data = {
            "code": _facility_code(project.area_code),
            "name": project.name,
            "type": project.facility_type.code,
            "area_code": project.area_code,
            "lon": project.lon,
            "lat": project.lat,
            "address": project.address,
            "floor_area_m2": project.floor_area_m2,
            "status": ConstructionStatus.BUILT,
            "planned_on": dates.get(Stage.APPROVAL),
            "approved_on": dates.get(Stage.APPROVAL),
            "construction_started_on": dates.get(Stage.DESIGN),
            "completed_on": day,
            "description": _("Built by construction project %(name)s.") % {"name": project.name},
        }
        project.facility = facility_create(actor=actor, facility=FacilityIn.model_validate(data))
        project.save(update_fields=["facility", "updated_at"])
        return
    changes: dict[str, Any] = {"status": status, date_field: day}
    if facility.planned_on is None or facility.planned_on > day:
        changes["planned_on"] = day
    if stage == Stage.OPERATION:
        # a facility that skipped the earlier syncs (linked late) still gets dates in order
        for field in ("approved_on", "construction_started_on"):
            if getattr(facility, field) is not None and getattr(facility, field) > day:
                changes[field] = day
    facility_update(actor=actor, facility=facility, changes=FacilityIn.model_validate(changes))


@transaction.atomic
def stage_complete(*, actor: AnyUser | None, project: Project, stage: StageIn) -> Project:
    """Complete the next stage on `stage.completed_on` (see the rules in the module). `actor` None is the
    demo loader."""
    project = (
        Project.objects.select_for_update(of=("self",)).select_related("facility", "facility_type").get(pk=project.pk)
    )
    if actor is not None:
        require(actor, MANAGE, project.area_code)
    errors = RowErrors()
    name = _choice(stage.stage, Stage, "stage", errors)
    errors.raise_if_any("invalid", _("The stage was not completed."))
    assert name is not None
    done = STAGE_ORDER.index(project.stage) + 1 if project.stage else 0
    wanted = STAGE_ORDER.index(name)
    rows = {s.stage: s for s in project.stages.all()}
    if wanted < done:
        errors.add(0, "stage", _("%(stage)s is completed already") % {"stage": stage_label(name)})
    elif wanted > done:
        errors.add(
            0,
            "stage",
            _("complete %(next)s first: stages are completed in order") % {"next": stage_label(STAGE_ORDER[done])},
        )
    day = stage.completed_on
    _not_future(day, "completed_on", errors)
    previous = rows.get(STAGE_ORDER[wanted - 1]) if wanted > 0 else None
    if previous is not None and previous.completed_on and day < previous.completed_on:
        errors.add(
            0,
            "completed_on",
            _("before %(stage)s was completed (%(day)s)")
            % {"stage": stage_label(previous.stage), "day": previous.completed_on},
            day,
        )
    if day.year < 2000:
        errors.add(0, "completed_on", _("a year between 2000 and 2100"), day)
    errors.raise_if_any("invalid", _("The stage was not completed."))
    row = rows.get(name) or ProjectStage(project=project, stage=name)
    row.completed_on = day
    row.save()
    old = project.stage
    project.stage = name
    project.save(update_fields=["stage", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        on=project,
        fields=["stage"],
        detail={"stage": [old, name], "completed_on": str(day)},
    )
    _follow_in_registry(actor, project, name, day)
    return project


# ------------------------------------------------------------------------------------ funds, land, delays


@transaction.atomic
def funding_set(*, actor: AnyUser, project: Project, funding: FundingIn) -> Funding:
    """Set what a project needs from one source and how much of it is secured (replaces the source's)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(actor, MANAGE, project.area_code)
    errors = RowErrors()
    source = _choice(funding.source, FundingSource, "source", errors)
    if funding.secured > funding.needed:
        errors.add(
            0, "secured", _("more than the amount needed (%(needed)s)") % {"needed": funding.needed}, funding.secured
        )
    if len(funding.note) > 200:
        errors.add(0, "note", _("at most %(n)d characters") % {"n": 200})
    errors.raise_if_any("invalid", _("The funding was not saved."))
    assert source is not None
    row = Funding.objects.filter(project=project, source=source).first() or Funding(project=project, source=source)
    before = {"needed": str(row.needed) if row.pk else "", "secured": str(row.secured) if row.pk else ""}
    row.needed, row.secured, row.note = funding.needed, funding.secured, funding.note.strip()
    row.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        on=project,
        fields=["funding"],
        detail={
            "source": source,
            "needed": [before["needed"], str(row.needed)],
            "secured": [before["secured"], str(row.secured)],
        },
    )
    return row


@transaction.atomic
def land_set(*, actor: AnyUser, project: Project, land: LandIn) -> LandProcedure:
    """Set the status and dates of one land procedure of a project."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(actor, MANAGE, project.area_code)
    errors = RowErrors()
    kind = _choice(land.kind, LandKind, "kind", errors)
    status = _choice(land.status, LandStatus, "status", errors)
    _not_future(land.started_on, "started_on", errors)
    _not_future(land.done_on, "done_on", errors)
    if status == LandStatus.DONE and land.done_on is None:
        errors.add(0, "done_on", _("required when the procedure is done"))
    if status != LandStatus.DONE and land.done_on is not None:
        errors.add(0, "done_on", _("only a procedure that is done has this date"), land.done_on)
    if status == LandStatus.NOT_STARTED and land.started_on is not None:
        errors.add(0, "started_on", _("a procedure not started has no start date"), land.started_on)
    if land.started_on and land.done_on and land.done_on < land.started_on:
        errors.add(0, "done_on", _("before it started (%(day)s)") % {"day": land.started_on}, land.done_on)
    if len(land.note) > 200:
        errors.add(0, "note", _("at most %(n)d characters") % {"n": 200})
    errors.raise_if_any("invalid", _("The land procedure was not saved."))
    assert kind is not None and status is not None
    row = LandProcedure.objects.filter(project=project, kind=kind).first() or LandProcedure(project=project, kind=kind)
    before = [row.status if row.pk else "", str(row.started_on or ""), str(row.done_on or "")]
    row.status, row.started_on, row.done_on, row.note = status, land.started_on, land.done_on, land.note.strip()
    row.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        on=project,
        fields=["land"],
        detail={"kind": kind, "before": before, "after": [status, str(land.started_on or ""), str(land.done_on or "")]},
    )
    return row


@transaction.atomic
def delay_reason_add(*, actor: AnyUser, project: Project, reason: DelayReasonIn) -> DelayReason:
    """Record why a stage is (or was) late. Whether it is late is computed, never typed."""
    require(actor, MANAGE, project.area_code)
    errors = RowErrors()
    stage = _choice(reason.stage, Stage, "stage", errors)
    text = reason.reason.strip()
    if not text:
        errors.add(0, "reason", _("required"))
    elif len(text) > 500:
        errors.add(0, "reason", _("at most %(n)d characters") % {"n": 500})
    errors.raise_if_any("invalid", _("The reason was not saved."))
    assert stage is not None
    row = DelayReason.objects.create(
        project=project, stage=stage, reason=text, recorded_by=actor if actor.is_authenticated else None
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        on=project,
        fields=["delay_reason"],
        detail={"stage": stage, "reason": text},
    )
    return row


# --------------------------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class TargetChange:
    """What saving a target changes: the old value (None: no target yet) and the new one."""

    year: int
    area_code: str
    area_name: str
    facility_type: str
    facility_type_name: str
    tier: str
    old: int | None
    new: int

    @property
    def changed(self) -> bool:
        return self.old != self.new


def _check_target(
    actor: AnyUser, target: TargetIn, errors: RowErrors, row: int = 0
) -> tuple[Area, FacilityType] | None:
    area = Area.objects.filter(code=_text(target.area_code)).first()
    if area is None:
        errors.add(row, "area_code", _("no such area"), target.area_code)
    elif area.level not in (AreaLevel.COUNTY, AreaLevel.TOWN):
        errors.add(row, "area_code", _("targets are set for a district or a sub-district/town"), target.area_code)
    elif not in_scope(actor, area.code):
        errors.add(row, "area_code", _("outside your scope"), target.area_code)
    facility_type = FacilityType.objects.filter(code=_text(target.facility_type)).first()
    if facility_type is None:
        errors.add(row, "facility_type", _("unknown facility type"), target.facility_type)
    if not 2000 <= target.year <= 2100:
        errors.add(row, "year", _("a year between 2000 and 2100"), target.year)
    if area is None or facility_type is None:
        return None
    return area, facility_type


def _change(target: TargetIn, area: Area, facility_type: FacilityType, old: int | None) -> TargetChange:
    return TargetChange(
        year=target.year,
        area_code=area.code,
        area_name=area.name,
        facility_type=facility_type.code,
        facility_type_name=facility_type.name,
        tier=facility_type.tier,
        old=old,
        new=target.target,
    )


def target_preview(*, actor: AnyUser, target: TargetIn) -> TargetChange:
    """What `target_set` would change (old -> new), writing nothing."""
    require(actor, MANAGE)
    errors = RowErrors()
    found = _check_target(actor, target, errors)
    errors.raise_if_any("invalid", _("The target was not saved."))
    assert found is not None
    area, facility_type = found
    old = (
        ConstructionTarget.objects.filter(year=target.year, area=area, facility_type=facility_type)
        .values_list("target", flat=True)
        .first()
    )
    return _change(target, area, facility_type, old)


@transaction.atomic
def target_set(*, actor: AnyUser, target: TargetIn) -> TargetChange:
    """Set one of the year's construction targets (created or replaced); the change is audited."""
    require(actor, MANAGE)
    errors = RowErrors()
    found = _check_target(actor, target, errors)
    errors.raise_if_any("invalid", _("The target was not saved."))
    assert found is not None
    area, facility_type = found
    row, created = ConstructionTarget.objects.select_for_update().get_or_create(
        year=target.year,
        area=area,
        facility_type=facility_type,
        defaults={"area_code": area.code, "target": target.target},
    )
    old = None if created else row.target
    if not created and row.target != target.target:
        row.target = target.target
        row.save(update_fields=["target"])
    if created or old != target.target:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            on=row,
            fields=["target"],
            detail={"year": target.year, "area": area.code, "type": facility_type.code, "target": [old, target.target]},
        )
    return _change(target, area, facility_type, old)


def targets_check(*, actor: AnyUser, rows: list[tuple[int, dict[str, Any]]], errors: RowErrors) -> list[TargetChange]:
    """Every row of a targets file checked (problems added to `errors` by row and field) and what saving it
    would change (old -> new); writes nothing. The same area and type twice in one file is refused."""
    require(actor, MANAGE)
    changes: list[TargetChange] = []
    seen: dict[tuple[int, str, str], int] = {}
    for number, raw in rows:
        target = TargetIn.parse_row(raw, number, errors)
        if target is None:
            continue
        found = _check_target(actor, target, errors, number)
        if found is None:
            continue
        area, facility_type = found
        key = (target.year, area.code, facility_type.code)
        if key in seen:
            errors.add(number, "facility_type", _("given twice (row %(row)d)") % {"row": seen[key]}, facility_type.code)
            continue
        seen[key] = number
        old = (
            ConstructionTarget.objects.filter(year=target.year, area=area, facility_type=facility_type)
            .values_list("target", flat=True)
            .first()
        )
        changes.append(_change(target, area, facility_type, old))
    if not rows:
        errors.add(0, "target", _("the file has no rows"))
    return changes


@transaction.atomic
def targets_apply(*, actor: AnyUser, targets: list[TargetIn]) -> list[TargetChange]:
    """Save several targets at once (all or nothing), each as `target_set`."""
    require(actor, MANAGE)
    errors = RowErrors()
    for n, target in enumerate(targets, start=1):
        _check_target(actor, target, errors, n)
    errors.raise_if_any("invalid", _("The target was not saved."))
    return [target_set(actor=actor, target=target) for target in targets]
