"""Background jobs of the indicators app: the annual report (a .docx and its Excel annex)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.core.permissions import Perm, require
from linli.indicators.report import report_generate
from linli.jobs.models import Job
from linli.jobs.registry import Progress, job_handler
from linli.jobs.services import job_start

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

REPORT_JOB = "indicators.report"


def report_dir() -> Path:
    path = Path(settings.DATA_DIR) / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def report_start(*, actor: AnyUser, area_code: str, year: int) -> Job:
    """Start generating the report of an area and a year in the background (district staff of the area)."""
    from linli.indicators.report import report_data  # noqa: F401  (importable before the job runs)
    from linli.indicators.selectors import parse_area

    area_code = parse_area(area_code)
    require(actor, Perm.REPORT_GENERATE, area_code)
    return job_start(
        kind=REPORT_JOB,
        title=_("Report %(year)s, area %(area)s") % {"year": year, "area": area_code},
        params={"area": area_code, "year": year},
        user=actor,  # type: ignore[arg-type]
    )


@job_handler(REPORT_JOB)
def run_report(job: Job, progress: Progress) -> dict[str, Any]:
    data, docx_bytes, annex = report_generate(
        area_code=job.params["area"], year=int(job.params["year"]), progress=progress
    )
    folder = report_dir()
    (folder / f"{job.pk}.docx").write_bytes(docx_bytes)
    (folder / f"{job.pk}.xlsx").write_bytes(annex)
    progress(6, 6, _("done"))
    return {
        "url": reverse("indicators:report-download", args=[job.pk, "docx"]),
        _("area"): data.area.name,
        _("year"): data.year,
        _("as of"): data.as_of.isoformat(),
    }
