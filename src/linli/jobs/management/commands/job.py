"""`linli job [ID]`: list recent jobs, or follow one with a progress bar until it ends."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.jobs.cli import watch
from linli.jobs.models import Job


class Command(BaseCommand):
    help = "List recent background jobs, or follow one (by id) with a progress bar."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("job_id", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["job_id"]:
            for job in Job.objects.all()[:20]:
                self.stdout.write(
                    f"{job.pk}  {job.created_at:%Y-%m-%d %H:%M}  {job.status:<9} {job.percent:>3}%  {job.title}"
                )
            return
        found = Job.objects.filter(pk=options["job_id"]).first()
        if found is None:
            raise CommandError(f"no job {options['job_id']}")
        if watch(found, stdout=self.stdout).error:
            raise CommandError("the job failed")
