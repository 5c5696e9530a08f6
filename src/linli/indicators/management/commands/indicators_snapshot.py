"""`linli indicators_snapshot [--date YYYY-MM-DD] [--area CODE]`: compute and store every indicator for every
area (or one subtree) on a day; a past day is recomputed on demand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError
from linli.indicators.services import snapshot_take


class Command(BaseCommand):
    help = "Take (or retake) the indicator snapshot of a day."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="the day, YYYY-MM-DD (default: today)")
        parser.add_argument("--area", default="", help="only this area's subtree (12-digit code)")
        parser.add_argument("--since", help="also every day from this one (YYYY-MM-DD) up to --date, one per month-end")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(
                    _("--date: not a date (YYYY-MM-DD): %(value)s") % {"value": options["date"]}
                ) from exc
        days = [day]
        if options["since"]:
            try:
                since = dt.date.fromisoformat(options["since"])
            except ValueError as exc:
                raise CommandError(
                    _("--since: not a date (YYYY-MM-DD): %(value)s") % {"value": options["since"]}
                ) from exc
            days = [*month_ends(since, day or dt.date.today()), day]
        total = 0
        for d in days:
            try:
                n = snapshot_take(day=d, area_code=options["area"])
            except ApplicationError as exc:
                raise CommandError(str(exc.message)) from exc
            total += n
            self.stdout.write(_("%(day)s: %(rows)s figures") % {"day": d or _("today"), "rows": n})
        self.stdout.write(self.style.SUCCESS(_("snapshot rows written: %(n)s") % {"n": total}))


def month_ends(since: dt.date, until: dt.date) -> list[dt.date]:
    out = []
    d = since
    while d < until:
        nxt = (d.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        end = nxt - dt.timedelta(days=1)
        if end < until:
            out.append(end)
        d = nxt
    return out
