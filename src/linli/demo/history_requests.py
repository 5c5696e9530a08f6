"""Requests of the demo history: the request types, a year of requests walked through the state machine
(some overdue, some escalated, closed ones rated) and a batch open right now for the demo staff's queues."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from linli.cases.enums import EventAction, HandlingLevel, RequestState
from linli.cases.models import OPEN_STATES, RequestEvent, RequestType, ServiceRequest
from linli.cases.workdays import add_working_days, add_working_time, working_time_between
from linli.core.models import User
from linli.demo.history_context import COMMUNITY, DAY, HOUR, TOWN, HistoryContext

REQUESTS = 2000
ST = RequestState

# code, name, working days, department, level
REQUEST_TYPES: tuple[tuple[str, str, int, str, HandlingLevel], ...] = (
    ("certificate", "证明开具", 3, "社区居委会", HandlingLevel.COMMUNITY),
    ("senior-card", "老年优待证办理", 7, "区民政局", HandlingLevel.COMMUNITY),
    ("disability-card", "残疾人证办理", 15, "区残联", HandlingLevel.TOWN),
    ("medical-insurance", "医保参保登记", 5, "区医保局", HandlingLevel.COMMUNITY),
    ("minimum-living", "低保申请", 20, "区民政局", HandlingLevel.TOWN),
    ("temporary-relief", "临时救助申请", 10, "区民政局", HandlingLevel.TOWN),
    ("residence-permit", "居住证办理", 10, "区公安分局", HandlingLevel.TOWN),
    ("frontage-complaint", "门前三包投诉", 5, "街道城管科", HandlingLevel.COMMUNITY),
    ("street-light", "路灯维修", 3, "区城管局", HandlingLevel.COMMUNITY),
    ("drain-clearing", "下水道疏通", 2, "社区物业", HandlingLevel.COMMUNITY),
    ("elderly-care-subsidy", "养老服务补贴申请", 15, "区民政局", HandlingLevel.TOWN),
    ("birth-registration", "生育登记", 5, "区卫健委", HandlingLevel.COMMUNITY),
    ("employment-registration", "就业失业登记", 5, "区人社局", HandlingLevel.COMMUNITY),
)
# The kinds about a public place, listed in the public Open311 feed; the others say something personal.
PUBLIC_REQUEST_TYPES = ("street-light", "drain-clearing", "frontage-complaint")
# How often each type is filed (relative).
REQUEST_WEIGHTS = (18, 8, 3, 8, 4, 4, 6, 7, 10, 9, 5, 4, 5)
# Requests open now, on top of those of the year's history, and how many of them each demo user should
# find in their queue (of their scope, at their level).
OPEN_REQUESTS = 120
QUEUE_MIN = {"community": 8, "town": 8, "district": 6}
OVERDUE_AT_DISTRICT = 6  # open requests past their deadline at the top level (the district queue)
RATING_COMMENTS = ("", "", "办事效率高", "工作人员很耐心", "比预期慢了一些", "解决得很好，谢谢", "希望以后更快")


def request_types_load() -> int:
    """The demo's request types, each made once; returns how many were created now."""
    created = 0
    for code, name, days, department, level in REQUEST_TYPES:
        _row, was_created = RequestType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "deadline_days": days,
                "department": department,
                "handling_level": level,
                "public_listing": code in PUBLIC_REQUEST_TYPES,
            },
        )
        created += was_created
    return created


def _handler(ctx: HistoryContext, area_code: str, level: str) -> User | None:
    """The demo staff member who handles a request at its level, when it is in their scope."""
    if level == HandlingLevel.COMMUNITY and area_code.startswith("990102001001"):
        return ctx.staff.get("community")
    if level == HandlingLevel.TOWN and area_code.startswith("990102001"):
        return ctx.staff.get("town")
    return ctx.staff.get("district") if level == HandlingLevel.DISTRICT else None


def requests_load(ctx: HistoryContext) -> dict[str, int]:
    types = {t.code: t for t in RequestType.objects.filter(code__in=[r[0] for r in REQUEST_TYPES])}
    ordered = [types[r[0]] for r in REQUEST_TYPES]
    weights = np.array(REQUEST_WEIGHTS, dtype=float) / sum(REQUEST_WEIGHTS)
    requests: list[ServiceRequest] = []
    logs: list[list[RequestEvent]] = []
    for _n in range(REQUESTS):
        kind = ordered[int(ctx.rng.choice(len(ordered), p=weights))]
        resident = ctx.people[int(ctx.rng.integers(len(ctx.people)))]
        day = ctx.now - dt.timedelta(days=float(ctx.rng.random()) * 365)
        submitted = day.replace(hour=int(ctx.rng.integers(8, 20)), minute=int(ctx.rng.integers(60)))
        if submitted >= ctx.now:
            submitted -= DAY
        request, events = _request(ctx, kind, resident, submitted)
        requests.append(request)
        logs.append(events)
    return {"requests": len(requests), "request_events": _save_requests(requests, logs)}


