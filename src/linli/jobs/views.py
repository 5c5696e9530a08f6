from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, require
from linli.jobs.models import Job
from linli.jobs.selectors import job_get, jobs_visible
from linli.jobs.services import PREVIEW, awaits_confirmation, job_confirm, job_discard
from linli.jobs.summaries import summary_of

PAGE_SIZE = 25


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.AREA_VIEW)  # staff: residents start no jobs and have no list of them
    page = Paginator(jobs_visible(viewer=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "jobs/job_list.html", {"page": page, "jobs": page.object_list})


def _context(request: HttpRequest, job: Job, error: ApplicationError | None = None) -> dict[str, Any]:
    result = job.result if isinstance(job.result, dict) else {}
    preview = result.get("preview") if isinstance(result.get("preview"), dict) else None
    return {
        "job": job,
        "summary": summary_of(job),
        "preview": preview,
        "is_preview": job.params.get("mode") == PREVIEW,
        "awaiting": awaits_confirmation(job) and job.created_by_id == request.user.pk,
        "confirmed_by": job.params.get("confirmed_by"),
        "discarded": bool(job.params.get("discarded")),
        "action_error": error,
    }


@login_required
def job_detail(request: HttpRequest, job_id: UUID) -> HttpResponse:
    """A job's progress and result; for an import's preview, what it would change and the buttons to
    confirm (POST action=confirm: the import of exactly this) or discard it."""
    job = job_get(viewer=request.user, job_id=str(job_id))
    if request.method == "POST":
        try:
            if request.POST.get("action") == "confirm":
                applied = job_confirm(actor=request.user, job=job)  # type: ignore[arg-type]
                return redirect("job-detail", job_id=applied.pk)
            if request.POST.get("action") == "discard":
                job_discard(actor=request.user, job=job)  # type: ignore[arg-type]
                return redirect("job-detail", job_id=job.pk)
            raise ApplicationError("bad_action", "unknown action", {})
        except ApplicationError as exc:
            if exc.status == 403:
                raise
            job.refresh_from_db()
            return render(request, "jobs/job_detail.html", _context(request, job, exc), status=400)
    return render(request, "jobs/job_detail.html", _context(request, job))


@login_required
def job_progress(request: HttpRequest, job_id: UUID) -> HttpResponse:
    """The progress panel alone, polled by htmx every second until the job ends."""
    job = job_get(viewer=request.user, job_id=str(job_id))
    return render(request, "jobs/_progress.html", _context(request, job))
