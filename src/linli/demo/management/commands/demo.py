"""`linli demo`: load the demo district (once; running it again loads nothing twice)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from linli.demo.services import demo_refusal
from linli.demo.users import DEMO_PASSWORD, DEMO_USERS
from linli.jobs.cli import run_with_progress
from linli.jobs.services import job_create, job_enqueue


class Command(BaseCommand):
    help = (
        "Load the demo district: areas, population, residential points, walking network, the registry of "
        "facilities, operators and services, and demo users."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--queue", action="store_true", help="hand the job to the worker instead of running it here"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        refusal = demo_refusal()
        if refusal:
            raise CommandError(refusal)
        job = job_create(
            kind="demo.load", title=_("Load the demo district"), params={"seed": options["seed"]}, user=None
        )
        if options["queue"]:
            job_enqueue(job=job)
            self.stdout.write(f"queued job {job.pk}; follow it with: linli job {job.pk}")
            return
        job = run_with_progress(job, show=not options["no_progress"], stdout=self.stdout)
        if job.error:
            raise CommandError(str(job.error.get("message")))
        self.stdout.write(self.style.SUCCESS(f"demo district: {job.result}"))
        self.stdout.write(f"demo users (password {DEMO_PASSWORD}):")
        for username, role, scope, _home, name, _su in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {role.value:<16} scope={scope or '-':<13} {name}")
