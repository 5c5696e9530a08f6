"""Residents' organisations of the demo district (三自组织), loaded through the organisations services so that
every rule holds and every confirmation emits "organizations.hours_confirmed" (points mint from it):

- about 200 organisations of the three kinds (自治、自乐、志愿) across the district's communities and villages,
  most filed (approved), some in review, returned, suspended, drafts; the demo user `leader` leads one in
  community 990102001001;
- members from the demo residents (role resident), join requests still waiting for some;
- a year of volunteer shifts with attendance and confirmed hours, a few corrections, and service by staff sent
  down (下沉: doctors' rounds, legal aid, ...) with residents served;
- star ratings for the year of most of that history, some adjusted with a reason, and incubations at every
  step.

Entry point: `organizations_history_load(*, seed=2026, organizations=200, now=None) -> dict[str, int]`, called
after the demo's areas, users and residents exist. Idempotent: when the demo leader's organisation exists,
nothing is loaded again (the counts returned are then all 0)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from linli.areas.enums import AreaLevel
from linli.areas.models import Area
from linli.core.enums import Role
from linli.core.models import User
from linli.facilities.models import Facility
from linli.organizations import services
from linli.organizations.enums import IncubationState, OrgKind
from linli.organizations.inputs import HoursIn, OrganizationIn, RatingIn, SentDownIn, ShiftIn
from linli.organizations.models import Attendance, Organization

DISTRICT_PREFIX = "990102"
LEADER_COMMUNITY = "990102001001"
LEADER_ORG = "东湖社区邻里守望志愿服务队"

NAMES = {
    OrgKind.SELF_GOVERNANCE: ("居民议事会", "楼栋长联盟", "矛盾调解队", "红白理事会", "治安巡逻队", "业主自治小组"),
    OrgKind.SELF_ENTERTAINMENT: ("广场舞队", "合唱团", "书法协会", "太极拳队", "戏曲票友会", "摄影协会", "棋牌俱乐部"),
    OrgKind.VOLUNTEER: ("助老志愿服务队", "环保志愿队", "巾帼志愿队", "青年志愿服务队", "邻里互助队", "文明劝导队",
                        "四点半课堂志愿队"),
}  # fmt: skip
PURPOSES = {
    OrgKind.SELF_GOVERNANCE: "组织居民协商议事，化解邻里矛盾，参与社区治理",
    OrgKind.SELF_ENTERTAINMENT: "丰富居民文化生活，定期开展文体活动",
    OrgKind.VOLUNTEER: "开展助老助残、环境保护和邻里互助志愿服务",
}
SHIFTS = {
    OrgKind.SELF_GOVERNANCE: ("居民议事会值班", "矛盾调解值班", "夜间治安巡逻"),
    OrgKind.SELF_ENTERTAINMENT: ("社区文艺汇演服务", "公益教学", "节日活动布置"),
    OrgKind.VOLUNTEER: ("助老探访", "垃圾分类督导", "文明交通劝导", "四点半课堂辅导", "环境清洁"),
}
SENT_DOWN = (
    ("doctor", "家庭医生巡诊"), ("legal", "法律援助进村"), ("teacher", "教师送教上门"),
    ("agriculture", "农技指导"), ("party", "党员志愿服务"), ("cadre", "机关干部下沉服务"),
)  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def organizations_history_load(
    *, seed: int = 2026, organizations: int = 200, now: dt.datetime | None = None
) -> dict[str, int]:
    """Load the demo's organisations once (see the module); returns how many of each were created."""
    counts = {"organizations": 0, "memberships": 0, "shifts": 0, "hours_records": 0, "sent_down_shifts": 0,
              "ratings": 0, "incubations": 0}  # fmt: skip
    if Organization.objects.filter(name=LEADER_ORG, area_code=LEADER_COMMUNITY).exists():
        return counts
    reviewer = User.objects.filter(username="district").first()
    villages = list(Area.objects.filter(level=AreaLevel.VILLAGE, code__startswith=DISTRICT_PREFIX).order_by("code"))
    residents = list(User.objects.filter(role=Role.RESIDENT, home_area_code__startswith=DISTRICT_PREFIX).order_by("pk"))
    if reviewer is None or not villages or len(residents) < 4:
        return counts
    with transaction.atomic():
        return _load(random.Random(seed), organizations, now or timezone.now(), reviewer, villages, residents, counts)


