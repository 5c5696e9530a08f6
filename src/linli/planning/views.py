"""Planning pages: scenarios, coverage runs on the map, comparison, exports. Thin: the services and
selectors do the work."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.areas.selectors import area_roots
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, can, require
from linli.planning import exports, selectors, services
from linli.planning.forms import ScenarioForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def planning_home(request: HttpRequest) -> HttpResponse:
    scenarios = selectors.scenarios_visible(viewer=request.user).prefetch_related("runs")[:100]
    runs = selectors.runs_visible(viewer=request.user).filter(result__isnull=False)[:50]
    return render(
        request,
        "planning/planning_home.html",
        {"scenarios": scenarios, "runs": runs, "can_plan": can(request.user, Perm.JOB_START)},
    )


@login_required
def scenario_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.JOB_START)
    roots = list(area_roots(viewer=request.user)[:1])
    form = ScenarioForm(
        request.POST if request.method == "POST" else None,
        viewer=request.user,
        initial_area=request.GET.get("area") or (roots[0].code if roots else None),
    )
    if form.is_bound and form.is_valid():
        try:
            scenario = services.scenario_create(actor=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            form.show_errors(exc)
        else:
            messages.success(request, _("The scenario was saved."))
            return redirect("scenario-detail", pk=scenario.pk)
    return render(
        request,
        "planning/scenario_form.html",
        {"form": form, "circles": form.circle_labels(), "custom": services.Circle.CUSTOM.value},
        status=400 if form.errors else 200,
    )


@login_required
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = selectors.scenario_get(viewer=request.user, pk=pk)
    rules = [
        {"rule": r, "minutes": services.walking_minutes(r.distance_m, scenario.walking_speed_mps)}
        for r in selectors.scenario_rules(scenario=scenario)
    ]
    return render(
        request,
        "planning/scenario_detail.html",
        {
            "scenario": scenario,
            "rules": rules,
            "runs": scenario.runs.select_related("job").order_by("-created_at"),
            "can_run": can(request.user, Perm.JOB_START, scenario.area_code),
        },
    )


@login_required
@require_POST
def scenario_run(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = selectors.scenario_get(viewer=request.user, pk=pk)
    run = services.coverage_run_start(actor=request.user, scenario=scenario)
    assert run.job is not None
    return redirect("job-detail", job_id=run.job.pk)


def _map_urls(run_pk: int, area_code: str) -> dict[str, str]:
    return {
        "layers": reverse("api:planning_run_layer", args=[run_pk, "LAYER"]),
        "boundaries": reverse("api:area_boundaries", args=[area_code]),
        "network": reverse("api:area_network") + f"?area={area_code}",
    }


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(viewer=request.user, pk=pk)
    context: dict[str, Any] = {"run": run, "scenario": run.scenario, "ready": selectors.run_ready(run)}
    if context["ready"]:
        result = run.result or {}
        types = result["types"]
        selected = request.GET.get("type") or types[0]["type"]
        if selected not in [t["type"] for t in types]:
            selected = types[0]["type"]
        context.update(
            {
                "result": result,
                "types": types,
                "selected": selected,
                "rows": [{**row, "cells": [row["types"].get(t["type"]) for t in types]} for row in result["areas"]],
                "map_urls": _map_urls(run.pk, run.scenario.area_code),
                "chart": {
                    "names": [t["name"] for t in types],
                    "percent": [t["percent"] for t in types],
                    "distance": [t["distance_m"] for t in types],
                },
                "bands": result.get("bands", []),
                "other_runs": selectors.runs_visible(viewer=request.user)
                .filter(scenario__area_code=run.scenario.area_code, result__isnull=False)
                .exclude(pk=run.pk)[:20],
            }
        )
    return render(request, "planning/run_detail.html", context)


@login_required
def run_compare(request: HttpRequest) -> HttpResponse:
    try:
        a, b = int(request.GET.get("a", "")), int(request.GET.get("b", ""))
    except ValueError:
        raise ApplicationError("bad_request", _("Choose two runs to compare."), {"field": "a"}) from None
    comparison = selectors.run_compare(viewer=request.user, a=a, b=b)
    chart = {
        "names": [t["name"] for t in comparison["types"]],
        "a": [t["a_percent"] for t in comparison["types"]],
        "b": [t["b_percent"] for t in comparison["types"]],
    }
    return render(request, "planning/run_compare.html", {"c": comparison, "chart": chart})


@login_required
def run_export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(viewer=request.user, pk=pk)
    response = HttpResponse(exports.run_workbook(run), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="linli-coverage-run-{run.pk}.xlsx"'
    return response


@login_required
def run_export_geojson(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(viewer=request.user, pk=pk)
    response = HttpResponse(exports.run_geojson(run), content_type="application/geo+json")
    response["Content-Disposition"] = f'attachment; filename="linli-coverage-run-{run.pk}.geojson"'
    return response
