"""Fraud flags, computed from the ledger's earn transfers for staff review (`flags_compute`, run by the
`points_flags` command or job). Each flag has a key naming what it is about, so computing again adds only
new ones and never reopens a reviewed one.

- hours longer than the session: confirmed hours above the shift's own length (when the event gives it),
  or more than `MAX_HOURS_A_DAY` confirmed hours on one day;
- many check-ins from one device: `DEVICE_BURST` or more check-ins recorded by one device (a staff member's
  desk or phone, a kiosk) within `DEVICE_WINDOW`;
- check-ins in a burst: one resident checked in at `RESIDENT_BURST` or more sessions within
  `RESIDENT_WINDOW` (nobody attends three sessions in an hour);
- earning far above the community's norm: in the last `NORM_DAYS`, more than `NORM_FACTOR` times the
  median of the community's earning residents (and at least `NORM_MIN` points).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from linli.points.enums import FlagKind, TransferKind
from linli.points.models import FraudFlag, Transfer

MAX_HOURS_A_DAY = Decimal(12)
DEVICE_BURST = 20
DEVICE_WINDOW = dt.timedelta(minutes=5)
RESIDENT_BURST = 3
RESIDENT_WINDOW = dt.timedelta(hours=1)
NORM_DAYS = 30
NORM_FACTOR = 4
NORM_MIN = 50


def _flag(kind: FlagKind, key: str, area_code: str, resident_id: int | None, detail: dict[str, Any]) -> bool:
    if FraudFlag.objects.filter(key=key).exists():
        return False
    try:
        with transaction.atomic():
            FraudFlag.objects.create(kind=kind, key=key, area_code=area_code, resident_id=resident_id, detail=detail)
    except IntegrityError:
        return False
    return True


def _windows(
    times: list[tuple[dt.datetime, int]], size: int, window: dt.timedelta
) -> list[list[tuple[dt.datetime, int]]]:
    """Non-overlapping runs of at least `size` items (sorted by time) that fit in `window`."""
    runs = []
    start = 0
    times = sorted(times)
    while start < len(times):
        end = start
        while end + 1 < len(times) and times[end + 1][0] - times[start][0] <= window:
            end += 1
        if end - start + 1 >= size:
            runs.append(times[start : end + 1])
            start = end + 1
        else:
            start += 1
    return runs


def flags_compute(*, since: dt.datetime | None = None, now: dt.datetime | None = None, area_prefix: str = "") -> int:
    """Look for the four patterns in earns since `since` (default: the last `NORM_DAYS` days). Returns the
    number of new flags."""
    now = now or timezone.now()
    since = since or now - dt.timedelta(days=NORM_DAYS)
    earns = list(
        Transfer.objects.filter(kind=TransferKind.EARN, occurred_at__gte=since, area_code__startswith=area_prefix)
        .select_related("credit")
        .values("id", "key", "amount", "occurred_at", "area_code", "meta", "credit__user_id")
    )
    new = 0
    hours_a_day: dict[tuple[str, int, dt.date], Decimal] = defaultdict(Decimal)
    by_device: dict[tuple[str, str], list[tuple[dt.datetime, int]]] = defaultdict(list)
    by_resident: dict[tuple[str, int], list[tuple[dt.datetime, int]]] = defaultdict(list)
    earned: dict[tuple[str, int], int] = defaultdict(int)
    for e in earns:
        meta = e["meta"] or {}
        resident = e["credit__user_id"]
        area = e["area_code"]
        earned[(area, resident)] += e["amount"]
        if meta.get("event") == "organizations.hours_confirmed":
            hours = Decimal(meta.get("hours") or 0)
            shift = meta.get("shift_hours")
            if shift is not None and hours > Decimal(shift):
                new += _flag(
                    FlagKind.LONG_HOURS,
                    f"long_hours:{e['key']}",
                    area,
                    resident,
                    {"hours": str(hours), "shift_hours": str(shift), "transfer": e["id"]},
                )
            hours_a_day[(area, resident, timezone.localtime(e["occurred_at"]).date())] += hours
        elif meta.get("event") == "bookings.checked_in":
            by_device[(area, str(meta.get("device") or "kiosk"))].append((e["occurred_at"], e["id"]))
            by_resident[(area, resident)].append((e["occurred_at"], e["id"]))
    for (area, resident, day), hours in hours_a_day.items():
        if hours > MAX_HOURS_A_DAY:
            new += _flag(
                FlagKind.LONG_HOURS,
                f"long_day:{area}:{resident}:{day}",
                area,
                resident,
                {"hours": str(hours), "date": day.isoformat()},
            )
    for (area, device), times in by_device.items():
        if device == "kiosk":  # a kiosk at the door checks everybody in: only staff devices are people
            continue
        for run in _windows(times, DEVICE_BURST, DEVICE_WINDOW):
            new += _flag(
                FlagKind.DEVICE_BURST,
                f"device:{area}:{device}:{run[0][1]}",
                area,
                None,
                {"device": device, "count": len(run), "from": run[0][0].isoformat(), "to": run[-1][0].isoformat()},
            )
    for (area, resident), times in by_resident.items():
        for run in _windows(times, RESIDENT_BURST, RESIDENT_WINDOW):
            new += _flag(
                FlagKind.CHECKIN_BURST,
                f"burst:{area}:{resident}:{run[0][1]}",
                area,
                resident,
                {"count": len(run), "from": run[0][0].isoformat(), "to": run[-1][0].isoformat()},
            )
    by_area: dict[str, list[int]] = defaultdict(list)
    for (area, _resident), total in earned.items():
        by_area[area].append(total)
    for (area, resident), total in earned.items():
        median = statistics.median(by_area[area])
        if len(by_area[area]) >= 5 and total >= NORM_MIN and total > NORM_FACTOR * median:
            new += _flag(
                FlagKind.ABOVE_NORM,
                f"norm:{area}:{resident}:{now:%Y-%m}",
                area,
                resident,
                {"points": total, "median": median, "days": NORM_DAYS},
            )
    return new
