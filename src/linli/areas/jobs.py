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

UPLOAD_DIR = "uploads"


@job_handler("areas.import")
def run_area_import(job: Job, progress: Progress) -> dict[str, Any]:
    path = Path(settings.DATA_DIR) / job.params["path"]
    reader = read_excel if job.params["format"] == "excel" else read_geojson
    try:
        with path.open("rb") as stream:
            progress(0, 1, _("reading the file"))
            rows, errors = reader(stream, progress)
        try:
            return area_import(
                actor=job.created_by,
                rows=rows,
                errors=errors,
                source=job.params.get("name", path.name),
                progress=progress,
            )
        except ApplicationError as exc:
            raise errors.amend(exc) from None
    except FileNotFoundError as exc:
        raise ApplicationError("file_missing", _("The uploaded file is gone."), {}) from exc
    finally:
        path.unlink(missing_ok=True)
