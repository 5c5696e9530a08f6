"""Pages: the indicator dashboard (staff, their scope), the report form and its downloads (district staff),
the open data page (everyone). Thin: selectors and services do the work."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.areas.models import Area
from linli.areas.selectors import area_ancestors, area_roots
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, can, require
from linli.indicators import opendata, selectors
from linli.indicators.jobs import REPORT_JOB, report_dir, report_start
from linli.indicators.registry import Unit
from linli.indicators.replan import replan_proposal, replan_start
from linli.jobs.models import Job


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ApplicationError("invalid", _("Date: not a date (YYYY-MM-DD)."), {"field": "date"}) from exc


def _default_area(request: HttpRequest) -> str:
    roots = list(area_roots(viewer=request.user)[:1])
    if not roots:
        raise ApplicationError("not_found", _("No area in your scope."), status=404)
    return roots[0].code


def _shown(value: float | None, unit: Unit) -> str:
    if value is None:
        return _("no data")
    if unit == Unit.PERCENT:
        return f"{value:.1f}%"
    if unit == Unit.SCORE:
        return f"{value:.2f}"
    return f"{value:,.0f}"


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.INDICATOR_VIEW)
    code = request.GET.get("area") or _default_area(request)
    board = selectors.dashboard(viewer=request.user, code=code, as_of=_date(request.GET.get("date")))
    codes = [r["indicator"].code for r in board.rows]
    chosen = request.GET.get("indicator") or ("usage.attendance_rate" if "usage.attendance_rate" in codes else codes[0])
    selected = next((r for r in board.rows if r["indicator"].code == chosen), board.rows[0] if board.rows else None)
    ind = selected["indicator"] if selected else None
    chart: dict[str, Any] = {}
    if selected and ind:
        chart = {
            "indicator": ind.name,
            "unit": ind.unit_label,
            "children": [
                {"code": child.code, "name": child.name, "value": None if cell is None else cell.value}
                for child, cell in selected["children"]
            ],
            "series": [
                {"month": p["month"], "value": p["value"]}
                for p in selectors.series(viewer=request.user, code=board.area.code, indicator=ind.code)
            ],
        }
    boundaries = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": child.boundary,
                "properties": {
                    "code": child.code,
                    "name": child.name,
                    "value": None if cell is None else cell.value,
                    "shown": _shown(None if cell is None else cell.value, ind.unit) if ind else "",
                },
            }
            for child, cell in (selected["children"] if selected else [])
            if child.boundary
        ],
    }
    rows = [
        {**r, "shown": _shown(r["cell"].value, r["indicator"].unit),
         "target_shown": "" if r["cell"].target is None else _shown(r["cell"].target, r["indicator"].unit),
         "children_shown": [(child, cell, _shown(None if cell is None else cell.value, r["indicator"].unit))
                            for child, cell in r["children"]]}
        for r in board.rows
    ]  # fmt: skip
    return render(
        request,
        "indicators/dashboard.html",
        {
            "board": board,
            "rows": rows,
            "selected": next((r for r in rows if selected and r["indicator"].code == selected["indicator"].code), None),
            "ancestors": area_ancestors(viewer=request.user, area=board.area),
            "chart": chart,
            "boundaries": boundaries,
            "may_report": can(request.user, Perm.REPORT_GENERATE, board.area.code),
            "detail_url": reverse("indicators:dashboard") + "?indicator=" + (ind.code if ind else "") + "&area=CODE",
        },
    )


@login_required
def replan(request: HttpRequest) -> HttpResponse:
    """GET: where demand outruns supply in the area (computed now from the records, so not on the dashboard
    itself); POST: start the siting run it proposes, then its job page."""
    code = request.POST.get("area") or request.GET.get("area") or _default_area(request)
    if request.method == "POST":
        try:
            run = replan_start(actor=request.user, code=code)
        except ApplicationError as exc:
            if exc.status != 400:
                raise
            reasons = [str(e.get("message", "")) for e in exc.extra.get("errors", []) if isinstance(e, dict)]
            messages.error(request, " ".join([str(exc.message), *reasons]))
            return redirect(reverse("indicators:replan") + f"?area={code}")
        return redirect("job-detail", job_id=run.job_id)
    proposal = replan_proposal(viewer=request.user, code=code)
    area = Area.objects.get(code=proposal.area_code)
    return render(
        request,
        "indicators/replan.html",
        {"proposal": proposal, "area": area, "may_plan": can(request.user, Perm.JOB_START, area.code)},
    )


@login_required
def report_form(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.REPORT_GENERATE)
    today = timezone.localdate()
    area = request.POST.get("area") or request.GET.get("area") or _default_area(request)
    year_text = request.POST.get("year") or str(today.year)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            year = int(year_text)
        except ValueError:
            errors["year"] = _("Year: a number such as %(year)s.") % {"year": today.year}
        else:
            try:
                job = report_start(actor=request.user, area_code=area, year=year)
            except ApplicationError as exc:
                errors[str(exc.extra.get("field", "area"))] = str(exc.message)
            else:
                return redirect("job-detail", job_id=job.pk)
    jobs = Job.objects.filter(kind=REPORT_JOB, created_by_id=request.user.pk).order_by("-created_at")[:10]
    areas = Area.objects.filter(level__in=["county", "town"]).order_by("code")
    scope = getattr(request.user, "scope", "")
    if scope and not request.user.is_superuser:
        areas = areas.filter(code__startswith=scope)
    return render(
        request,
        "indicators/report_form.html",
        {
            "area": area,
            "year": year_text,
            "errors": errors,
            "jobs": jobs,
            "areas": areas,
            "years": range(today.year, today.year - 5, -1),
        },
    )


@login_required
def report_download(request: HttpRequest, job_id: UUID, fmt: str) -> FileResponse:
    job = Job.objects.filter(pk=job_id, kind=REPORT_JOB).first()
    if job is None or fmt not in ("docx", "xlsx"):
        raise ApplicationError("not_found", _("No such report."), status=404)
    require(request.user, Perm.REPORT_GENERATE, job.params.get("area"))
    path = Path(report_dir()) / f"{job.pk}.{fmt}"
    if not path.exists():
        raise ApplicationError("not_found", _("The report is not ready yet."), status=404)
    name = f"linli-report-{job.params.get('area')}-{job.params.get('year')}.{fmt}"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)


def open_data(request: HttpRequest) -> HttpResponse:
    """Open data downloads for everyone: every county and sub-district/town, each dataset in each format."""
    areas = list(Area.objects.filter(level__in=["county", "town"]).order_by("code"))
    return render(
        request,
        "indicators/open_data.html",
        {"areas": areas, "datasets": opendata.DATASETS, "formats": opendata.FORMATS, "licence": opendata.LICENCE},
    )


def open_data_file(request: HttpRequest, dataset: str, fmt: str) -> HttpResponse:
    content, content_type, name = opendata.render(dataset, fmt, request.GET.get("area", ""))
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
