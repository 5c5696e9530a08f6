"""Background jobs of the planning app: coverage runs."""

from __future__ import annotations

from typing import Any

from linli.jobs.models import Job
from linli.jobs.registry import Progress, job_handler
from linli.planning.services import COVERAGE_JOB, coverage_job_run


@job_handler(COVERAGE_JOB)
def run_coverage(job: Job, progress: Progress) -> dict[str, Any]:
    return coverage_job_run(job, progress)
