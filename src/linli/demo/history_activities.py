"""Activities of the demo history: one-off and weekly series at the activity centres over the past year and
the next month, always inside the opening hours, their sessions, and registrations with check-ins and no-shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from linli.bookings import codes
from linli.bookings.enums import RegistrationStatus
from linli.bookings.models import Activity, Registration, Session
from linli.demo.history_context import COMMUNITY, DAY, HOSTS, HistoryContext
from linli.demo.users import DISTRICT
from linli.facilities.enums import ConstructionStatus
from linli.facilities.hours import OpeningHours
from linli.facilities.models import Facility

ACTIVITIES = 300
RS = RegistrationStatus

# title, domain, capacity range, minimum age, (weekday, start hour, hours) of a series
ACTIVITY_KINDS: tuple[tuple[str, str, tuple[int, int], int | None], ...] = (
    ("太极拳晨练", "sports", (15, 30), None),
    ("广场舞培训", "sports", (20, 40), None),
    ("老年人智能手机课堂", "elderly", (10, 20), 60),
    ("健康讲座：高血压防治", "health", (30, 60), None),
    ("免费测血压血糖", "health", (20, 40), None),
    ("书法兴趣班", "culture", (10, 20), None),
    ("儿童绘本阅读会", "education", (10, 20), None),
    ("四点半课堂", "education", (15, 30), None),
    ("长者生日会", "elderly", (20, 40), 60),
    ("防诈骗宣传讲座", "government", (30, 60), None),
    ("垃圾分类知识讲座", "government", (20, 50), None),
    ("亲子手工坊", "education", (8, 16), None),
    ("合唱团排练", "culture", (15, 30), None),
    ("中医养生讲堂", "health", (20, 40), None),
    ("志愿服务培训", "culture", (15, 30), None),
)
COMMUNITY_ACTIVITIES = 12  # of the ACTIVITIES, at the demo community's own centres


def activities_load(ctx: HistoryContext) -> dict[str, int]:
    hosts = list(
        Facility.objects.filter(
            area_code__startswith=DISTRICT[:6], status=ConstructionStatus.BUILT, facility_type__code__in=HOSTS
        ).order_by("code")
    )
    if not hosts:
        return {"activities": 0, "sessions": 0, "registrations": 0}
    today = timezone.localdate(ctx.now)  # sessions fall from a year ago to a month ahead
    opening = OpeningHours.for_facilities(hosts, today - 366 * DAY, today + 60 * DAY)

    def fits(facility: Facility, day: dt.date, hour: int, hours: int) -> bool:
        """Whether hour:00 for `hours` lies inside the opening hours of `facility` on `day`, as
        publishing an activity demands."""
        starts = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
        return opening.within(facility.pk, starts, starts + dt.timedelta(hours=hours))

    activities: list[Activity] = []
    plans: list[tuple[list[dt.date], int, int, int, int | None]] = []
    # The demo community's own centres run some of them, recent and upcoming, so that the `community`
    # user has sessions to manage and residents there have something to register for.
    own = [f for f in hosts if f.area_code == COMMUNITY] or hosts
    while len(activities) < ACTIVITIES:
        local = len(activities) < COMMUNITY_ACTIVITIES
        pool = own if local else hosts
        facility = pool[int(ctx.rng.integers(len(pool)))]
        title, domain, (low, high), min_age = ACTIVITY_KINDS[int(ctx.rng.integers(len(ACTIVITY_KINDS)))]
        hours = int(ctx.rng.choice([1, 2, 2, 3]))
        first = today + dt.timedelta(days=int(ctx.rng.integers(-40, 10) if local else ctx.rng.integers(-365, 30)))
        # Staff choose a time the centre is open on the first date; a weekly series leaves out the
        # dates the centre is closed then (holidays, closures) as excluded dates, as the form asks.
        hours_open = [h for h in (9, 10, 14, 15, 19) if fits(facility, first, h, hours)]
        if not hours_open:
            continue
        start_hour = int(ctx.rng.choice(hours_open))
        if ctx.rng.random() < 0.6:
            weeks = int(ctx.rng.integers(4, 13))
            last = min(first + dt.timedelta(weeks=weeks - 1), today + dt.timedelta(days=30))
            dates = [first + dt.timedelta(weeks=w) for w in range(weeks) if first + dt.timedelta(weeks=w) <= last]
            days = [d for d in dates if fits(facility, d, start_hour, hours)]
            rule: dict[str, Any] = {
                "repeat": "weekly",
                "start_date": first.isoformat(),
                "end_date": last.isoformat(),
                "weekdays": [first.weekday()],
                "excluded_dates": [d.isoformat() for d in dates if d not in days],
            }
        else:
            days, rule = [first], {}
        activities.append(
            Activity(
                facility=facility,
                area_code=facility.area_code,
                title=title,
                description=f"{facility.name}举办的{title}，欢迎居民报名参加。",
                domain=domain,
                series_rule=rule,
            )
        )
        capacity = int(ctx.rng.integers(low, high + 1))
        plans.append((days, start_hour, hours, capacity, min_age))
    Activity.objects.bulk_create(activities, batch_size=500)
    sessions = []
    for activity, (days, hour, hours, capacity, min_age) in zip(activities, plans, strict=True):
        for day in days:
            starts = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
            sessions.append(
                Session(
                    activity=activity,
                    area_code=activity.area_code,
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(hours=hours),
                    capacity=capacity,
                    waitlist_capacity=capacity // 4,
                    opens_at=starts - 14 * DAY,
                    closes_at=starts,
                    min_age=min_age,
                    max_group_size=2 if min_age is None else 1,
                )
            )
    Session.objects.bulk_create(sessions, batch_size=1000)
    registrations = []
    for session in sessions:
        registrations += _registrations(ctx, session)
    Registration.objects.bulk_create(registrations, batch_size=2000)
    Session.objects.bulk_update(sessions, ["confirmed", "waitlisted"], batch_size=1000)
    return {"activities": len(activities), "sessions": len(sessions), "registrations": len(registrations)}


def _registrations(ctx: HistoryContext, session: Session) -> list[Registration]:
    """Residents who registered: fill rates from nearly empty to oversubscribed, a few cancellations;
    past sessions checked in (or not, no-shows)."""
    past = session.ends_at < ctx.now
    fill = float(ctx.rng.beta(4, 2)) * 1.25
    wanted = round(fill * session.capacity)
    people = ctx.pick(session.area_code, wanted + 4)
    out: list[Registration] = []
    shorts: set[str] = set()
    checker = ctx.staff.get("community") if session.area_code.startswith("990102001001") else None
    for resident in people:
        persons = 2 if session.max_group_size > 1 and ctx.rng.random() < 0.15 else 1
        at = ctx.moment(session.opens_at, min(session.closes_at, ctx.now))
        reg = Registration(session=session, resident=resident, area_code=session.area_code, persons=persons)
        if ctx.rng.random() < 0.06:
            reg.status, reg.cancelled_at = RS.CANCELLED, at + (session.starts_at - at) * 0.5
        elif session.waitlisted == 0 and session.confirmed + persons <= session.capacity:
            reg.status = RS.CONFIRMED
            while True:
                nonce = ctx.rng.bytes(16).hex()
                short = codes.short_hash(session.pk, codes.short_code(nonce))
                if short not in shorts:
                    break
            shorts.add(short)
            reg.code_nonce, reg.code_hash = nonce, codes.full_hash(codes.full_code(nonce))
            reg.short_code_hash = short
            session.confirmed += persons
            if past:
                if ctx.rng.random() < 0.82:
                    reg.status = RS.ATTENDED
                    reg.checked_in_at = session.starts_at + dt.timedelta(minutes=int(ctx.rng.integers(-20, 15)))
                    reg.checked_in_by = checker
                else:
                    reg.status = RS.NO_SHOW
        elif session.waitlisted + persons <= session.waitlist_capacity:
            reg.status = RS.WAITLISTED
            session.waitlisted += persons
        else:
            continue
        out.append(reg)
        if session.confirmed + session.waitlisted >= wanted:
            break
    return out
