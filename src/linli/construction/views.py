"""Pages of construction projects (载体建设): the year's board (targets against progress, delays in red,
funds not in place), the project list with filters, a project's stage timeline with its funds, land and
delay reasons (and the forms that change them), the map, projects from siting, and the year's targets
(a change shows old -> new before it is saved)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from linli.construction import selectors, services
from linli.construction.enums import FundingSource, LandKind, LandStatus, Stage
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
from linli.construction.io import targets_read, targets_workbook
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, can, require
from linli.core.tabular import XLSX
from linli.planning.siting import siting_runs_visible


def _labels() -> dict[str, str]:
    """The fields the services name in a refusal, as the forms label them."""
    labels = {
        "name": _("Name"),
        "year": _("Task year"),
        "facility_type": _("Facility type and tier"),
        "area_code": _("Area"),
        "lon": _("Longitude"),
        "lat": _("Latitude"),
        "crs": _("Longitude"),
        "address": _("Address"),
        "floor_area_m2": _("Floor area (m²)"),
        "department": _("Responsible department"),
        "description": _("Description"),
        "stage": _("Stage"),
        "completed_on": _("Completed on"),
        "source": _("Funding source"),
        "needed": _("Amount needed (10,000 yuan)"),
        "secured": _("Amount secured (10,000 yuan)"),
        "note": _("Note"),
        "kind": _("Land procedure"),
        "status": _("Status"),
        "started_on": _("Started on"),
        "done_on": _("Done on"),
        "reason": _("Reason"),
        "target": pgettext("construction", "Target"),
        "run_id": _("Siting run"),
        "site": _("Site"),
        "facility": _("Facility"),
    }
    for stage in Stage:
        labels[f"planned_{stage.value}"] = _("Planned completion: %(stage)s") % {"stage": stage.label}
    return labels


def _errors(exc: ApplicationError) -> dict[str, str]:
    """A refused input's problems keyed by the form's labels; anything but a refused input is raised again."""
    if exc.status != 400:
        raise exc
    labels = _labels()
    items = exc.extra.get("errors") or [{"field": exc.extra.get("field") or "", "message": exc.message}]
    return {labels.get(str(i.get("field") or ""), str(i.get("field") or "")): str(i["message"]) for i in items}


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year


def _form(request: HttpRequest) -> dict[str, Any]:
    return {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}


def _choices() -> dict[str, Any]:
    return {
        "stages": Stage.choices,
        "sources": FundingSource.choices,
        "land_kinds": LandKind.choices,
        "land_statuses": LandStatus.choices,
        "types": selectors.facility_types(),
    }


@login_required
def board(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    found = selectors.board(viewer=request.user, year=year, area_code=request.GET.get("area") or None)
    return render(
        request,
        "construction/board.html",
        {
            "board": found,
            "year": year,
            "years": range(timezone.localdate().year + 1, timezone.localdate().year - 4, -1),
            "areas": selectors.areas_for_targets(viewer=request.user),
            "sources": dict(FundingSource.choices),
            "manage": can(request.user, Perm.CONSTRUCTION_MANAGE),
        },
    )


def _filters(request: HttpRequest) -> selectors.ProjectFilter:
    year = request.GET.get("year", "")
    return selectors.ProjectFilter(
        year=int(year) if year.isdigit() else None,
        area_code=request.GET.get("area", "").strip() if request.GET.get("area", "").strip().isdigit() else "",
        facility_type=request.GET.get("type", ""),
        stage=request.GET.get("stage", ""),
        delayed=request.GET.get("delayed") == "1",
        short_of_funds=request.GET.get("short") == "1",
        q=request.GET.get("q", "").strip(),
    )


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    rows = selectors.projects_filtered(viewer=request.user, filters=filters)
    return render(
        request,
        "construction/project_list.html",
        {
            "rows": rows[:500],
            "count": rows.count(),
            "filters": filters,
            "areas": selectors.areas_for_targets(viewer=request.user),
            "manage": can(request.user, Perm.CONSTRUCTION_MANAGE),
            **_choices(),
        },
    )


@login_required
def project_map(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    return render(
        request,
        "construction/map.html",
        {"geojson": selectors.project_map(viewer=request.user, filters=filters), "filters": filters},
    )


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(viewer=request.user, pk=pk)
    manage = can(request.user, Perm.CONSTRUCTION_MANAGE, project.area_code)
    errors: dict[str, str] = {}
    form = request.POST.get("form", "")
    if request.method == "POST":
        require(request.user, Perm.CONSTRUCTION_MANAGE, project.area_code)
        data = _form(request)
        try:
            if form == "stage":
                services.stage_complete(actor=request.user, project=project, stage=StageIn.parse(data))
                messages.success(request, _("The stage was completed."))
            elif form == "funding":
                services.funding_set(actor=request.user, project=project, funding=FundingIn.parse(data))
                messages.success(request, _("The funding was saved."))
            elif form == "land":
                services.land_set(actor=request.user, project=project, land=LandIn.parse(data))
                messages.success(request, _("The land procedure was saved."))
            elif form == "delay":
                services.delay_reason_add(actor=request.user, project=project, reason=DelayReasonIn.parse(data))
                messages.success(request, _("The reason was saved."))
        except ApplicationError as exc:
            errors = _errors(exc)
        else:
            return redirect("construction:project-detail", pk=project.pk)
        project = selectors.project_get(viewer=request.user, pk=pk)
    timeline = selectors.project_timeline(project)
    next_stage = next((row for row in timeline if row.current), None)
    return render(
        request,
        "construction/project_detail.html",
        {
            "project": project,
            "stage_label": services.stage_label(project.stage),
            "timeline": timeline,
            "next_stage": next_stage,
            "funding": [(f, f.needed - f.secured) for f in selectors.project_funding(project)],
            "land": list(project.land.order_by("kind")),
            "reasons": list(project.delay_reasons.all()),
            "manage": manage,
            "errors": errors,
            "form": form,
            "data": request.POST,
            "today": timezone.localdate(),
            **_choices(),
        },
        status=400 if errors else 200,
    )


def _project_form(request: HttpRequest, pk: int | None) -> HttpResponse:
    project = selectors.project_get(viewer=request.user, pk=pk) if pk else None
    require(request.user, Perm.CONSTRUCTION_MANAGE, project.area_code if project else None)
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = _form(request)
        try:
            confirm = data.pop("confirm", "") == "1"
            changes = ProjectIn.parse(data)
            if project is None:
                saved = services.project_create(actor=request.user, project=changes)
            elif not confirm:
                # an edit shows what it will change before it is saved
                diff = services.project_preview(actor=request.user, project=project, changes=changes)
                labels = _labels()
                return render(
                    request,
                    "construction/project_confirm.html",
                    {
                        "project": project,
                        "diff": [(labels.get(k, k), old, new) for k, (old, new) in diff.items()],
                        "data": data,
                    },
                )
            else:
                saved = services.project_update(actor=request.user, project=project, changes=changes)
        except ApplicationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("The project was saved."))
            return redirect("construction:project-detail", pk=saved.pk)
        values: dict[str, Any] = dict(request.POST.items())
    elif project is not None:
        values = {
            "name": project.name,
            "year": project.year,
            "facility_type": project.facility_type.code,
            "area_code": project.area_code,
            "lon": project.lon,
            "lat": project.lat,
            "address": project.address,
            "floor_area_m2": project.floor_area_m2 or "",
            "department": project.department,
            "description": project.description,
        }
        for row in project.stages.all():
            values[f"planned_{row.stage}"] = row.planned_on.isoformat() if row.planned_on else ""
    else:
        values = {"year": timezone.localdate().year}
    planned = [(f"planned_{s.value}", s.label, values.get(f"planned_{s.value}", "")) for s in Stage]
    return render(
        request,
        "construction/project_form.html",
        {
            "project": project,
            "values": values,
            "planned": planned,
            "errors": errors,
            "cancel": reverse("construction:project-detail", args=[project.pk])
            if project
            else reverse("construction:project-list"),
            **_choices(),
        },
        status=400 if errors else 200,
    )


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    return _project_form(request, None)


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_form(request, pk)


@login_required
def from_siting(request: HttpRequest) -> HttpResponse:
    """Finished siting runs of the scope with their proposed sites; a site becomes a project."""
    require(request.user, Perm.CONSTRUCTION_MANAGE)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            data = _form(request)
            if data.get("facility"):
                created = services.project_for_facility(actor=request.user, data=ForFacilityIn.parse(data))
            else:
                created = services.project_from_siting(actor=request.user, data=FromSitingIn.parse(data))
        except ApplicationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("The project was created."))
            return redirect("construction:project-detail", pk=created.pk)
    runs = []
    for run in siting_runs_visible(viewer=request.user)[:20]:
        result = run.result or {}
        if result.get("status") != "ok":
            continue
        taken = selectors.siting_projects(viewer=request.user, run_id=run.pk)
        sites = [
            {
                "rank": i + 1,
                "lon": s.get("lon"),
                "lat": s.get("lat"),
                "area_code": s.get("area_code"),
                "project": taken.get(i + 1),
            }
            for i, s in enumerate(result.get("sites") or [])
        ]
        runs.append({"run": run, "type": result.get("facility_type", ""), "sites": sites})
    return render(
        request,
        "construction/from_siting.html",
        {
            "runs": runs,
            "planned": selectors.facilities_without_project(viewer=request.user)[:200],
            "errors": errors,
            "data": request.POST,
        },
        status=400 if errors else 200,
    )


@login_required
def targets(request: HttpRequest) -> HttpResponse:
    """The year's targets; setting one first shows old -> new, then saves on confirmation."""
    year = _year(request)
    manage = can(request.user, Perm.CONSTRUCTION_MANAGE)
    errors: dict[str, str] = {}
    preview = None
    if request.method == "POST":
        require(request.user, Perm.CONSTRUCTION_MANAGE)
        data = _form(request)
        try:
            target = TargetIn.parse({k: v for k, v in data.items() if k != "confirm"})
            if data.get("confirm") == "1":
                change = services.target_set(actor=request.user, target=target)
                messages.success(
                    request,
                    _("Target saved: %(type)s in %(area)s, %(old)s → %(new)s")
                    % {
                        "type": change.facility_type_name,
                        "area": change.area_name,
                        "old": "-" if change.old is None else change.old,
                        "new": change.new,
                    },
                )
                return redirect(f"{reverse('construction:targets')}?year={target.year}")
            preview = services.target_preview(actor=request.user, target=target)
        except ApplicationError as exc:
            errors = _errors(exc)
    return render(
        request,
        "construction/targets.html",
        {
            "year": year,
            "rows": selectors.target_rows(viewer=request.user, year=year),
            "areas": selectors.areas_for_targets(viewer=request.user),
            "types": selectors.facility_types(),
            "manage": manage,
            "preview": preview,
            "errors": errors,
            "data": request.POST,
        },
        status=400 if errors else 200,
    )


