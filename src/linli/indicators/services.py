"""Changes of state of the indicators app: daily snapshots (taken in bulk, a day recomputed as a whole) and
targets (per indicator, area and year)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.areas.codes import prefix_of
from linli.areas.models import Area
from linli.core.errors import ApplicationError
from linli.core.models import User
from linli.core.permissions import Perm, require
from linli.indicators.models import IndicatorTarget, Snapshot
from linli.indicators.registry import TargetKind, definition
from linli.indicators.selectors import compute_all, parse_area

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


@transaction.atomic
def snapshot_take(*, day: dt.date | None = None, area_code: str = "") -> int:
    """Compute every indicator for every area (or the subtree of `area_code`) on `day` (default: today)
    from the raw rows, and store it, replacing what that day held for those areas. Returns rows written.

    A past day is recomputed on demand the same way: flows count the 365 days up to it, facilities those
    standing on it."""
    day = day or timezone.localdate()
    if day > timezone.localdate():
        raise ApplicationError("invalid", _("Date: the day has not come yet."), {"field": "date"})
    if area_code:
        area_code = parse_area(area_code)
        if not Area.objects.filter(code=area_code).exists():
            raise ApplicationError("not_found", _("No such area."), {"field": "area", "code": area_code}, status=404)
    ctx, figures = compute_all(as_of=day, area_code=area_code)
    now = timezone.now()
    rows = []
    for code, per_area in figures.items():
        ind = definition(code)
        assert ind is not None
        for area, fig in per_area.items():
            if area not in ctx.areas or not ind.applies_to(ctx.areas[area].level):
                continue
            rows.append(
                Snapshot(
                    area_code=area,
                    date=day,
                    code=code,
                    value=ind.value(fig),
                    numerator=fig.numerator,
                    denominator=fig.denominator,
                    computed_at=now,
                )
            )
    # Writers of snapshots take turns: the province rows are locked (PostgreSQL; SQLite serialises writers
    # anyway), so two runs for the same day never both insert (the unique constraint would refuse the second).
    list(Area.objects.select_for_update().filter(level="province").values_list("pk", flat=True))
    stale = Snapshot.objects.filter(date=day)
    if area_code:
        stale = stale.filter(area_code__startswith=prefix_of(area_code))
    stale.delete()
    Snapshot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@dataclass(frozen=True)
class TargetChange:
    """What setting a target changes: the value before and after (None: no target), and whether it was
    written (False for a dry run, which checks everything and shows the change first)."""

    previous: float | None
    value: float | None
    written: bool


@transaction.atomic
def target_set(
    *,
    actor: AnyUser,
    code: str,
    area_code: str,
    year: int,
    value: float | None,
    note: str = "",
    dry_run: bool = False,
) -> TargetChange:
    """Set (or with `value` None, remove) the target of an indicator for an area and a year; with `dry_run`
    only say what would change."""
    ind = definition(code)
    if ind is None:
        raise ApplicationError("invalid", _("Indicator: no such indicator."), {"field": "code", "value": code})
    if ind.target == TargetKind.NONE:
        raise ApplicationError(
            "invalid", _("Indicator: this figure is reported as it is, without a target."), {"field": "code"}
        )
    area_code = parse_area(area_code)
    require(actor, Perm.REPORT_GENERATE, area_code)
    if not Area.objects.filter(code=area_code).exists():
        raise ApplicationError("not_found", _("No such area."), {"field": "area", "code": area_code}, status=404)
    if not 2000 <= year <= 2100:
        raise ApplicationError("invalid", _("Year: between 2000 and 2100."), {"field": "year"})
    if value is not None and (value < 0 or (ind.scale == 100 and value > 100)):
        raise ApplicationError("invalid", _("Target value: out of range for this indicator."), {"field": "value"})
    existing = IndicatorTarget.objects.select_for_update().filter(code=code, area_code=area_code, year=year).first()
    previous = existing.value if existing else None
    if dry_run:
        return TargetChange(previous, value, False)
    if value is None:
        IndicatorTarget.objects.filter(code=code, area_code=area_code, year=year).delete()
        return TargetChange(previous, None, True)
    IndicatorTarget.objects.update_or_create(
        code=code,
        area_code=area_code,
        year=year,
        defaults={"value": value, "note": note, "set_by": actor if isinstance(actor, User) else None},
    )
    return TargetChange(previous, value, True)
