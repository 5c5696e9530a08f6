"""Background jobs of the interop app: importing a registry file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError
from linli.interop.registry_io import READERS
from linli.interop.services import IMPORT_JOB, registry_import
from linli.jobs.models import Job
from linli.jobs.registry import Progress, job_handler
from linli.jobs.services import PREVIEW, keeps_upload
from linli.jobs.summaries import import_summary, job_summary


@job_handler(IMPORT_JOB)
def run_registry_import(job: Job, progress: Progress) -> dict[str, Any]:
    """A preview (the default: writes nothing, keeps the file for the confirmation) or the confirmed
    import (writes exactly what the preview showed, or nothing)."""
    path = Path(settings.DATA_DIR) / job.params["path"]
    keep = False
    try:
        progress(0, 1, _("reading the file"))
        data = READERS[job.params["format"]](path.read_bytes(), progress)
        try:
            result = registry_import(
                actor=job.created_by,
                kind=data.kind,
                sheets=data.sheets,
                errors=data.errors,
                source=job.params.get("name", path.name),
                progress=progress,
                dry_run=job.params.get("mode") == PREVIEW,
                expect=job.params.get("expect"),
            )
            keep = keeps_upload(job, result)
            return result
        except ApplicationError as exc:
            raise data.errors.amend(exc) from None
    except FileNotFoundError as exc:
        raise ApplicationError("file_missing", _("The uploaded file is gone."), {}) from exc
    finally:
        if not keep:
            path.unlink(missing_ok=True)


job_summary(IMPORT_JOB)(import_summary)
