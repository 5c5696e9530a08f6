"""Background jobs of the points ledger: expiry (first-in first-out) and the fraud flags."""

from __future__ import annotations

from typing import Any

from linli.jobs.models import Job
from linli.jobs.registry import Progress, job_handler
from linli.points.flags import flags_compute
from linli.points.services import points_expire


@job_handler("points.expire")
def expire_job(job: Job, progress: Progress) -> dict[str, Any]:
    progress(0, 1, "expiring")
    lots = points_expire(area_prefix=str(job.params.get("area", "")))
    progress(1, 1, "done")
    return {"lots_expired": lots}


@job_handler("points.flags")
def flags_job(job: Job, progress: Progress) -> dict[str, Any]:
    progress(0, 1, "computing")
    new = flags_compute(area_prefix=str(job.params.get("area", "")))
    progress(1, 1, "done")
    return {"new_flags": new}
