"""`linli calendar_load [--year Y ...]`: load the official public holidays and make-up working days from
the chinesecalendar package; `linli calendar_load --file 2027.csv` (or .xlsx; columns date, kind, name)
replaces the years in the file from the admin's own data file, for a year the package does not know yet.
Open requests whose deadlines were counted provisionally in a loaded year are re-timed on it (each move is
in the request's log)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases.services import requests_retime
from linli.cases.workdays import WorkCalendar
from linli.core.calendar import calendar_file_load, calendar_load, calendar_years
from linli.core.errors import ApplicationError
from linli.core.preview import summary_lines

# a deadline is at most a year and a half of working days away (cases.services.MAX_DEADLINE_DAYS)
YEARS_AHEAD = 2


def _problems(exc: ApplicationError) -> str:
    problems = [
        _("row %(row)s, %(field)s: %(message)s") % {"row": e["row"], "field": e["field"], "message": e["message"]}
        for e in exc.extra.get("errors", [])
    ]
    return "\n".join([str(exc.message), *problems])


class Command(BaseCommand):
    help = "Load public holidays and make-up working days (调休) from the chinesecalendar package."

    def add_arguments(self, parser: Any) -> None:
        years = calendar_years()
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            dest="years",
            help=f"a year to load (repeatable; default: every year the package knows, {years[0]}-{years[-1]})",
        )

        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="with --file: show the days the file would add, change and remove; write nothing",
        )
        parser.add_argument(
            "--file",
            help="a CSV or .xlsx file with the columns date, kind (holiday/workday or 休/班), name: replaces "
            "the calendar of every year it lists",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            if not options["file"]:
                raise CommandError(_("--dry-run previews a calendar file: give it with --file"))
            try:
                loaded = calendar_file_load(options["file"], dry_run=True)
            except ApplicationError as exc:
                raise CommandError(_problems(exc)) from exc
            self.stdout.write(_("Dry run: nothing was written."))
            self.stdout.write("\n".join(summary_lines(loaded["preview"])))
            return
        this_year = timezone.localdate().year
        # the calendar the open requests' deadlines were counted on, read before it changes
        before = WorkCalendar().preload(range(this_year, this_year + YEARS_AHEAD + 1))
        with transaction.atomic():
            years = self.load(options)
            moved = requests_retime(years=years, before=before)
        if moved:
            self.stdout.write(f"{moved} open requests re-timed on the loaded calendar")

    def load(self, options: dict[str, Any]) -> list[int]:
        if options["file"]:
            try:
                loaded = calendar_file_load(options["file"])
            except ApplicationError as exc:
                raise CommandError(_problems(exc)) from exc
            self.stdout.write(
                self.style.SUCCESS(
                    f"calendar {', '.join(map(str, loaded['years']))}: {loaded['days']} days "
                    f"(replacing {loaded['replaced']})"
                )
            )
            return list(loaded["years"])
        try:
            result = calendar_load(options["years"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(self.style.SUCCESS(f"calendar: {result['created']} created, {result['updated']} updated"))
        return list(options["years"] or calendar_years())
