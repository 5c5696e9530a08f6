"""Background jobs of the areas app: importing a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from linli.areas.io import read_excel, read_geojson
from linli.areas.services import area_import
from linli.core.errors import ApplicationError
from linli.jobs.models import Job
from linli.jobs.registry import Progress, job_handler
from linli.jobs.services import PREVIEW, keeps_upload
from linli.jobs.summaries import import_summary, job_summary

UPLOAD_DIR = "uploads"


@job_handler("areas.import")
def run_area_import(job: Job, progress: Progress) -> dict[str, Any]:
    """A preview (the default: writes nothing, keeps the file for the confirmation) or the confirmed
    import (writes exactly what the preview showed, or nothing)."""
    path = Path(settings.DATA_DIR) / job.params["path"]
    keep = False
    reader = read_excel if job.params["format"] == "excel" else read_geojson
    try:
        with path.open("rb") as stream:
            progress(0, 1, _("reading the file"))
            rows, errors = reader(stream, progress)
        try:
            result = area_import(
                actor=job.created_by,
                rows=rows,
                errors=errors,
                source=job.params.get("name", path.name),
                progress=progress,
                dry_run=job.params.get("mode") == PREVIEW,
                expect=job.params.get("expect"),
            )
            keep = keeps_upload(job, result)
            return result
        except ApplicationError as exc:
            raise errors.amend(exc) from None
    except FileNotFoundError as exc:
        raise ApplicationError("file_missing", _("The uploaded file is gone."), {}) from exc
    finally:
        if not keep:
            path.unlink(missing_ok=True)


job_summary("areas.import")(import_summary)
