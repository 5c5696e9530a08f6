from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, has_perm
from linli.jobs.models import Job

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


def jobs_visible(*, viewer: AnyUser) -> QuerySet[Job]:
    """A user sees the jobs they started; staff who may start jobs also see the system's own (started from
    the command line); a superuser sees all."""
    if not viewer.is_authenticated:
        return Job.objects.none()
    if viewer.is_superuser:
        return Job.objects.all()
    if has_perm(viewer, Perm.JOB_START):
        return Job.objects.filter(Q(created_by=viewer) | Q(created_by__isnull=True))
    return Job.objects.filter(created_by=viewer)


def job_get(*, viewer: AnyUser, job_id: str) -> Job:
    job = jobs_visible(viewer=viewer).filter(pk=job_id).first()
    if job is None:
        raise ApplicationError("not_found", _("No such job."), status=404)
    return job
