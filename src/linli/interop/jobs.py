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


@job_handler(IMPORT_JOB)
def run_registry_import(job: Job, progress: Progress) -> dict[str, Any]:
    path = Path(settings.DATA_DIR) / job.params["path"]
    try:
        progress(0, 1, _("reading the file"))
        data = READERS[job.params["format"]](path.read_bytes(), progress)
        try:
            return registry_import(
                actor=job.created_by,
                kind=data.kind,
                sheets=data.sheets,
                errors=data.errors,
                source=job.params.get("name", path.name),
                progress=progress,
            )
        except ApplicationError as exc:
            raise data.errors.amend(exc) from None
    except FileNotFoundError as exc:
        raise ApplicationError("file_missing", _("The uploaded file is gone."), {}) from exc
    finally:
        path.unlink(missing_ok=True)
