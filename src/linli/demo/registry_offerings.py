"""What the demo registry's facilities offer and when: weekly opening rules and dated exceptions, the
offerings with their schedules, and this year's construction targets. `linli.demo.registry` calls these
after writing the facilities, in a fixed order (they draw from its random stream)."""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict
from decimal import Decimal

import numpy as np

from linli.catalog.models import Offering, ServiceItem, TierStandard
from linli.demo.registry_data import (
    CLOSURE_REASONS,
    DAY_NAMES,
    HOURS,
    OPEN_DAYS,
    OPTIONAL_SHARE,
    ORDINALS,
    PIPELINE,
    SPANS,
    Status,
    clock_text,
)
from linli.demo.users import DISTRICT
from linli.engine.synth import SynthArea
from linli.facilities.models import ConstructionTarget, Facility, FacilityType, OpeningException, OpeningRule


def opening_rules(
    rng: np.random.Generator, facilities: list[Facility], hours: dict[str, str], ids: dict[str, int]
) -> list[OpeningRule]:
    """The weekly opening rules of the built facilities, from their hours profile (some also open on Sundays)."""
    rules = []
    for facility in facilities:
        if facility.status != Status.BUILT:
            continue
        for days, spans in HOURS[hours[facility.code]]:
            week = (0, *days) if days[0] == 1 and rng.random() < 0.25 else days
            for weekday in week:
                for opens, closes in spans:
                    rules.append(
                        OpeningRule(
                            facility_id=ids[facility.code],
                            weekday=weekday,
                            opens=datetime.time.fromisoformat(opens),
                            closes=datetime.time.fromisoformat(closes),
                        )
                    )
    return rules


def opening_exceptions(
    rng: np.random.Generator,
    today: datetime.date,
    facilities: list[Facility],
    hours: dict[str, str],
    ids: dict[str, int],
) -> list[OpeningException]:
    """Closures and short days in the coming three months at thirty open facilities."""
    open_ones = [f for f in facilities if f.status == Status.BUILT and hours[f.code] != "residential"]
    chosen = rng.choice(len(open_ones), size=min(30, len(open_ones)), replace=False)
    exceptions = []
    for index in sorted(chosen.tolist()):
        facility = open_ones[index]
        day = today + datetime.timedelta(days=int(rng.integers(1, 90)))
        reason = str(rng.choice(CLOSURE_REASONS))
        if rng.random() < 0.65:
            exceptions.append(OpeningException(facility_id=ids[facility.code], date=day, reason=reason))
        else:
            exceptions.append(
                OpeningException(
                    facility_id=ids[facility.code],
                    date=day,
                    closed=False,
                    opens=datetime.time(9, 0),
                    closes=datetime.time(12, 0),
                    reason=f"下午{reason}，仅上午开放",
                )
            )
    return exceptions


def _slot(rng: np.random.Generator, item: ServiceItem, spans: list[tuple[int, int]]) -> str:
    """A time inside the facility's opening hours (minutes since midnight) for an item of fixed length;
    walk-in and all-day services run whenever the facility is open."""
    if item.code == "elderly-meals":
        return "11:00-12:30"
    if item.code == "after-school":
        return "16:30-18:30"
    minutes = item.duration_minutes
    if minutes is None or minutes <= 20 or minutes >= 360:
        return "开放时间内"
    starts = [start for opens, closes in spans for start in range(opens, closes - minutes + 1, 30)]
    if not starts:
        return "开放时间内"
    start = starts[int(rng.integers(len(starts)))]
    return f"{clock_text(start)}-{clock_text(start + minutes)}"


def _schedule(rng: np.random.Generator, item: ServiceItem, profile: str) -> str:
    open_days, spans = OPEN_DAYS[profile], SPANS[profile]
    frequency, slot = item.frequency, _slot(rng, item, spans)
    if "24小时" in frequency:
        return "全天24小时"
    if frequency.startswith("暑期"):
        return "暑期周一至周五 8:00-17:00"
    if frequency.startswith("按需"):
        return "预约服务（电话或线上预约）"
    if frequency.startswith("工作日"):
        return f"周一至周五 {slot}"
    if frequency.startswith("每日") or frequency.startswith("每周开放") or frequency in ("常年开放", "全年"):
        return f"每日 {slot}"
    if "工作日" in frequency:
        open_days = [d for d in open_days if d < 5] or open_days
    day = DAY_NAMES[open_days[int(rng.integers(len(open_days)))]]
    weekly = re.match(r"每周(\d+)", frequency)
    if weekly:
        size = min(int(weekly.group(1)), len(open_days))
        days = sorted(rng.choice(open_days, size=size, replace=False).tolist())
        return "每周" + "、".join(DAY_NAMES[d] for d in days) + f" {slot}"
    monthly = re.match(r"每月(\d+)次", frequency)
    if monthly:
        which = "一、三" if monthly.group(1) == "2" else ORDINALS[int(rng.integers(4))]
        return f"每月第{which}个周{day} {slot}"
    if frequency.startswith("每季度"):
        return f"每季度首月第二个周{day} {slot}"
    return f"{frequency}（具体时间另行通知）"


