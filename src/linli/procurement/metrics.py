"""The registry of metric kinds: each computes its value for every contract of a month with ONE grouped
query (or two: the contracts' facility map and the grouped counts), never one query per contract.

A computation takes the ids of the contracts and the month's bounds and returns, per contract id, the value
(None when there was nothing to measure) and the counts it came from (the evidence shown one click away)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q, Sum

from linli.bookings.enums import RegistrationStatus
from linli.bookings.models import Registration, Session
from linli.cases.enums import RequestState
from linli.cases.models import ServiceRequest
from linli.feedback.models import Answer
from linli.procurement.enums import Metric
from linli.procurement.models import Contract, ContractFacility

Result = dict[int, tuple[Decimal | None, dict[str, Any]]]
Computation = Callable[[list[int], dt.datetime, dt.datetime], Result]


@dataclass(frozen=True)
class MetricKind:
    key: str
    compute: Computation
    unit: str


REGISTRY: dict[str, MetricKind] = {}


def metric(key: str, unit: str) -> Callable[[Computation], Computation]:
    def register(fn: Computation) -> Computation:
        REGISTRY[key] = MetricKind(key, fn, unit)
        return fn

    return register


def _d(value: float | int | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _contract_key() -> str:
    return "activity__facility__procurement_links__contract_id"


def _items(ids: list[int]) -> dict[int, set[int]]:
    """The service items each contract covers (a contract without items covers every activity of its
    facilities): one query."""
    out: dict[int, set[int]] = defaultdict(set)
    for contract_id, item_id in Contract.service_items.through.objects.filter(contract_id__in=ids).values_list(
        "contract_id", "serviceitem_id"
    ):
        out[contract_id].add(item_id)
    return out


def _covered(items: dict[int, set[int]], contract_id: int, item_id: int | None) -> bool:
    return not items.get(contract_id) or item_id in items[contract_id]


@metric(Metric.SESSIONS, "场")
def sessions_held(ids: list[int], start: dt.datetime, end: dt.datetime) -> Result:
    rows = (
        Session.objects.filter(
            starts_at__gte=start, starts_at__lt=end, activity__facility__procurement_links__contract_id__in=ids
        )
        .values(contract=F(_contract_key()), item=F("activity__item_id"))
        .annotate(n=Count("id", distinct=True))
    )
    items = _items(ids)
    found: dict[int, int] = defaultdict(int)
    for r in rows:
        if _covered(items, r["contract"], r["item"]):
            found[r["contract"]] += r["n"]
    return {i: (_d(found.get(i, 0)), {"sessions": found.get(i, 0)}) for i in ids}


@metric(Metric.CHECKINS, "人次")
def checkins(ids: list[int], start: dt.datetime, end: dt.datetime) -> Result:
    rows = (
        Registration.objects.filter(
            checked_in_at__gte=start,
            checked_in_at__lt=end,
            session__activity__facility__procurement_links__contract_id__in=ids,
        )
        .values(contract=F("session__" + _contract_key()), item=F("session__activity__item_id"))
        .annotate(n=Sum("persons"))
    )
    items = _items(ids)
    found: dict[int, int] = defaultdict(int)
    for r in rows:
        if _covered(items, r["contract"], r["item"]):
            found[r["contract"]] += r["n"] or 0
    return {i: (_d(found.get(i, 0)), {"checkins": found.get(i, 0)}) for i in ids}


@metric(Metric.ATTENDANCE, "%")
def attendance(ids: list[int], start: dt.datetime, end: dt.datetime) -> Result:
    rows = (
        Registration.objects.filter(
            session__starts_at__gte=start,
            session__starts_at__lt=end,
            status__in=[RegistrationStatus.ATTENDED, RegistrationStatus.NO_SHOW],
            session__activity__facility__procurement_links__contract_id__in=ids,
        )
        .values(contract=F("session__" + _contract_key()), item=F("session__activity__item_id"))
        .annotate(
            attended=Count("id", filter=Q(status=RegistrationStatus.ATTENDED)),
            expected=Count("id"),
        )
    )
    items = _items(ids)
    attended: dict[int, int] = defaultdict(int)
    expected: dict[int, int] = defaultdict(int)
    for r in rows:
        if _covered(items, r["contract"], r["item"]):
            attended[r["contract"]] += r["attended"]
            expected[r["contract"]] += r["expected"]
    out: Result = {}
    for i in ids:
        if not expected[i]:
            out[i] = (None, {"attended": 0, "expected": 0})
        else:
            out[i] = (_d(100 * attended[i] / expected[i]), {"attended": attended[i], "expected": expected[i]})
    return out


@metric(Metric.ON_TIME, "%")
def on_time(ids: list[int], start: dt.datetime, end: dt.datetime) -> Result:
    """Requests of the contracted facilities' communities resolved in the month, and how many on time."""
    areas: dict[str, set[int]] = defaultdict(set)
    for contract_id, code in ContractFacility.objects.filter(contract_id__in=ids).values_list(
        "contract_id", "facility__area_code"
    ):
        areas[code].add(contract_id)
    rows = (
        ServiceRequest.objects.filter(resolved_at__gte=start, resolved_at__lt=end, area_code__in=list(areas))
        .exclude(state=RequestState.SUBMITTED)
        .values("area_code")
        .annotate(done=Count("id"), on_time=Count("id", filter=Q(resolved_at__lte=F("deadline_at"))))
    )
    done: dict[int, int] = defaultdict(int)
    ok: dict[int, int] = defaultdict(int)
    for r in rows:
        for contract_id in areas[r["area_code"]]:
            done[contract_id] += r["done"]
            ok[contract_id] += r["on_time"]
    return {i: ((_d(100 * ok[i] / done[i]) if done[i] else None), {"resolved": done[i], "on_time": ok[i]}) for i in ids}


@metric(Metric.SATISFACTION, "分")
def satisfaction(ids: list[int], start: dt.datetime, end: dt.datetime) -> Result:
    """Overall ratings (1-5) of satisfaction surveys about the contracted facilities, answered in the month."""
    key = "response__survey__facility__procurement_links__contract_id"
    rows = (
        Answer.objects.filter(
            question__overall=True,
            rating__isnull=False,
            response__created_at__gte=start,
            response__created_at__lt=end,
            **{key + "__in": ids},
        )
        .values(contract=F(key))
        .annotate(mean=Avg("rating"), n=Count("id"))
    )
    found = {r["contract"]: r for r in rows}
    return {
        i: ((_d(found[i]["mean"]), {"answers": found[i]["n"]}) if i in found else (None, {"answers": 0})) for i in ids
    }


def attainment(value: Decimal | None, baseline: Decimal, target: Decimal) -> Decimal:
    """How much of the target was reached, 0..1: the value over the target (nothing measured: 0)."""
    if value is None or target <= 0:
        return Decimal("0")
    share = value / target
    return min(max(share, Decimal("0")), Decimal("1")).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
