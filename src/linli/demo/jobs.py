"""Loading the demo district: areas, residential points, walking network and demo users."""

from __future__ import annotations

from typing import Any

from linli.demo.services import demo_load
from linli.jobs.models import Job
from linli.jobs.registry import Progress, job_handler


@job_handler("demo.load")
def run_demo_load(job: Job, progress: Progress) -> dict[str, Any]:
    return demo_load(seed=int(job.params.get("seed", 2026)), progress=progress)
