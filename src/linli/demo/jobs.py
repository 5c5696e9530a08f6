"""Loading the demo district: areas, residential points, walking network and demo users."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from linli.demo.services import demo_load
from linli.jobs.models import Job
from linli.jobs.registry import Progress, job_handler
from linli.jobs.summaries import Summary, job_summary


@job_handler("demo.load")
def run_demo_load(job: Job, progress: Progress) -> dict[str, Any]:
    return demo_load(seed=int(job.params.get("seed", 2026)), progress=progress)


@job_summary("demo.load")
def demo_summary(result: dict[str, Any], job: Job) -> Summary:
    def created(key: str) -> Any:
        part = result.get(key)
        return part.get("created", 0) if isinstance(part, dict) else "—"

    return Summary(
        items=[
            (_("Areas created"), created("areas")),
            (_("Residential points created"), created("residential_points")),
            (_("Walking network nodes"), (result.get("network") or {}).get("nodes", "—")),
            (_("Demo users created"), created("users")),
        ],
        links=[(_("Areas"), reverse("area-index")), (_("Facilities"), reverse("facility-list"))],
    )
