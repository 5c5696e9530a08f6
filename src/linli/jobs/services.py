"""Start, run and report jobs."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError
from linli.jobs.enums import JobStatus
from linli.jobs.models import Job
from linli.jobs.registry import Progress, handler_for

if TYPE_CHECKING:
    from linli.core.models import User

log = logging.getLogger(__name__)

# An import job's mode (`params["mode"]`): a preview writes nothing and keeps the uploaded file until it is
# confirmed (`job_confirm`) or discarded; the confirmed run applies what the preview showed, or nothing.
PREVIEW, APPLY = "preview", "apply"


def job_create(*, kind: str, title: str, params: dict[str, Any], user: User | None) -> Job:
    """A job waiting to run. It will run in the language active now (its messages are for this user)."""
    handler_for(kind)  # fail now, not in the worker, for an unknown kind
    params = {"language": translation.get_language() or settings.LANGUAGE_CODE, **params}
    return Job.objects.create(kind=kind, title=title, params=params, created_by=user)


def job_enqueue(*, job: Job) -> Job:
    """Hand the job to the task queue once the surrounding transaction has committed."""
    from linli.jobs.tasks import run_job

    transaction.on_commit(lambda: run_job(str(job.pk)))
    return job


def job_start(*, kind: str, title: str, params: dict[str, Any], user: User | None) -> Job:
    return job_enqueue(job=job_create(kind=kind, title=title, params=params, user=user))


class _Reporter:
    """Writes progress to the job row at most every `interval` seconds (and always at the end)."""

    def __init__(self, job: Job, interval: float = 0.3, echo: Progress | None = None) -> None:
        self.job = job
        self.interval = interval
        self.echo = echo
        self._last = 0.0

    def __call__(self, done: int, total: int, message: str = "") -> None:
        if self.echo is not None:
            self.echo(done, total, message)
        now = time.monotonic()
        if now - self._last < self.interval and done < total:
            return
        self._last = now
        self.job.done, self.job.total, self.job.message = done, total, message[:300]
        Job.objects.filter(pk=self.job.pk).update(done=done, total=total, message=message[:300])


def keeps_upload(job: Job, result: dict[str, Any]) -> bool:
    """Whether an import job keeps its uploaded file: a preview with something to change does, for the
    confirmation; anything else is done with it."""
    preview = result.get("preview") or {}
    return job.params.get("mode") == PREVIEW and any(preview.get(k) for k in ("create", "update", "delete"))


def awaits_confirmation(job: Job) -> bool:
    """A finished preview with changes, neither confirmed nor discarded yet."""
    return (
        job.status == JobStatus.SUCCEEDED
        and job.params.get("mode") == PREVIEW
        and "confirmed_by" not in job.params
        and "discarded" not in job.params
        and keeps_upload(job, job.result or {})
    )


def _claim(job: Job, actor: User, key: str, value: Any) -> None:
    """Mark a preview confirmed or discarded exactly once: the update is conditional, so of two clicks
    at the same time only one succeeds."""
    if job.created_by_id != actor.pk:
        raise ApplicationError("forbidden", _("Only the person who uploaded the file may confirm it."), status=403)
    if not awaits_confirmation(job):
        raise ApplicationError(
            "not_awaiting", _("This preview was already confirmed or discarded, or has nothing to import."), {}
        )
    claimed = (
        Job.objects.filter(pk=job.pk)
        .exclude(params__has_key="confirmed_by")
        .exclude(params__has_key="discarded")
        .update(params={**job.params, key: value})
    )
    if not claimed:
        raise ApplicationError("not_awaiting", _("This preview was already confirmed or discarded."), {})
    job.params = {**job.params, key: value}


@transaction.atomic
def job_confirm(*, actor: User, job: Job, enqueue: bool = True) -> Job:
    """Start the import that `job` previewed: the same file, refused if it would no longer write exactly
    what the preview showed."""
    params = {
        **job.params,  # its language too: the confirmed run compares its rows with the preview's, word for word
        "mode": APPLY,
        "expect": (job.result or {}).get("preview", {}).get("fingerprint"),
        "preview_of": str(job.pk),
    }
    applied = job_create(kind=job.kind, title=job.title, params=params, user=actor)
    _claim(job, actor, "confirmed_by", str(applied.pk))  # refused: the new job is rolled back
    return job_enqueue(job=applied) if enqueue else applied


@transaction.atomic
def job_discard(*, actor: User, job: Job) -> Job:
    """Drop a preview: its uploaded file is deleted and it can no longer be confirmed."""
    _claim(job, actor, "discarded", True)
    path = job.params.get("path")
    if path:
        (Path(settings.DATA_DIR) / path).unlink(missing_ok=True)
    return job


def job_run(*, job_id: str, echo: Progress | None = None) -> Job:
    """Run a job in this process: the worker calls it; `linli demo` calls it directly, with `echo`
    receiving every progress report (for a progress bar)."""
    job = Job.objects.get(pk=job_id)
    if job.finished:
        return job
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    reporter = _Reporter(job, echo=echo)
    try:
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            result = handler_for(job.kind)(job, reporter)
    except ApplicationError as exc:
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=exc.as_dict(), finished_at=timezone.now(), message=str(exc.message)[:300]
        )
    except Exception as exc:
        log.exception("job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            error={"code": "internal_error", "message": f"{type(exc).__name__}: {exc}", "detail": {}},
            finished_at=timezone.now(),
        )
    else:
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.SUCCEEDED, result=result, finished_at=timezone.now(), done=job.total or job.done
        )
    job.refresh_from_db()
    return job
