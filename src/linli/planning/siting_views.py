"""Siting pages: ask where the next facilities should go, see the answer on a map, accept sites."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, can
from linli.planning import siting
from linli.planning.siting import candidates_name, objective_name
from linli.planning.siting_forms import SitingForm


@login_required
def siting_home(request: HttpRequest) -> HttpResponse:
    runs = list(siting.siting_runs_visible(viewer=request.user)[:30])
    for run in runs:
        run.objective_name = objective_name((run.params or {}).get("objective"))  # type: ignore[attr-defined]
        run.candidates_name = candidates_name((run.params or {}).get("candidates"))  # type: ignore[attr-defined]
    form = SitingForm(request.POST or None, viewer=request.user)
    if form.is_bound and form.is_valid():
        try:
            run = siting.siting_run_start(actor=request.user, **form.service_args())
        except ApplicationError as exc:
            form.show_errors(exc)
        else:
            return redirect("job-detail", job_id=run.job_id)
    return render(
        request,
        "planning/siting_home.html",
        {"form": form, "runs": runs, "can_start": can(request.user, Perm.JOB_START)},
        status=400 if form.errors else 200,
    )


@login_required
def siting_run(request: HttpRequest, run_id: int) -> HttpResponse:
    run = siting.siting_run_get(viewer=request.user, run_id=run_id)
    error = None
    if request.method == "POST":
        chosen = request.POST.getlist("site")
        try:
            created = siting.siting_accept(actor=request.user, run=run, site_indices=chosen)  # type: ignore[arg-type]
        except ApplicationError as exc:
            if exc.status != 400:
                raise
            error = exc
        else:
            messages.success(request, _("%(n)d planned facilities were added to the registry.") % {"n": len(created)})
            return redirect("siting-run", run_id=run.pk)
        run.refresh_from_db()
    result = run.result or {}
    accepted = result.get("accepted") or {}
    sites = [{**s, "accepted_code": accepted.get(str(s["index"]))} for s in result.get("sites", [])]
    return render(
        request,
        "planning/siting_run.html",
        {
            "run": run,
            "result": result,
            "objective_name": objective_name((run.params or {}).get("objective")),
            "sites": sites,
            "error": error,
            "can_accept": can(request.user, Perm.FACILITY_CHANGE, run.scenario.area_code),
            "map_urls": {
                "layers": reverse("api:siting_run_layers", args=[run.pk]),
                "boundaries": reverse("api:area_boundaries", args=[run.scenario.area_code]),
                "facility": reverse("facility-detail", args=["CODE"]),
            },
        },
        status=400 if error else 200,
    )
