from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from linli.jobs.selectors import job_get, jobs_visible


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    return render(request, "jobs/job_list.html", {"jobs": jobs_visible(viewer=request.user)[:50]})


@login_required
def job_detail(request: HttpRequest, job_id: UUID) -> HttpResponse:
    return render(request, "jobs/job_detail.html", {"job": job_get(viewer=request.user, job_id=str(job_id))})


@login_required
def job_progress(request: HttpRequest, job_id: UUID) -> HttpResponse:
    """The progress panel alone, polled by htmx every second until the job ends."""
    return render(request, "jobs/_progress.html", {"job": job_get(viewer=request.user, job_id=str(job_id))})
