"""Progress bars for jobs on the command line."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from linli.core.errors import ApplicationError
from linli.core.preview import summary_lines
from linli.jobs.models import Job
from linli.jobs.services import job_run


def _describe(job: Job) -> str:
    if job.error:
        detail = job.error.get("detail", {})
        lines = [_("%(title)s: failed: %(message)s") % {"title": job.title, "message": job.error.get("message")}]
        for item in detail.get("errors", [])[:50]:
            lines.append(
                _("  row %(row)s, %(field)s: %(message)s")
                % {"row": item["row"], "field": item["field"], "message": item["message"]}
            )
        return "\n".join(lines)
    return f"{job.title}: {job.get_status_display()}"


def run_with_progress(job: Job, *, show: bool, stdout: Any) -> Job:
    """Run `job` here, drawing a progress bar on stderr."""
    bar = tqdm(total=1, desc=job.title, unit="step", disable=not show, leave=True)

    def echo(done: int, total: int, message: str = "") -> None:
        bar.total = max(total, 1)
        bar.n = done
        bar.set_postfix_str(message, refresh=False)
        bar.refresh()

    finished = job_run(job_id=str(job.pk), echo=echo)
    bar.close()
    if finished.error:
        stdout.write(_describe(finished))
    return finished


def watch(job: Job, *, stdout: Any, interval: float = 0.5) -> Job:
    """Follow a job that runs elsewhere (in the worker) until it ends."""
    bar = tqdm(total=max(job.total, 1), desc=job.title, leave=True)
    while True:
        job.refresh_from_db()
        bar.total = max(job.total, 1)
        bar.n = job.done
        bar.set_postfix_str(job.message or job.get_status_display(), refresh=False)
        bar.refresh()
        if job.finished:
            break
        time.sleep(interval)
    bar.close()
    stdout.write(_describe(job))
    return job


class FileImportCommand(BaseCommand):
    """A management command `linli <name> FILE [--queue]` that starts an import job for FILE and follows it
    with a progress bar (or hands it to the worker). Subclasses say how to start the job."""

    def start(self, *, name: str, content: bytes, enqueue: bool, preview: bool) -> Job:
        raise NotImplementedError

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--queue", action="store_true", help="hand the job to the worker")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and show what would be created and changed (field: old -> new); write nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"no such file: {source}")
        try:
            job = self.start(
                name=source.name,
                content=source.read_bytes(),
                enqueue=options["queue"] and not options["dry_run"],
                preview=options["dry_run"],
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        if options["queue"] and not options["dry_run"]:
            self.stdout.write(_("queued job %(id)s; follow it with: linli job %(id)s") % {"id": job.pk})
            return
        job = run_with_progress(job, show=not options["dry_run"], stdout=self.stdout)
        if job.error:
            raise CommandError(_("nothing was imported"))
        preview = (job.result or {}).get("preview", {})
        lines = summary_lines(preview)
        if options["dry_run"]:
            Path(settings.DATA_DIR, job.params["path"]).unlink(missing_ok=True)
            self.stdout.write(_("Dry run: nothing was written."))
            self.stdout.write("\n".join(lines))
            return
        self.stdout.write(self.style.SUCCESS(_("Imported: %(summary)s") % {"summary": lines[0]}))