def _request(
    ctx: HistoryContext, kind: RequestType, resident: User, submitted: dt.datetime, done_at: dt.datetime | None = None
) -> tuple[ServiceRequest, list[RequestEvent]]:
    """One request walked through the state machine up to now; with `done_at` (in the future) one
    that is still being handled."""
    cal, rng = ctx.calendar, ctx.rng
    req = ServiceRequest(
        request_type=kind,
        resident=resident,
        filed_by=resident,
        area_code=resident.home_area_code,
        description=f"申请{kind.name}，请尽快办理。",
        state=ST.SUBMITTED,
        level=kind.handling_level,
        department=kind.department,
        submitted_at=submitted,
        deadline_at=add_working_days(submitted, kind.deadline_days, cal),
    )
    events: list[RequestEvent] = []

    def event(at: dt.datetime, action: EventAction, to: str, actor: User | None = None, **extra: Any) -> None:
        # Never before the event it follows: the log is read in time order (a resume on a Sunday night
        # could otherwise come after a resolution reckoned in working time).
        at = max(at, events[-1].at) if events else at
        events.append(
            RequestEvent(at=at, actor=actor, action=action, from_state=req.state if events else "",
                         to_state=to, note=extra.pop("note", ""), detail=extra)
        )  # fmt: skip
        req.state = to

    event(submitted, EventAction.FILE, ST.SUBMITTED, resident)
    # How long it takes in working days: most well within the deadline, about one in eight late.
    late = done_at is not None
    if done_at is None:
        late = rng.random() < 0.13
        share = float(rng.uniform(1.1, 2.6)) if late else float(rng.beta(2, 3))
        done_at = add_working_time(submitted, max(0.1, share * kind.deadline_days) * DAY, cal)
    steps = sorted(ctx.moment(submitted, done_at) for _ in range(2))
    pause = rng.random() < (0.4 if done_at > ctx.now else 0.1)

    def escalate_until(moment: dt.datetime) -> None:
        while req.deadline_at + HOUR < min(moment, ctx.now) and req.level != HandlingLevel.DISTRICT:
            at = max(req.deadline_at + HOUR, events[-1].at)  # the hourly escalation job, in time order
            before, missed = req.level, req.deadline_at
            req.level = HandlingLevel.TOWN if before == HandlingLevel.COMMUNITY else HandlingLevel.DISTRICT
            req.deadline_at = add_working_days(at, kind.deadline_days, cal)
            req.escalations += 1
            events.append(
                RequestEvent(at=at, action=EventAction.ESCALATE, from_state=req.state, to_state=req.state,
                             detail={"from_level": before, "to_level": str(req.level),
                                     "missed_deadline": missed.isoformat(),
                                     "deadline_after": req.deadline_at.isoformat()})
            )  # fmt: skip

    for moment, action, state in (
        (steps[0], EventAction.ACCEPT, ST.ACCEPTED),
        (steps[1], EventAction.START, ST.IN_PROGRESS),
    ):
        escalate_until(moment)
        if moment > ctx.now:
            break
        event(moment, action, state, _handler(ctx, req.area_code, req.level))
    if req.state == ST.IN_PROGRESS and pause:
        asked = ctx.moment(steps[1], min(done_at, ctx.now))
        escalate_until(asked)
        if asked <= ctx.now:
            event(asked, EventAction.ASK_RESIDENT, ST.WAITING, _handler(ctx, req.area_code, req.level),
                  note="请补充身份证复印件和相关证明材料。")  # fmt: skip
            req.paused_at = asked
            back = asked + dt.timedelta(days=float(rng.uniform(0.5, 6)))
            if back <= ctx.now and (done_at <= ctx.now or rng.random() < 0.5):
                paused = working_time_between(asked, back, cal)
                req.deadline_at = add_working_time(req.deadline_at, paused, cal)
                done_at = done_at + paused if done_at > ctx.now else add_working_time(done_at, paused, cal)
                event(back, EventAction.RESUME, ST.IN_PROGRESS, resident, paused_working_days=paused / DAY)
                done_at = max(done_at, back)
                req.paused_at = None
    if req.state == ST.IN_PROGRESS:
        escalate_until(done_at)
        if done_at <= ctx.now:
            handler = _handler(ctx, req.area_code, req.level)
            event(done_at, EventAction.RESOLVE, ST.RESOLVED, handler, note="已按规定办结。")
            req.resolved_at, req.resolution, req.handler = done_at, "已按规定办结。", handler
            confirmed = done_at + dt.timedelta(days=float(rng.uniform(0.2, 4)))
            if confirmed <= ctx.now and rng.random() < 0.9:
                event(confirmed, EventAction.CONFIRM, ST.CLOSED, resident)
                req.closed_at = confirmed
                if rng.random() < 0.7:
                    rating = int(rng.choice([5, 5, 5, 4, 4, 3, 2, 1] if not late else [5, 4, 3, 3, 2, 1]))
                    req.rating = rating
                    req.rating_comment = RATING_COMMENTS[int(rng.integers(len(RATING_COMMENTS)))]
                    event(confirmed + HOUR, EventAction.RATE, ST.CLOSED, resident, rating=rating)
    else:
        req.handler = _handler(ctx, req.area_code, req.level) if req.state != ST.SUBMITTED else None
    return req, events