def _load(
    rng: random.Random,
    total: int,
    now: dt.datetime,
    reviewer: User,
    villages: list[Area],
    residents: list[User],
    counts: dict[str, int],
) -> dict[str, int]:
    leader = User.objects.filter(username="leader").first()
    by_home: dict[str, list[User]] = {}
    for person in residents:
        by_home.setdefault(person.home_area_code, []).append(person)
    facilities = {f.area_code: f.code for f in Facility.objects.filter(area_code__startswith=DISTRICT_PREFIX)}
    orgs: list[Organization] = []
    used: set[tuple[str, str]] = set()
    local_orgs = 0
    for i in range(total):
        village = villages[i % len(villages)] if i else next((v for v in villages if v.code == LEADER_COMMUNITY),
                                                            villages[0])  # fmt: skip
        kind = OrgKind.VOLUNTEER if i == 0 else rng.choice(list(OrgKind))
        if i == 0:
            name = LEADER_ORG
        else:
            base = next((n for n in rng.sample(NAMES[kind], len(NAMES[kind])) if (village.code, n) not in used), None)
            if base is None:
                continue
            used.add((village.code, base))
            name = village.name + base
        local = by_home.get(village.code) or residents
        head = leader if i == 0 and leader is not None else rng.choice(local)
        data = OrganizationIn(
            name=name, kind=kind, track=None, grade=None, community=village.code, purpose=PURPOSES[kind],
            leader=head.username,
            guide_role=rng.choice(["party_member", "grid_worker"]),
            guide_name=rng.choice(SURNAMES) + rng.choice(["建国", "秀英", "志强", "丽华", "海燕", "卫东"]),
            guide_phone=f"139{rng.randrange(10**8):08d}", members_declared=rng.randrange(8, 40),
            documents="章程、成员名单、年度活动计划",
        )  # fmt: skip
        org = services.organization_file(actor=reviewer, data=data)
        counts["organizations"] += 1
        fate = rng.random() if i else 0.0
        if village.code == LEADER_COMMUNITY and i:
            # the demo community's staff have a filing to review and one returned
            local_orgs += 1
            fate = {1: 0.85, 2: 0.90}.get(local_orgs, fate)
        if fate < 0.80:
            services.organization_submit(actor=head, org_id=org.pk)
            services.organization_approve(actor=reviewer, org_id=org.pk)
            orgs.append(org)
        elif fate < 0.88:
            services.organization_submit(actor=head, org_id=org.pk)
        elif fate < 0.92:
            services.organization_submit(actor=head, org_id=org.pk)
            services.organization_return(actor=reviewer, org_id=org.pk, reasons="章程缺少议事规则，成员名单不完整")
        elif fate < 0.96:
            services.organization_submit(actor=head, org_id=org.pk)
            services.organization_approve(actor=reviewer, org_id=org.pk)
            services.organization_suspend(actor=reviewer, org_id=org.pk, reasons="连续半年未开展活动")
        # else: a draft
        counts["memberships"] += _members(rng, org, head, local, residents, approved=fate < 0.80)
    for org in orgs:
        counts["shifts"], counts["hours_records"] = _shifts(rng, org, now, reviewer, facilities, counts)
    counts["sent_down_shifts"] += _sent_down(rng, villages, now, reviewer, residents, counts)
    year = (now - dt.timedelta(days=182)).year
    rated = []
    for n, org in enumerate(orgs):
        adjusted = n % 9 == 0
        rating = RatingIn(adjustment=rng.choice([5, 10, -5]) if adjusted else 0,
                          reason="获评区级优秀志愿服务组织" if adjusted else "", replace=False)  # fmt: skip
        rated.append(services.rating_save(actor=reviewer, org_id=org.pk, year=year, data=rating))
    counts["ratings"] = len(rated)
    steps = [IncubationState.APPLIED] * 5 + [IncubationState.INCUBATING] * 5 + [IncubationState.GRADUATED] * 3
    steps += [IncubationState.REGISTERED] * 2
    for org, target in zip(orgs[1 : 1 + len(steps)], steps, strict=False):
        incubation = services.incubation_apply(actor=org.leader, org_id=org.pk, plan="专业社工机构陪伴孵化一年")
        while incubation.state != target:
            incubation = services.incubation_advance(actor=reviewer, incubation_id=incubation.pk, grade="3A")
        counts["incubations"] += 1
    return counts


def _members(
    rng: random.Random, org: Organization, head: User, local: list[User], everyone: list[User], *, approved: bool
) -> int:
    if not approved:
        return 1
    pool = [p for p in local if p.pk != head.pk] or [p for p in everyone if p.pk != head.pk]
    chosen = rng.sample(pool, min(len(pool), rng.randrange(3, 12)))
    demo_resident = next((p for p in everyone if p.username == "resident"), None)
    if org.name == LEADER_ORG and demo_resident is not None and demo_resident.pk != head.pk:
        # the demo `resident` is a member of the demo leader's organisation, signed up for its next shifts
        chosen = [p for p in chosen if p.pk != demo_resident.pk]
        chosen.insert(min(1, len(chosen)), demo_resident)
    for n, person in enumerate(chosen):
        membership = services.membership_request(actor=person, org_id=org.pk)
        if n % 7 == 6 or (org.name == LEADER_ORG and n == len(chosen) - 1):
            continue  # still waiting for the leader
        services.membership_decide(actor=head, membership_id=membership.pk, accept=n % 11 != 10)
        if n == 0:
            services.membership_set_role(actor=head, membership_id=membership.pk, role="deputy")
    return 1 + len(chosen)


