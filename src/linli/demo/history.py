"""A year of history in the demo district, so the indicators have real data: residents, activities (one-off
and weekly series) with sessions over the past twelve months and the next one, registrations with check-ins
and no-shows, request types and requests in every state (some overdue, some escalated, closed ones rated),
needs with supports, surveys with answers, venues at a share of the centres with a year of bookings (weekly
group series, one-off bookings, cancelled ones, future ones awaiting approval; never two overlapping, always
inside the opening hours), and a batch of requests open right now so that the staff queues look real: the
demo users `community`, `town` and `district` each find a handful at their level, some overdue.

Rows are written in bulk straight through the models (thousands of them; the services would take minutes),
but they are what the services would have written: session counters equal the persons of their seated or
waitlisted registrations, confirmed registrations carry check-in codes, every request's event log walks the
state machine from filing to its state, and deadlines come from `linli.cases.workdays` on the official
calendar, extended by pauses and renewed on escalation. Everything is drawn from `rng`: the same seed gives
the same history (relative to today). Loaded once: if the history's residents exist, nothing is written."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from linli.areas.codes import prefix_of
from linli.areas.enums import AreaLevel
from linli.areas.models import Area
from linli.bookings import codes
from linli.bookings.enums import RegistrationStatus
from linli.bookings.models import (
    VENUE_ACTIVE,
    Activity,
    Registration,
    Session,
    Venue,
    VenueBooking,
    VenueBookingStatus,
    VenueKind,
)
from linli.cases.enums import EventAction, HandlingLevel, RequestState
from linli.cases.models import OPEN_STATES, RequestEvent, RequestType, ServiceRequest
from linli.cases.workdays import (
    WorkCalendar,
    add_working_days,
    add_working_time,
    working_time_between,
)
from linli.core.calendar import calendar_load, calendar_years
from linli.core.enums import Role
from linli.core.models import User
from linli.demo.users import DISTRICT
from linli.engine.synth import SynthDistrict
from linli.facilities.enums import ConstructionStatus
from linli.facilities.hours import OpeningHours
from linli.facilities.models import Facility
from linli.feedback.enums import NeedStatus, QuestionKind, SurveyKind
from linli.feedback.models import Answer, Need, NeedSupport, NeedUpdate, Question, Survey, SurveyResponse

RESIDENTS = 600
ACTIVITIES = 300
REQUESTS = 2000
NEEDS = 300
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)
RS, ST = RegistrationStatus, RequestState

# Facility types that run activities for residents.
HOSTS = (
    "nc-community", "nc-district", "elderly-centre", "elderly-station", "culture-centre", "day-care",
    "community-service-station", "party-mass-community", "subdistrict-service-centre",
)  # fmt: skip

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

NEED_TITLES: tuple[tuple[str, str], ...] = (
    ("增设老年助餐点", "elderly"), ("小区加装电梯", "government"), ("增加儿童游乐设施", "education"),
    ("夜间路灯太暗", "government"), ("希望开设四点半课堂", "education"), ("增加健身器材", "sports"),
    ("社区卫生服务站延长服务时间", "health"), ("增设电动车充电桩", "government"), ("菜市场太远", "elderly"),
    ("停车位不足", "government"), ("希望有更多文化活动", "culture"), ("老旧小区屋顶漏水", "government"),
)  # fmt: skip
NEED_REPLIES = {
    NeedStatus.ACCEPTED: "已受理，正在调研。",
    NeedStatus.PLANNED: "已纳入年度民生实事计划。",
    NeedStatus.DONE: "已办结，感谢您的建议。",
    NeedStatus.DECLINED: "经评估暂不具备实施条件。",
}
# Venues: name, kind, capacity, slot minutes, shortest and longest booking, days ahead, per-person limit,
# chance that its bookings need approval.
VENUE_KINDS: tuple[tuple[str, VenueKind, int, int, int, int, int, int | None, float], ...] = (
    ("多功能活动室", VenueKind.ROOM, 40, 30, 60, 180, 14, None, 0.6),
    ("乒乓球室", VenueKind.ROOM, 8, 30, 60, 120, 7, 2, 0.0),
    ("舞蹈排练室", VenueKind.ROOM, 30, 30, 60, 180, 14, None, 0.4),
    ("篮球场", VenueKind.COURT, 20, 60, 60, 120, 7, 2, 0.0),
    ("羽毛球场", VenueKind.COURT, 4, 30, 60, 120, 7, 2, 0.0),
    ("室外健身场地", VenueKind.FIELD, 50, 60, 60, 180, 14, None, 0.3),
)
# Share of the activity centres with venues (those of the demo staff's own town always have some).
VENUE_SHARE = 0.25
GROUPS = ("太极拳队", "夕阳红合唱团", "书法协会", "乒乓球爱好者", "广场舞队", "读书会", "志愿者服务队", "象棋社",
          "亲子阅读小组", "老年模特队")  # fmt: skip
ONE_OFF_BOOKINGS = 24  # per venue, tried, over the year
FUTURE_BOOKINGS = 5  # per venue, tried, in the days it can be booked ahead
# Requests open now, on top of those of the year's history, and how many of them each demo user should
# find in their queue (of their scope, at their level).
OPEN_REQUESTS = 120
QUEUE_MIN = {"community": 8, "town": 8, "district": 6}
OVERDUE_AT_DISTRICT = 6  # open requests past their deadline at the top level (the district queue)
COMMUNITY_ACTIVITIES = 12  # of the ACTIVITIES, at the demo community's own centres
COMMUNITY, TOWN = "990102001001", "990102001"
RATING_COMMENTS = ("", "", "办事效率高", "工作人员很耐心", "比预期慢了一些", "解决得很好，谢谢", "希望以后更快")


def demo_history_load(district: SynthDistrict, rng: np.random.Generator) -> dict[str, int]:
    """Load the history once (see the module's docstring); returns how many rows of each kind were created."""
    now = timezone.now()
    years = {now.year - 1, now.year, now.year + 1} & set(calendar_years())
    calendar_load(sorted(years))
    types = _request_types()
    if User.objects.filter(username=_username(0)).exists():
        return {"request_types": types, "created": 0}
    return {"request_types": types} | _load(district, rng, now)


def _username(n: int) -> str:
    return f"resident{n + 1:04d}"


def _request_types() -> int:
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


@transaction.atomic
def _load(district: SynthDistrict, rng: np.random.Generator, now: dt.datetime) -> dict[str, int]:
    staff = {u.username: u for u in User.objects.filter(username__in=["community", "town", "district"])}
    builder = _Builder(district, rng, now, staff)
    result = {"residents": builder.residents()}
    result |= builder.activities()
    result |= builder.requests()
    result |= builder.needs()
    result |= builder.surveys()
    result |= builder.venues()
    result |= builder.open_requests()
    return result


class _Builder:
    def __init__(
        self, district: SynthDistrict, rng: np.random.Generator, now: dt.datetime, staff: dict[str, User]
    ) -> None:
        self.rng, self.now, self.staff = rng, now, staff
        self.villages = [a.code for a in district.areas if a.level == AreaLevel.VILLAGE]
        self.people: list[User] = []
        self.by_town: dict[str, list[int]] = defaultdict(list)  # town prefix -> indices into self.people
        self.calendar = WorkCalendar()

    def _moment(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        return start + (end - start) * float(self.rng.random())

    # Residents ---------------------------------------------------------------------------------------

    def residents(self) -> int:
        from linli.demo.services import _fake_id_number  # the demo's own ID numbers (services imports us)

        surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
        unusable = make_password(None)
        users = []
        for n in range(RESIDENTS):
            home = self.villages[int(self.rng.integers(len(self.villages)))]
            name = surnames[int(self.rng.integers(len(surnames)))] + "".join(
                given[int(i)] for i in self.rng.integers(len(given), size=int(self.rng.integers(1, 3)))
            )
            users.append(
                User(
                    username=_username(n),
                    password=unusable,
                    role=Role.RESIDENT,
                    home_area_code=home,
                    display_name=name,
                    phone=f"13{int(self.rng.integers(0, 10**9)):09d}",
                    id_number=_fake_id_number(self.rng, home),
                )
            )
        User.objects.bulk_create(users, batch_size=500)
        ids = dict(User.objects.filter(username__in=[u.username for u in users]).values_list("username", "id"))
        for i, user in enumerate(users):
            user.pk = ids[user.username]
            self.by_town[user.home_area_code[:9]].append(i)
        self.people = users
        return len(users)

    def _pick(self, area_code: str, k: int) -> list[User]:
        """`k` distinct residents, from the town of `area_code` first, then anywhere."""
        local = self.by_town.get(area_code[:9], [])
        chosen = list(self.rng.permutation(local)[:k]) if local else []
        if len(chosen) < k:
            others = np.setdiff1d(np.arange(len(self.people)), np.array(chosen, dtype=int))
            chosen += list(self.rng.permutation(others)[: k - len(chosen)])
        return [self.people[int(i)] for i in chosen]

    # Activities, sessions, registrations ---------------------------------------------------------------

    def activities(self) -> dict[str, int]:
        hosts = list(
            Facility.objects.filter(
                area_code__startswith=DISTRICT[:6], status=ConstructionStatus.BUILT, facility_type__code__in=HOSTS
            ).order_by("code")
        )
        if not hosts:
            return {"activities": 0, "sessions": 0, "registrations": 0}
        today = timezone.localdate(self.now)  # sessions fall from a year ago to a month ahead
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
            facility = pool[int(self.rng.integers(len(pool)))]
            title, domain, (low, high), min_age = ACTIVITY_KINDS[int(self.rng.integers(len(ACTIVITY_KINDS)))]
            hours = int(self.rng.choice([1, 2, 2, 3]))
            first = today + dt.timedelta(days=int(self.rng.integers(-40, 10) if local else self.rng.integers(-365, 30)))
            # Staff choose a time the centre is open on the first date; a weekly series leaves out the
            # dates the centre is closed then (holidays, closures) as excluded dates, as the form asks.
            hours_open = [h for h in (9, 10, 14, 15, 19) if fits(facility, first, h, hours)]
            if not hours_open:
                continue
            start_hour = int(self.rng.choice(hours_open))
            if self.rng.random() < 0.6:
                weeks = int(self.rng.integers(4, 13))
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
            capacity = int(self.rng.integers(low, high + 1))
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
            registrations += self._registrations(session)
        Registration.objects.bulk_create(registrations, batch_size=2000)
        Session.objects.bulk_update(sessions, ["confirmed", "waitlisted"], batch_size=1000)
        return {"activities": len(activities), "sessions": len(sessions), "registrations": len(registrations)}

    def _registrations(self, session: Session) -> list[Registration]:
        """Residents who registered: fill rates from nearly empty to oversubscribed, a few cancellations;
        past sessions checked in (or not, no-shows)."""
        past = session.ends_at < self.now
        fill = float(self.rng.beta(4, 2)) * 1.25
        wanted = round(fill * session.capacity)
        people = self._pick(session.area_code, wanted + 4)
        out: list[Registration] = []
        shorts: set[str] = set()
        checker = self.staff.get("community") if session.area_code.startswith("990102001001") else None
        for resident in people:
            persons = 2 if session.max_group_size > 1 and self.rng.random() < 0.15 else 1
            at = self._moment(session.opens_at, min(session.closes_at, self.now))
            reg = Registration(session=session, resident=resident, area_code=session.area_code, persons=persons)
            if self.rng.random() < 0.06:
                reg.status, reg.cancelled_at = RS.CANCELLED, at + (session.starts_at - at) * 0.5
            elif session.waitlisted == 0 and session.confirmed + persons <= session.capacity:
                reg.status = RS.CONFIRMED
                while True:
                    nonce = self.rng.bytes(16).hex()
                    short = codes.short_hash(session.pk, codes.short_code(nonce))
                    if short not in shorts:
                        break
                shorts.add(short)
                reg.code_nonce, reg.code_hash = nonce, codes.full_hash(codes.full_code(nonce))
                reg.short_code_hash = short
                session.confirmed += persons
                if past:
                    if self.rng.random() < 0.82:
                        reg.status = RS.ATTENDED
                        reg.checked_in_at = session.starts_at + dt.timedelta(minutes=int(self.rng.integers(-20, 15)))
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

    # Requests ----------------------------------------------------------------------------------------

    def _handler(self, area_code: str, level: str) -> User | None:
        """The demo staff member who handles a request at its level, when it is in their scope."""
        if level == HandlingLevel.COMMUNITY and area_code.startswith("990102001001"):
            return self.staff.get("community")
        if level == HandlingLevel.TOWN and area_code.startswith("990102001"):
            return self.staff.get("town")
        return self.staff.get("district") if level == HandlingLevel.DISTRICT else None

    def requests(self) -> dict[str, int]:
        types = {t.code: t for t in RequestType.objects.filter(code__in=[r[0] for r in REQUEST_TYPES])}
        ordered = [types[r[0]] for r in REQUEST_TYPES]
        weights = np.array(REQUEST_WEIGHTS, dtype=float) / sum(REQUEST_WEIGHTS)
        requests: list[ServiceRequest] = []
        logs: list[list[RequestEvent]] = []
        for _n in range(REQUESTS):
            kind = ordered[int(self.rng.choice(len(ordered), p=weights))]
            resident = self.people[int(self.rng.integers(len(self.people)))]
            day = self.now - dt.timedelta(days=float(self.rng.random()) * 365)
            submitted = day.replace(hour=int(self.rng.integers(8, 20)), minute=int(self.rng.integers(60)))
            if submitted >= self.now:
                submitted -= DAY
            request, events = self._request(kind, resident, submitted)
            requests.append(request)
            logs.append(events)
        return {"requests": len(requests), "request_events": _save_requests(requests, logs)}

    def _request(
        self, kind: RequestType, resident: User, submitted: dt.datetime, done_at: dt.datetime | None = None
    ) -> tuple[ServiceRequest, list[RequestEvent]]:
        """One request walked through the state machine up to now; with `done_at` (in the future) one
        that is still being handled."""
        cal, rng = self.calendar, self.rng
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
        steps = sorted(self._moment(submitted, done_at) for _ in range(2))
        pause = rng.random() < (0.4 if done_at > self.now else 0.1)

        def escalate_until(moment: dt.datetime) -> None:
            while req.deadline_at + HOUR < min(moment, self.now) and req.level != HandlingLevel.DISTRICT:
                at = req.deadline_at + HOUR  # the hourly escalation job
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
            if moment > self.now:
                break
            event(moment, action, state, self._handler(req.area_code, req.level))
        if req.state == ST.IN_PROGRESS and pause:
            asked = self._moment(steps[1], min(done_at, self.now))
            escalate_until(asked)
            if asked <= self.now:
                event(asked, EventAction.ASK_RESIDENT, ST.WAITING, self._handler(req.area_code, req.level),
                      note="请补充身份证复印件和相关证明材料。")  # fmt: skip
                req.paused_at = asked
                back = asked + dt.timedelta(days=float(rng.uniform(0.5, 6)))
                if back <= self.now and (done_at <= self.now or rng.random() < 0.5):
                    paused = working_time_between(asked, back, cal)
                    req.deadline_at = add_working_time(req.deadline_at, paused, cal)
                    done_at = done_at + paused if done_at > self.now else add_working_time(done_at, paused, cal)
                    event(back, EventAction.RESUME, ST.IN_PROGRESS, resident, paused_working_days=paused / DAY)
                    req.paused_at = None
        if req.state == ST.IN_PROGRESS:
            escalate_until(done_at)
            if done_at <= self.now:
                handler = self._handler(req.area_code, req.level)
                event(done_at, EventAction.RESOLVE, ST.RESOLVED, handler, note="已按规定办结。")
                req.resolved_at, req.resolution, req.handler = done_at, "已按规定办结。", handler
                confirmed = done_at + dt.timedelta(days=float(rng.uniform(0.2, 4)))
                if confirmed <= self.now and rng.random() < 0.9:
                    event(confirmed, EventAction.CONFIRM, ST.CLOSED, resident)
                    req.closed_at = confirmed
                    if rng.random() < 0.7:
                        rating = int(rng.choice([5, 5, 5, 4, 4, 3, 2, 1] if not late else [5, 4, 3, 3, 2, 1]))
                        req.rating = rating
                        req.rating_comment = RATING_COMMENTS[int(rng.integers(len(RATING_COMMENTS)))]
                        event(confirmed + HOUR, EventAction.RATE, ST.CLOSED, resident, rating=rating)
        else:
            req.handler = self._handler(req.area_code, req.level) if req.state != ST.SUBMITTED else None
        return req, events

    # Needs and surveys -------------------------------------------------------------------------------

    def needs(self) -> dict[str, int]:
        areas = dict(Area.objects.filter(code__in=self.villages).values_list("code", "id"))
        statuses = [NeedStatus.OPEN, NeedStatus.ACCEPTED, NeedStatus.PLANNED, NeedStatus.DONE, NeedStatus.DECLINED]
        needs, updates, supports, born = [], [], [], []
        for _n in range(NEEDS):
            proposer = self.people[int(self.rng.integers(len(self.people)))]
            title, domain = NEED_TITLES[int(self.rng.integers(len(NEED_TITLES)))]
            status = statuses[int(self.rng.choice(5, p=[0.35, 0.2, 0.2, 0.15, 0.1]))]
            created = self.now - dt.timedelta(days=float(self.rng.random()) * 365)
            need = Need(
                title=title,
                description=f"{title}，希望社区予以解决。",
                domain=domain,
                area_id=areas[proposer.home_area_code],
                area_code=proposer.home_area_code,
                proposer=proposer,
                status=status,
            )
            if status != NeedStatus.OPEN:
                need.reply = NEED_REPLIES[status]
                need.replied_at = self._moment(created, self.now)
            needs.append(need)
            born.append(created)
        Need.objects.bulk_create(needs, batch_size=500)
        for need, created in zip(needs, born, strict=True):
            need.created_at = created
            backers = self._pick(need.area_code, int(self.rng.integers(0, 40)))
            supports += [NeedSupport(need=need, user=u) for u in {need.proposer, *backers}]
            if need.status != NeedStatus.OPEN:
                updates.append(NeedUpdate(need=need, actor=self.staff.get("community"), status_from=NeedStatus.OPEN,
                                          status_to=need.status, reply=need.reply))  # fmt: skip
        Need.objects.bulk_update(needs, ["created_at"], batch_size=500)
        NeedSupport.objects.bulk_create(supports, batch_size=2000)
        NeedUpdate.objects.bulk_create(updates, batch_size=500)
        return {"needs": len(needs), "need_supports": len(supports)}

    def surveys(self) -> dict[str, int]:
        district = Area.objects.get(code=DISTRICT)
        towns = list(Area.objects.filter(code__startswith=DISTRICT[:6], level=AreaLevel.TOWN).order_by("code"))
        centres = list(
            Facility.objects.filter(
                area_code__startswith=DISTRICT[:6], status=ConstructionStatus.BUILT, facility_type__code="nc-community"
            ).order_by("code")[:4]
        )
        today = timezone.localdate(self.now)
        specs: list[tuple[str, str, Area, Facility | None]] = [
            (f"{c.name}服务满意度调查", SurveyKind.SATISFACTION, c.area, c) for c in centres
        ]
        topics = ("社区养老服务需求调查", "15分钟生活圈居民出行调查", "社区文化活动意向调查", "托育服务需求调查",
                  "社区食堂意见征集", "全民健身设施使用情况调查")  # fmt: skip
        specs += [(t, SurveyKind.GENERAL, district if i % 3 == 0 else towns[i % len(towns)], None)
                  for i, t in enumerate(topics)]  # fmt: skip
        n_responses = n_answers = 0
        for title, kind, area, facility in specs:
            opens = today - dt.timedelta(days=int(self.rng.integers(20, 340)))
            survey = Survey.objects.create(
                title=title, kind=kind, area=area, area_code=area.code, facility=facility,
                opens_on=opens, closes_on=opens + dt.timedelta(days=30), created_by=self.staff.get("district"),
            )  # fmt: skip
            questions = Question.objects.bulk_create(
                [
                    Question(survey=survey, position=1, kind=QuestionKind.RATING, text="总体满意度", overall=True),
                    Question(survey=survey, position=2, kind=QuestionKind.SINGLE, text="您多久使用一次？",
                             options=["每周多次", "每周一次", "每月一次", "很少"]),
                    Question(survey=survey, position=3, kind=QuestionKind.MULTIPLE, text="您最需要哪些服务？",
                             options=["助餐", "健康", "文化活动", "托育", "法律咨询"]),
                    Question(survey=survey, position=4, kind=QuestionKind.TEXT, text="意见和建议", required=False),
                ]
            )  # fmt: skip
            prefix = prefix_of(area.code)
            pool = [p for p in self.people if p.home_area_code.startswith(prefix)]
            respondents = [pool[int(i)] for i in self.rng.permutation(len(pool))[: int(self.rng.integers(30, 200))]]
            responses = SurveyResponse.objects.bulk_create(
                [SurveyResponse(survey=survey, respondent=p, area_code=p.home_area_code) for p in respondents]
            )
            answers = []
            for response in responses:
                base = int(self.rng.choice([5, 5, 4, 4, 4, 3, 2]))
                answers += [
                    Answer(response=response, question=questions[0], rating=base),
                    Answer(response=response, question=questions[1], choices=[int(self.rng.integers(4))]),
                    Answer(response=response, question=questions[2],
                           choices=sorted({int(i) for i in self.rng.integers(5, size=int(self.rng.integers(1, 4)))})),
                ]  # fmt: skip
                if self.rng.random() < 0.3:
                    answers.append(Answer(response=response, question=questions[3], text="希望服务时间更灵活。"))
                response.created_at = timezone.make_aware(
                    dt.datetime.combine(opens + dt.timedelta(days=int(self.rng.integers(0, 30))), dt.time(12))
                )
            Answer.objects.bulk_create(answers, batch_size=2000)
            SurveyResponse.objects.bulk_update(responses, ["created_at"], batch_size=500)
            n_responses, n_answers = n_responses + len(responses), n_answers + len(answers)
        return {"surveys": len(specs), "survey_responses": n_responses, "survey_answers": n_answers}

    # Venues and their bookings -----------------------------------------------------------------------

    def venues(self) -> dict[str, int]:
        """Venues at a share of the activity centres (always at those of the demo staff's town), with a
        year of bookings: weekly group series first, then one-off bookings in the gaps."""
        hosts = list(
            Facility.objects.filter(
                area_code__startswith=DISTRICT[:6], status=ConstructionStatus.BUILT, facility_type__code__in=HOSTS
            )
            .prefetch_related("opening_rules", "opening_exceptions")
            .order_by("code")
        )
        chosen = [f for f in hosts if f.area_code.startswith(TOWN) or self.rng.random() < VENUE_SHARE]
        chosen = [f for f in chosen if any(True for _r in f.opening_rules.all())]
        if not chosen or Venue.objects.filter(facility__in=chosen).exists():
            return {"venues": 0, "venue_bookings": 0}
        venues: list[Venue] = []
        for facility in chosen:
            own = facility.area_code.startswith(COMMUNITY)
            picks = sorted(self.rng.permutation(len(VENUE_KINDS))[: int(self.rng.integers(1, 4))].tolist())
            if own and 0 not in picks:
                picks = [0, *picks]
            for index in picks:
                name, kind, capacity, slot, shortest, longest, ahead, limit, approval = VENUE_KINDS[index]
                venues.append(
                    Venue(
                        facility=facility, area_code=facility.area_code, name=name, kind=kind, capacity=capacity,
                        slot_minutes=slot, min_duration_minutes=shortest, max_duration_minutes=longest,
                        max_days_ahead=ahead, max_active_bookings_per_person=limit,
                        needs_approval=(own and index == 0) or self.rng.random() < approval,
                    )
                )  # fmt: skip
        Venue.objects.bulk_create(venues, batch_size=500)
        today = timezone.localdate(self.now)
        first_day, last_day = today - dt.timedelta(days=365), today + dt.timedelta(days=14)
        days = [first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1)]
        opening = OpeningHours.for_facilities(chosen, first_day, last_day)
        bookings: list[VenueBooking] = []
        for venue in venues:
            bookings += self._venue_bookings(venue, days, opening)
        VenueBooking.objects.bulk_create(bookings, batch_size=2000)
        return {"venues": len(venues), "venue_bookings": len(bookings)}

    def _decider(self, area_code: str) -> User | None:
        if area_code.startswith(COMMUNITY):
            return self.staff.get("community")
        return self.staff.get("town") if area_code.startswith(TOWN) else self.staff.get("district")

    def _venue_bookings(self, venue: Venue, days: list[dt.date], opening: OpeningHours) -> list[VenueBooking]:
        facility, rng, now = venue.facility, self.rng, self.now
        today = timezone.localdate(now)
        horizon = today + dt.timedelta(days=venue.max_days_ahead)
        taken: dict[dt.date, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        spans_of: dict[dt.date, list[tuple[dt.time, dt.time]]] = {}
        decider = self._decider(venue.area_code)
        out: list[VenueBooking] = []

        def spans(day: dt.date) -> list[tuple[dt.time, dt.time]]:
            if day not in spans_of:
                spans_of[day] = opening.spans(facility.pk, day)
            return spans_of[day]

        def slot_in(day: dt.date, minutes: int) -> tuple[dt.datetime, dt.datetime] | None:
            """A random start on the venue's slots inside one opening span of `day`, `minutes` long."""
            options: list[int] = []
            for opens, closes in spans(day):
                first = -(-(opens.hour * 60 + opens.minute) // venue.slot_minutes) * venue.slot_minutes
                last = closes.hour * 60 + closes.minute - minutes
                options += range(first, last + 1, venue.slot_minutes)
            if not options:
                return None
            start = options[int(rng.integers(len(options)))]
            begins = timezone.make_aware(dt.datetime.combine(day, dt.time.min)) + dt.timedelta(minutes=start)
            return begins, begins + dt.timedelta(minutes=minutes)

        def free(day: dt.date, a: dt.datetime, b: dt.datetime) -> bool:
            return all(not (x < b and y > a) for x, y in taken[day])

        def booking(a: dt.datetime, b: dt.datetime, booker: User, **extra: Any) -> VenueBooking:
            status = extra.pop("status", VenueBookingStatus.APPROVED)
            if status in VENUE_ACTIVE:
                taken[timezone.localdate(a)].append((a, b))
            decided = venue.needs_approval and status in (VenueBookingStatus.APPROVED, VenueBookingStatus.REJECTED)
            return VenueBooking(
                venue=venue, area_code=venue.area_code, booker=booker, starts_at=a, ends_at=b, status=status,
                decided_by=decider if decided else None, decided_at=min(a, now) - DAY if decided else None, **extra,
            )  # fmt: skip

        def length() -> int:
            steps = (venue.max_duration_minutes - venue.min_duration_minutes) // venue.slot_minutes
            return venue.min_duration_minutes + venue.slot_minutes * int(rng.integers(0, steps + 1))

        # Weekly group series: all-or-nothing as the service books them, skipping the days the centre is
        # closed; a few cancelled part-way (the rest of the series at once), new ones awaiting approval.
        for _n in range(int(rng.integers(0, 4))):
            future = rng.random() < 0.2  # booked lately, from the coming days on
            start_day = (
                today + dt.timedelta(days=int(rng.integers(1, 8)))
                if future
                else days[int(rng.integers(len(days) - 30))]
            )
            weeks = int(rng.integers(8, 31))
            dates = [start_day + dt.timedelta(weeks=w) for w in range(weeks)]
            dates = [d for d in dates if d <= horizon and spans(d)]
            slot = slot_in(dates[0], length()) if dates else None
            if slot is None:
                continue
            begins, minutes = timezone.localtime(slot[0]).time(), slot[1] - slot[0]
            times = [(timezone.localtime(timezone.make_aware(dt.datetime.combine(d, begins))), d) for d in dates]
            inside = all(
                any(a <= t.time() and (t + minutes).time() <= b for a, b in spans(d)) and (t + minutes).date() == d
                for t, d in times
            )
            if not inside or not all(free(d, t, t + minutes) for t, d in times):
                continue
            owner = self._pick(venue.area_code, 1)[0]
            group = GROUPS[int(rng.integers(len(GROUPS)))]
            series = uuid.UUID(bytes=rng.bytes(16), version=4)
            cancel_at = self._moment(times[0][0] - 7 * DAY, now) if rng.random() < 0.15 else None
            waiting = venue.needs_approval and times[0][0] > now and rng.random() < 0.6
            for t, _d in times:
                if cancel_at is not None and t > cancel_at:
                    out.append(booking(t, t + minutes, owner, status=VenueBookingStatus.CANCELLED,
                                       cancelled_at=cancel_at, group_name=group, series_id=series))  # fmt: skip
                else:
                    status = VenueBookingStatus.PENDING if waiting else VenueBookingStatus.APPROVED
                    out.append(booking(t, t + minutes, owner, status=status, group_name=group, series_id=series))
        # One-off bookings in the gaps: a tenth cancelled; on approval venues, future ones mostly waiting.
        # The demo community's approval venues always have requests waiting for its staff.
        always_waiting = venue.needs_approval and venue.area_code.startswith(COMMUNITY)
        soon = [today + dt.timedelta(days=n) for n in range(1, venue.max_days_ahead + 1)]
        tries = [days[int(i)] for i in rng.integers(len(days), size=ONE_OFF_BOOKINGS)]
        tries += [soon[int(i)] for i in rng.integers(len(soon), size=FUTURE_BOOKINGS * (2 if always_waiting else 1))]
        for day in tries:
            if day > horizon:
                continue
            slot = slot_in(day, length())
            if slot is None or not free(day, *slot):
                continue
            resident = self._pick(venue.area_code, 1)[0]
            group = GROUPS[int(rng.integers(len(GROUPS)))] if rng.random() < 0.3 else ""
            draw = rng.random()
            if draw < 0.1:
                cancelled = self._moment(slot[0] - 5 * DAY, min(slot[0], now))
                out.append(booking(*slot, resident, status=VenueBookingStatus.CANCELLED, cancelled_at=cancelled,
                                   group_name=group))  # fmt: skip
            elif venue.needs_approval and slot[0] > now and (draw < 0.7 or always_waiting):
                out.append(booking(*slot, resident, status=VenueBookingStatus.PENDING, group_name=group))
            elif venue.needs_approval and draw < 0.15:
                out.append(booking(*slot, resident, status=VenueBookingStatus.REJECTED, group_name=group))
            else:
                out.append(booking(*slot, resident, group_name=group))
        return out

    # Requests open now -------------------------------------------------------------------------------

    def open_requests(self) -> dict[str, int]:
        """Requests still being handled now, filed from a few hours to a few deadlines ago, so that every
        state of an open request is there, some overdue and escalated, and each demo staff member finds
        a handful at their level in their scope: community 990102001001, town 990102001, the district."""
        types = {t.code: t for t in RequestType.objects.filter(code__in=[r[0] for r in REQUEST_TYPES])}
        ordered = [types[r[0]] for r in REQUEST_TYPES]
        weights = np.array(REQUEST_WEIGHTS, dtype=float) / sum(REQUEST_WEIGHTS)
        everyone = list(range(len(self.people)))
        town = [i for i in everyone if self.people[i].home_area_code.startswith(TOWN)] or everyone
        community = [i for i in town if self.people[i].home_area_code.startswith(COMMUNITY)] or town
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
                kind = ordered[int(self.rng.choice(len(ordered), p=weights))]
                if level is not None and level_rank[kind.handling_level] > level_rank[level]:
                    continue
                # How many deadlines ago it was filed: that many escalations, and part of the next.
                misses = 0 if level is None else level_rank[level] - level_rank[kind.handling_level]
                low, high = (0.02, 1.6) if level is None else (1.05, 1.6) if overdue else (0.05, 0.9)
                spent = misses + float(self.rng.uniform(low, high))
                ago = dt.timedelta(days=spent * kind.deadline_days * 7 / 5 + float(self.rng.uniform(0, 0.5)))
                submitted = (self.now - ago).replace(second=0, microsecond=0)
                resident = self.people[pool[int(self.rng.integers(len(pool)))]]
                done_at = self.now + dt.timedelta(days=float(self.rng.uniform(0.3, 5)))
                request, events = self._request(kind, resident, submitted, done_at=done_at)
                if request.state not in OPEN_STATES or (level is not None and request.level != level):
                    continue
                if overdue and (request.state == RequestState.WAITING or request.deadline_at >= self.now):
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