def offerings(
    rng: np.random.Generator,
    facilities: list[Facility],
    hours: dict[str, str],
    types: dict[str, FacilityType],
    ids: dict[str, int],
) -> list[Offering]:
    """What the built and suspended facilities offer: most of the items their type must offer (some missing,
    for the compliance pages), a share of those it may, with schedules inside the opening hours."""
    items = {item.pk: item for item in ServiceItem.objects.all()}
    hostable: dict[int, list[int]] = defaultdict(list)
    for type_id, item_id in ServiceItem.host_types.through.objects.values_list("facilitytype_id", "serviceitem_id"):
        hostable[type_id].append(item_id)
    required: dict[int, set[int]] = defaultdict(set)
    for type_id, item_id in TierStandard.required_items.through.objects.values_list(
        "tierstandard__facility_type_id", "serviceitem_id"
    ):
        required[type_id].add(item_id)
    family = {t.pk: t.family for t in types.values()}
    offerings = []
    for facility in facilities:
        if facility.status not in (Status.BUILT, Status.SUSPENDED):
            continue
        type_id = facility.facility_type_id
        must = sorted(required[type_id])
        if must and rng.random() < 0.3:
            size = 1 + int(rng.random() < 0.3 and len(must) > 1)
            dropped = set(rng.choice(must, size=size, replace=False).tolist())
            must = [i for i in must if i not in dropped]
        share = OPTIONAL_SHARE.get(family[type_id], 0.6)
        chosen = set(must) | {
            i for i in sorted(hostable[type_id]) if i not in required[type_id] and rng.random() < share
        }
        for item_id in sorted(chosen):
            item = items[item_id]
            fee_type, fee_amount = "", None
            if item.fee_amount is not None and rng.random() < 0.15:
                fee_type = item.fee_type
                fee_amount = (item.fee_amount * Decimal(str(round(rng.uniform(0.8, 1.2), 1)))).quantize(Decimal("1"))
            offerings.append(
                Offering(
                    facility_id=ids[facility.code],
                    item_id=item_id,
                    area_code=facility.area_code,
                    schedule=_schedule(rng, item, hours[facility.code]),
                    fee_type=fee_type,
                    fee_amount=fee_amount,
                    active=facility.status == Status.BUILT and rng.random() > 0.03,
                )
            )
    return offerings


def construction_targets(
    rng: np.random.Generator,
    today: datetime.date,
    facilities: list[Facility],
    towns: list[SynthArea],
    types: dict[str, FacilityType],
    area_ids: dict[str, int],
) -> list[ConstructionTarget]:
    """This year's targets per town-level area for the types under construction, and their sum for the
    district: the facilities completed this year plus most of those still in the pipeline (so some
    targets are met and some are not), and now and then a target with nothing under way."""
    year = today.year
    done: Counter[tuple[str, int]] = Counter()
    pipeline: Counter[tuple[str, int]] = Counter()
    for facility in facilities:
        key = (facility.area_code[:9], facility.facility_type_id)
        if facility.status == Status.BUILT and facility.completed_on and facility.completed_on.year == year:
            done[key] += 1
        elif facility.status in (Status.PLANNED, Status.APPROVED, Status.UNDER_CONSTRUCTION):
            pipeline[key] += 1
    rows, district_total = [], Counter[int]()
    for town in towns:
        setting = "urban" if town.kind == "urban" else "rural"
        for type_code in sorted(PIPELINE):
            facility_type = types[type_code]
            if facility_type.setting not in (setting, "both"):
                continue
            key = (town.code[:9], facility_type.pk)
            target = done[key] + sum(int(rng.random() < 0.6) for _ in range(pipeline[key]))
            if target == 0 and rng.random() < 0.15:
                target = 1
            if target:
                rows.append(_target(area_ids, year, facility_type.pk, town.code, target))
                district_total[facility_type.pk] += target
    rows += [_target(area_ids, year, type_id, DISTRICT, total) for type_id, total in sorted(district_total.items())]
    return rows


def _target(area_ids: dict[str, int], year: int, type_id: int, area_code: str, target: int) -> ConstructionTarget:
    return ConstructionTarget(
        year=year, facility_type_id=type_id, area_id=area_ids[area_code], area_code=area_code, target=target
    )
