"""Background jobs of the planning app: coverage runs; how the planning jobs show their results."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from linli.jobs.models import Job
from linli.jobs.registry import Progress, job_handler
from linli.jobs.summaries import Summary, job_summary
from linli.planning.compliance import JOB_KIND as COMPLIANCE_JOB
from linli.planning.services import COVERAGE_JOB, coverage_job_run
from linli.planning.siting_job import JOB_KIND as SITING_JOB


@job_handler(COVERAGE_JOB)
def run_coverage(job: Job, progress: Progress) -> dict[str, Any]:
    return coverage_job_run(job, progress)


@job_summary(COVERAGE_JOB)
def coverage_summary(result: dict[str, Any], job: Job) -> Summary:
    """The coverage job's result already holds labelled values (residential points, percent per type)."""
    return Summary(items=[(str(k), v) for k, v in result.items() if k not in ("run", "url")])


@job_summary(SITING_JOB)
def siting_summary(result: dict[str, Any], job: Job) -> Summary:
    gap = result.get("gap")
    return Summary(
        items=[
            (_("Sites chosen"), result.get("sites")),
            (_("Proven optimal"), pgettext("answer", "yes") if result.get("optimal") else pgettext("answer", "no")),
            (_("Gap to the best bound"), "—" if gap is None else f"{100 * float(gap):.2f}%"),
            (_("Demand covered before"), _number(result.get("covered_before"))),
            (_("Demand covered after"), _number(result.get("covered_after"))),
        ]
    )


@job_summary(COMPLIANCE_JOB)
def compliance_summary(result: dict[str, Any], job: Job) -> Summary:
    rules = result.get("rules") or []
    area = result.get("area") or {}
    return Summary(
        items=[
            (_("Area"), area.get("name", "")),
            (_("Rules checked"), sum(1 for r in rules if r.get("evaluated"))),
            (_("Rules with failing areas"), sum(1 for r in rules if r.get("areas_failed"))),
            (_("Rules not evaluated"), sum(1 for r in rules if not r.get("evaluated"))),
        ]
    )


def _number(value: Any) -> str:
    if value is None:
        return "—"
    try:
        return f"{float(value):,.0f}"
    except (TypeError, ValueError):
        return str(value)
