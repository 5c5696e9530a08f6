from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, has_perm, scope_prefix
from linli.jobs.models import Job

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


# A scope this short (a county-level district or wider) covers what the system's own jobs touch.
DISTRICT_SCOPE_DIGITS = 6


def jobs_visible(*, viewer: AnyUser) -> QuerySet[Job]:
    """A user sees the jobs they started. The system's own jobs (started from the command line: the demo,
    imports of whole files) touch the whole district, so only staff who may start jobs for a whole district
    see them, not a town's or a community's; a superuser sees all."""
    if not viewer.is_authenticated:
        return Job.objects.none()
    if viewer.is_superuser:
        return Job.objects.all()
    prefix = scope_prefix(viewer)
    if has_perm(viewer, Perm.JOB_START) and prefix is not None and len(prefix) <= DISTRICT_SCOPE_DIGITS:
        return Job.objects.filter(Q(created_by=viewer) | Q(created_by__isnull=True))
    return Job.objects.filter(created_by=viewer)


def job_get(*, viewer: AnyUser, job_id: str) -> Job:
    job = jobs_visible(viewer=viewer).filter(pk=job_id).first()
    if job is None:
        raise ApplicationError("not_found", _("No such job."), status=404)
    return job