def open_requests_load(ctx: HistoryContext) -> dict[str, int]:
    """Requests still being handled now, filed from a few hours to a few deadlines ago, so that every
    state of an open request is there, some overdue and escalated, and each demo staff member finds
    a handful at their level in their scope: community 990102001001, town 990102001, the district."""
    types = {t.code: t for t in RequestType.objects.filter(code__in=[r[0] for r in REQUEST_TYPES])}
    ordered = [types[r[0]] for r in REQUEST_TYPES]
    weights = np.array(REQUEST_WEIGHTS, dtype=float) / sum(REQUEST_WEIGHTS)
    everyone = list(range(len(ctx.people)))
    town = [i for i in everyone if ctx.people[i].home_area_code.startswith(TOWN)] or everyone
    community = [i for i in town if ctx.people[i].home_area_code.startswith(COMMUNITY)] or town
    level_rank: dict[str, int] = {HandlingLevel.COMMUNITY: 0, HandlingLevel.TOWN: 1, HandlingLevel.DISTRICT: 2}
    # (residents, level wanted at the end or None for any, how many, overdue now). Overdue requests
    # stay overdue only at the district: below it the hourly job escalates them within the hour.
    plan: list[tuple[list[int], HandlingLevel | None, int, bool]] = [
        (community, HandlingLevel.COMMUNITY, QUEUE_MIN["community"], False),
        (town, HandlingLevel.TOWN, QUEUE_MIN["town"], False),
        (everyone, HandlingLevel.DISTRICT, QUEUE_MIN["district"], False),
        (everyone, HandlingLevel.DISTRICT, OVERDUE_AT_DISTRICT, True),
    ]
    plan.append((everyone, None, OPEN_REQUESTS - sum(n for _p, _l, n, _o in plan), False))
    requests: list[ServiceRequest] = []
    logs: list[list[RequestEvent]] = []
    for pool, level, wanted, overdue in plan:
        made = 0
        for _try in range(wanted * 20):
            if made == wanted:
                break
            kind = ordered[int(ctx.rng.choice(len(ordered), p=weights))]
            if level is not None and level_rank[kind.handling_level] > level_rank[level]:
                continue
            # How many deadlines ago it was filed: that many escalations, and part of the next.
            misses = 0 if level is None else level_rank[level] - level_rank[kind.handling_level]
            low, high = (0.02, 1.6) if level is None else (1.05, 1.6) if overdue else (0.05, 0.9)
            spent = misses + float(ctx.rng.uniform(low, high))
            ago = dt.timedelta(days=spent * kind.deadline_days * 7 / 5 + float(ctx.rng.uniform(0, 0.5)))
            submitted = (ctx.now - ago).replace(second=0, microsecond=0)
            resident = ctx.people[pool[int(ctx.rng.integers(len(pool)))]]
            done_at = ctx.now + dt.timedelta(days=float(ctx.rng.uniform(0.3, 5)))
            request, events = _request(ctx, kind, resident, submitted, done_at=done_at)
            if request.state not in OPEN_STATES or (level is not None and request.level != level):
                continue
            if overdue and (request.state == RequestState.WAITING or request.deadline_at >= ctx.now):
                continue  # a paused clock, or holidays moved the deadline past now
            requests.append(request)
            logs.append(events)
            made += 1
    return {"open_requests": len(requests), "open_request_events": _save_requests(requests, logs)}


def _save_requests(requests: list[ServiceRequest], logs: list[list[RequestEvent]]) -> int:
    """Write requests and their event logs; returns how many events."""
    ServiceRequest.objects.bulk_create(requests, batch_size=1000)
    events = []
    for request, log in zip(requests, logs, strict=True):
        for item in log:
            item.request = request
        events += log
    RequestEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)