def _past(day: dt.date, hour: int, hours: int) -> tuple[dt.datetime, dt.datetime]:
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    return starts, starts + dt.timedelta(hours=hours)


def _shifts(
    rng: random.Random, org: Organization, now: dt.datetime, reviewer: User, facilities: dict[str, str],
    counts: dict[str, int],
) -> tuple[int, int]:  # fmt: skip
    """Shifts over the past year (attended, hours confirmed through the service) and two to come."""
    members = list(org.memberships.filter(state="active").select_related("person"))
    people = [m.person for m in members]
    shifts, records = counts["shifts"], counts["hours_records"]
    today = timezone.localdate(now)
    every = rng.choice([45, 60, 90])
    facility = facilities.get(org.area_code)
    for back in range(365 - rng.randrange(every), 0, -every):
        hours = rng.choice([2, 2, 3, 4])
        starts, ends = _past(today - dt.timedelta(days=back), rng.choice([9, 14, 15]), hours)
        shift = services.shift_publish(actor=org.leader, org_id=org.pk, data=ShiftIn(
            title=rng.choice(SHIFTS[OrgKind(org.kind)]), facility=facility, place="" if facility else "社区广场",
            starts_at=starts, ends_at=ends, places=max(len(people), 1),
        ))  # fmt: skip
        shifts += 1
        for person in rng.sample(people, min(len(people), rng.randrange(1, 5))) if people else []:
            # signed up before the shift (the sign-up service only takes shifts still to come)
            attendance = Attendance.objects.create(shift=shift, person=person, area_code=shift.area_code)
            worked = Decimal(rng.choice([1, 1.5, 2, 2.5, 3, 4])).quantize(Decimal("0.5"))
            worked = min(worked, Decimal(hours))
            record = services.hours_confirm(actor=org.leader, attendance_id=attendance.pk, data=HoursIn(
                hours=worked, residents_served=None, reason=""))  # fmt: skip
            records += 1
            if rng.random() < 0.01:
                services.hours_correct(actor=reviewer, record_id=record.pk, data=HoursIn(
                    hours=max(worked - Decimal("0.5"), Decimal("0.5")), residents_served=None,
                    reason="提前离开，按签退时间更正",
                ))  # fmt: skip
                records += 1
    if org.name == LEADER_ORG and people:
        # yesterday's shift, its hours still to confirm by the demo leader
        starts, ends = _past(today - dt.timedelta(days=1), 9, 2)
        shift = services.shift_publish(actor=org.leader, org_id=org.pk, data=ShiftIn(
            title="助老探访", facility=facility, place="" if facility else "社区广场", starts_at=starts, ends_at=ends,
            places=8,
        ))  # fmt: skip
        shifts += 1
        for person in people[:2]:
            Attendance.objects.create(shift=shift, person=person, area_code=shift.area_code)
    for ahead in (3, 10):
        starts, ends = _past(today + dt.timedelta(days=ahead), 9, 2)
        shift = services.shift_publish(actor=org.leader, org_id=org.pk, data=ShiftIn(
            title=rng.choice(SHIFTS[OrgKind(org.kind)]), facility=facility, place="" if facility else "社区广场",
            starts_at=starts, ends_at=ends, places=8,
        ))  # fmt: skip
        shifts += 1
        for person in people[:3]:
            services.shift_signup(actor=person, shift_id=shift.pk)
    return shifts, records


def _sent_down(
    rng: random.Random, villages: list[Area], now: dt.datetime, reviewer: User, residents: list[User],
    counts: dict[str, int],
) -> int:  # fmt: skip
    """Staff sent down to serve: every fourth village every two or three months, one or two people, residents
    served."""
    staff = list(User.objects.filter(username__in=["community", "town", "district"])) or residents[:3]
    today = timezone.localdate(now)
    made = 0
    for village in villages[::4]:
        for back in range(330 - rng.randrange(30), 0, -rng.choice([60, 90])):
            service, title = rng.choice(SENT_DOWN)
            starts, ends = _past(today - dt.timedelta(days=back), 9, 3)
            shift = services.sent_down_schedule(actor=reviewer, data=SentDownIn(
                title=title, service=service, community=village.code, facility=None,
                place=village.name + "党群服务中心",
                starts_at=starts, ends_at=ends, places=2,
            ))  # fmt: skip
            made += 1
            for person in rng.sample(staff, rng.randrange(1, min(2, len(staff)) + 1)):
                attendance = Attendance.objects.create(shift=shift, person=person, area_code=shift.area_code)
                services.hours_confirm(actor=reviewer, attendance_id=attendance.pk, data=HoursIn(
                    hours=Decimal(3), residents_served=rng.randrange(5, 40), reason=""))  # fmt: skip
                counts["hours_records"] += 1
    return made