@login_required
def targets_export(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    content = targets_workbook(selectors.target_rows(viewer=request.user, year=year))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="construction-targets-{year}.xlsx"'
    return response


@login_required
def targets_import(request: HttpRequest) -> HttpResponse:
    """Upload a targets file: every row is checked and the changes (old -> new) shown; nothing is saved
    until they are confirmed (the confirmed rows travel with the confirmation, checked again)."""
    require(request.user, Perm.CONSTRUCTION_MANAGE)
    errors: list[dict[str, Any]] = []
    changes: list[services.TargetChange] = []
    message = ""
    if request.method == "POST" and request.POST.get("confirm") == "1":
        try:
            rows = json.loads(request.POST.get("rows") or "[]")
            targets = [TargetIn.parse(row) for row in rows if isinstance(row, dict)]
            saved = services.targets_apply(actor=request.user, targets=targets)
        except (ApplicationError, ValueError) as exc:
            message = exc.message if isinstance(exc, ApplicationError) else _("The file was not imported.")
            errors = exc.extra.get("errors", []) if isinstance(exc, ApplicationError) else []
        else:
            messages.success(request, _("%(n)d targets saved.") % {"n": sum(1 for change in saved if change.changed)})
            return redirect(reverse("construction:targets") + f"?year={saved[0].year if saved else _year(request)}")
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            message = _("Choose a file.")
        else:
            try:
                rows, found = targets_read(upload.read(), upload.name or "targets.xlsx")
                changes = services.targets_check(actor=request.user, rows=rows, errors=found)
                found.raise_if_any("invalid", _("Problems in the file; nothing was imported."))
            except ApplicationError as exc:
                if isinstance(exc, ApplicationError) and exc.status != 400:
                    raise
                message, errors, changes = exc.message, exc.extra.get("errors", []), []
    pending = [
        {"year": c.year, "area_code": c.area_code, "facility_type": c.facility_type, "target": c.new}
        for c in changes
        if c.changed
    ]
    return render(
        request,
        "construction/targets_import.html",
        {
            "changes": changes,
            "pending": json.dumps(pending),
            "has_pending": bool(pending),
            "errors": errors,
            "message": message,
        },
        status=400 if errors or message else 200,
    )
