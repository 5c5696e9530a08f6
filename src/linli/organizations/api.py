"""Organisations API: the register (scoped), filing and its workflow, the roster, volunteer shifts,
attendance and confirmed hours, staff sent down to serve, star ratings, incubation, and the figures the
indicators read. Thin: a typed body, one service or selector, a typed answer."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from linli.organizations import selectors, services
from linli.organizations.inputs import HoursIn, OrganizationIn, RatingIn, SentDownIn, ShiftIn
from linli.organizations.models import Attendance, HoursRecord, Incubation, Membership, Organization, Rating, Shift

router = Router(tags=["organizations (三自组织)"])


class OrganizationOut(Schema):
    id: int
    name: str
    kind: str
    track: str
    grade: str
    community: str
    purpose: str
    leader: str
    guide_role: str
    guide_name: str = Field(description="masked unless the viewer leads it or serves its community")
    guide_phone: str = Field(description="masked unless the viewer leads it or serves its community")
    members_declared: int
    documents: str
    state: str
    return_reasons: str
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None
    renewal_due: dt.date | None


class OrgFilters(Schema):
    area: str | None = Field(None, description="area-code prefix")
    kind: str | None = None
    state: str | None = None
    q: str | None = Field(None, description="words in the name or purpose")


class NoteIn(Schema):
    note: str = Field("", description="reasons (required to return, suspend or dissolve)")


class MemberOut(Schema):
    id: int
    organization_id: int
    person: str
    role: str
    state: str
    created_at: dt.datetime


class DecideIn(Schema):
    accept: bool


class RoleIn(Schema):
    role: str = Field(description="deputy or member")


class ShiftOut(Schema):
    id: int
    kind: str
    organization_id: int | None
    service: str
    title: str
    facility: str | None
    place: str
    community: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    places: int
    cancelled: bool


class SignupIn(Schema):
    person: str | None = Field(None, description="user name of the person sent down (staff only)")


class AttendanceOut(Schema):
    id: int
    shift_id: int
    person: str
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    cancelled: bool


class MomentIn(Schema):
    at: dt.datetime | None = Field(None, description="default: now")


class RecordOut(Schema):
    id: int
    attendance_id: int
    person: str
    kind: str
    hours: Decimal
    shift_hours: Decimal
    residents_served: int
    replaces_id: int | None
    note: str
    confirmed_at: dt.datetime


class RatingOut(Schema):
    id: int
    organization_id: int
    year: int
    figures: dict[str, float]
    score: Decimal
    adjustment: int
    reason: str
    stars: int


class PreviewOut(Schema):
    figures: dict[str, float]
    score: Decimal
    stars: int


class IncubationIn(Schema):
    plan: str = ""


class AdvanceIn(Schema):
    grade: str = Field("", description="1A-5A when it registers as a social organisation")


class IncubationOut(Schema):
    id: int
    organization_id: int
    state: str
    plan: str
    startup_fund: Decimal
    award_fund: Decimal
    applied_at: dt.datetime


class PeriodFilters(Schema):
    start: dt.date
    end: dt.date = Field(description="exclusive")
    area: str = ""
    level: int = Field(12, description="6 district, 9 town, 12 community")


def org_out(org: Organization, request: HttpRequest) -> dict[str, Any]:
    contact = services.guide_contact(viewer=request.user, org=org, request=request)
    return {
        "id": org.pk, "name": org.name, "kind": org.kind, "track": org.track, "grade": org.grade,
        "community": org.area_code, "purpose": org.purpose, "leader": org.leader.username,
        "guide_role": org.guide_role, **contact, "members_declared": org.members_declared,
        "documents": org.documents, "state": org.state, "return_reasons": org.return_reasons,
        "submitted_at": org.submitted_at, "approved_at": org.approved_at, "renewal_due": org.renewal_due,
    }  # fmt: skip


def member_out(m: Membership) -> dict[str, Any]:
    return {"id": m.pk, "organization_id": m.organization_id, "person": m.person.username, "role": m.role,
            "state": m.state, "created_at": m.created_at}  # fmt: skip


def shift_out(s: Shift) -> dict[str, Any]:
    return {
        "id": s.pk, "kind": s.kind, "organization_id": s.organization_id, "service": s.service, "title": s.title,
        "facility": s.facility.code if s.facility else None, "place": s.place, "community": s.area_code,
        "starts_at": s.starts_at, "ends_at": s.ends_at, "places": s.places, "cancelled": s.cancelled,
    }  # fmt: skip


def attendance_out(a: Attendance) -> dict[str, Any]:
    return {"id": a.pk, "shift_id": a.shift_id, "person": a.person.username, "checked_in_at": a.checked_in_at,
            "checked_out_at": a.checked_out_at, "cancelled": a.cancelled}  # fmt: skip


def record_out(r: HoursRecord) -> dict[str, Any]:
    return {
        "id": r.pk, "attendance_id": r.attendance_id, "person": r.person.username, "kind": r.kind, "hours": r.hours,
        "shift_hours": r.shift_hours, "residents_served": r.residents_served, "replaces_id": r.replaces_id,
        "note": r.note, "confirmed_at": r.confirmed_at,
    }  # fmt: skip


def rating_out(r: Rating) -> dict[str, Any]:
    return {"id": r.pk, "organization_id": r.organization_id, "year": r.year, "figures": r.figures,
            "score": r.score, "adjustment": r.adjustment, "reason": r.reason, "stars": r.stars}  # fmt: skip


def incubation_out(i: Incubation) -> dict[str, Any]:
    return {"id": i.pk, "organization_id": i.organization_id, "state": i.state, "plan": i.plan,
            "startup_fund": i.startup_fund, "award_fund": i.award_fund, "applied_at": i.applied_at}  # fmt: skip


# The register and filing -----------------------------------------------------------------------------


@router.get("/", response=list[OrganizationOut], summary="The register of organisations I may see")
@paginate
def organization_list(request: HttpRequest, filters: Query[OrgFilters]) -> list[dict[str, Any]]:
    qs = selectors.organizations_filtered(viewer=request.user, **filters.dict())
    return _Page(qs, lambda org: org_out(org, request))  # type: ignore[return-value]


class _Page:
    """Lets the paginator slice the queryset first, then turns only the page into answers."""

    def __init__(self, qs: Any, row: Any) -> None:
        self.qs, self.row = qs, row

    def __len__(self) -> int:
        return int(self.qs.count())

    def count(self) -> int:
        return int(self.qs.count())

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [self.row(obj) for obj in self.qs[item]]


@router.post("/", response={201: OrganizationOut}, summary="File an organisation (a draft)")
def organization_file(request: HttpRequest, payload: OrganizationIn) -> Status:
    org = services.organization_file(actor=request.user, data=payload)
    return Status(201, org_out(org, request))


@router.get("/review-queue", response=list[OrganizationOut], summary="Filings waiting for my review (staff)")
def review_queue(request: HttpRequest) -> list[dict[str, Any]]:
    return [org_out(org, request) for org in selectors.review_queue(viewer=request.user)[:200]]


@router.get("/{org_id}", response=OrganizationOut, summary="One organisation")
def organization_detail(request: HttpRequest, org_id: int) -> dict[str, Any]:
    return org_out(selectors.organization_get(viewer=request.user, org_id=org_id), request)


@router.patch("/{org_id}", response=OrganizationOut, summary="Change a draft or a returned filing")
def organization_update(request: HttpRequest, org_id: int, payload: OrganizationIn) -> dict[str, Any]:
    return org_out(services.organization_update(actor=request.user, org_id=org_id, data=payload), request)


ACTIONS = {
    "submit": lambda actor, pk, note: services.organization_submit(actor=actor, org_id=pk),
    "approve": lambda actor, pk, note: services.organization_approve(actor=actor, org_id=pk, note=note),
    "return": lambda actor, pk, note: services.organization_return(actor=actor, org_id=pk, reasons=note),
    "renew": lambda actor, pk, note: services.organization_renew(actor=actor, org_id=pk),
    "suspend": lambda actor, pk, note: services.organization_suspend(actor=actor, org_id=pk, reasons=note),
    "reinstate": lambda actor, pk, note: services.organization_reinstate(actor=actor, org_id=pk),
    "dissolve": lambda actor, pk, note: services.organization_dissolve(actor=actor, org_id=pk, reasons=note),
}


def _action(name: str) -> Any:
    def handler(request: HttpRequest, org_id: int, payload: NoteIn | None = None) -> dict[str, Any]:
        org = ACTIONS[name](request.user, org_id, payload.note if payload else "")
        return org_out(org, request)

    handler.__name__ = f"organization_{name}"
    return handler


for _name, _summary in (
    ("submit", "Submit for review (leader)"),
    ("approve", "Approve a filing (reviewing staff)"),
    ("return", "Return a filing with reasons (reviewing staff)"),
    ("renew", "Renew for a year (reviewing staff)"),
    ("suspend", "Suspend, with reasons (reviewing staff)"),
    ("reinstate", "Reinstate a suspended organisation (reviewing staff)"),
    ("dissolve", "Dissolve, with reasons (leader or reviewing staff)"),
):
    router.post(f"/{{org_id}}/{_name}", response=OrganizationOut, summary=_summary)(_action(_name))


# Roster --------------------------------------------------------------------------------------------------


@router.get("/{org_id}/members", response=list[MemberOut], summary="The roster and join requests")
def members(request: HttpRequest, org_id: int) -> list[dict[str, Any]]:
    org = selectors.organization_get(viewer=request.user, org_id=org_id)
    if not (services.is_leader(request.user, org) or services.is_reviewer(request.user, org)):
        return [member_out(m) for m in selectors.roster(org=org).filter(person_id=request.user.pk)]
    return [member_out(m) for m in selectors.roster(org=org)]


@router.post("/{org_id}/join", response={201: MemberOut}, summary="Ask to join (resident)")
def join(request: HttpRequest, org_id: int, payload: NoteIn | None = None) -> Status:
    return Status(201, member_out(services.membership_request(actor=request.user, org_id=org_id)))


@router.post("/members/{membership_id}/decide", response=MemberOut, summary="Accept or refuse a request (leader)")
def member_decide(request: HttpRequest, membership_id: int, payload: DecideIn) -> dict[str, Any]:
    m = services.membership_decide(actor=request.user, membership_id=membership_id, accept=payload.accept)
    return member_out(m)


@router.post("/members/{membership_id}/role", response=MemberOut, summary="Make a member a deputy or a member")
def member_role(request: HttpRequest, membership_id: int, payload: RoleIn) -> dict[str, Any]:
    return member_out(services.membership_set_role(actor=request.user, membership_id=membership_id, role=payload.role))


@router.post("/members/{membership_id}/leave", response=MemberOut, summary="Leave (member) or remove (leader)")
def member_leave(request: HttpRequest, membership_id: int, payload: NoteIn | None = None) -> dict[str, Any]:
    return member_out(services.membership_leave(actor=request.user, membership_id=membership_id))


# Shifts and hours --------------------------------------------------------------------------------------


@router.get("/{org_id}/shifts", response=list[ShiftOut], summary="An organisation's shifts")
def shifts(request: HttpRequest, org_id: int) -> list[dict[str, Any]]:
    org = selectors.organization_get(viewer=request.user, org_id=org_id)
    return [shift_out(s) for s in selectors.shifts_of(org=org).select_related("facility").order_by("-starts_at")[:200]]


@router.post("/{org_id}/shifts", response={201: ShiftOut}, summary="Publish a volunteer shift (leader)")
def shift_publish(request: HttpRequest, org_id: int, payload: ShiftIn) -> Status:
    return Status(201, shift_out(services.shift_publish(actor=request.user, org_id=org_id, data=payload)))


@router.post("/sent-down", response={201: ShiftOut}, summary="Schedule service by staff sent down (下沉, staff)")
def sent_down_schedule(request: HttpRequest, payload: SentDownIn) -> Status:
    return Status(201, shift_out(services.sent_down_schedule(actor=request.user, data=payload)))


@router.post("/shifts/{shift_id}/signup", response={201: AttendanceOut}, summary="Sign up for a shift")
def shift_signup(request: HttpRequest, shift_id: int, payload: SignupIn | None = None) -> Status:
    attendance = services.shift_signup(
        actor=request.user, shift_id=shift_id, person=payload.person if payload else None
    )
    return Status(201, attendance_out(attendance))


@router.post("/shifts/{shift_id}/cancel", response=ShiftOut, summary="Cancel a shift (leader or staff)")
def shift_cancel(request: HttpRequest, shift_id: int, payload: NoteIn | None = None) -> dict[str, Any]:
    return shift_out(services.shift_cancel(actor=request.user, shift_id=shift_id))


@router.get("/shifts/{shift_id}/attendances", response=list[AttendanceOut], summary="Who signed up (leader, staff)")
def shift_attendances(request: HttpRequest, shift_id: int) -> list[dict[str, Any]]:
    shift = services._shift_visible(request.user, shift_id)
    services._shift_manager(request.user, shift)
    return [attendance_out(a) for a in selectors.shift_attendances(shift=shift)]


@router.post("/attendances/{attendance_id}/check-in", response=AttendanceOut, summary="Record arrival")
def check_in(request: HttpRequest, attendance_id: int, payload: MomentIn | None = None) -> dict[str, Any]:
    at = payload.at if payload else None
    return attendance_out(services.attendance_check_in(actor=request.user, attendance_id=attendance_id, at=at))


@router.post("/attendances/{attendance_id}/check-out", response=AttendanceOut, summary="Record departure")
def check_out(request: HttpRequest, attendance_id: int, payload: MomentIn | None = None) -> dict[str, Any]:
    at = payload.at if payload else None
    return attendance_out(services.attendance_check_out(actor=request.user, attendance_id=attendance_id, at=at))


@router.post("/attendances/{attendance_id}/withdraw", response=AttendanceOut, summary="Withdraw from a shift")
def withdraw(request: HttpRequest, attendance_id: int, payload: NoteIn | None = None) -> dict[str, Any]:
    return attendance_out(services.attendance_cancel(actor=request.user, attendance_id=attendance_id))


@router.post("/attendances/{attendance_id}/confirm", response={201: RecordOut}, summary="Confirm the hours")
def confirm(request: HttpRequest, attendance_id: int, payload: HoursIn) -> Status:
    return Status(
        201, record_out(services.hours_confirm(actor=request.user, attendance_id=attendance_id, data=payload))
    )


@router.post("/hours/{record_id}/correct", response={201: RecordOut}, summary="Correct confirmed hours (a new record)")
def correct(request: HttpRequest, record_id: int, payload: HoursIn) -> Status:
    return Status(201, record_out(services.hours_correct(actor=request.user, record_id=record_id, data=payload)))


class MyHoursOut(Schema):
    total: Decimal
    records: list[RecordOut]


@router.get("/hours/mine", response=MyHoursOut, summary="My confirmed hours")
def my_hours(request: HttpRequest) -> dict[str, Any]:
    records = HoursRecord.objects.filter(person_id=request.user.pk).select_related("person")[:200]
    return {"total": selectors.my_hours(viewer=request.user), "records": [record_out(r) for r in records]}


# Ratings and incubation -----------------------------------------------------------------------------


@router.get("/{org_id}/ratings/{year}/preview", response=PreviewOut, summary="The rubric's figures now (staff)")
def rating_preview(request: HttpRequest, org_id: int, year: int, adjustment: int = 0) -> dict[str, Any]:
    return services.rating_preview(actor=request.user, org_id=org_id, year=year, adjustment=adjustment)


@router.post("/{org_id}/ratings/{year}", response={201: RatingOut}, summary="Rate an organisation for a year (staff)")
def rating_save(request: HttpRequest, org_id: int, year: int, payload: RatingIn) -> Status:
    return Status(201, rating_out(services.rating_save(actor=request.user, org_id=org_id, year=year, data=payload)))


@router.get("/ratings/", response=list[RatingOut], summary="Ratings in my scope")
@paginate
def ratings(request: HttpRequest, year: int | None = None) -> Any:
    qs = selectors.ratings_visible(viewer=request.user)
    if year:
        qs = qs.filter(year=year)
    return _Page(qs, rating_out)


@router.post("/{org_id}/incubation", response={201: IncubationOut}, summary="Apply for incubation")
def incubation_apply(request: HttpRequest, org_id: int, payload: IncubationIn) -> Status:
    incubation = services.incubation_apply(actor=request.user, org_id=org_id, plan=payload.plan)
    return Status(201, incubation_out(incubation))


@router.post("/incubations/{incubation_id}/advance", response=IncubationOut, summary="Next incubation step (staff)")
def incubation_advance(request: HttpRequest, incubation_id: int, payload: AdvanceIn) -> dict[str, Any]:
    return incubation_out(services.incubation_advance(actor=request.user, incubation_id=incubation_id,
                                                      grade=payload.grade))  # fmt: skip


@router.get("/incubations/", response=list[IncubationOut], summary="Incubations in my scope")
def incubations(request: HttpRequest) -> list[dict[str, Any]]:
    return [incubation_out(i) for i in selectors.incubations_visible(viewer=request.user)[:500]]


# Figures for the indicators --------------------------------------------------------------------------


class OrgCountOut(Schema):
    area_code: str
    kind: str
    count: int
    rated: int


class HoursRowOut(Schema):
    area_code: str
    kind: str
    hours: Decimal
    person_times: int
    people: int
    residents_served: int


@router.get("/stats/filed", response=list[OrgCountOut], summary="Filed organisations per area and kind")
def stats_filed(request: HttpRequest, area: str = "", level: int = 12) -> list[dict[str, Any]]:
    return selectors.organizations_per_area(viewer=request.user, area=area, level=level)


@router.get("/stats/hours", response=list[HoursRowOut], summary="Volunteer hours and 下沉人次 per area")
def stats_hours(request: HttpRequest, filters: Query[PeriodFilters]) -> list[dict[str, Any]]:
    return selectors.hours_per_area(viewer=request.user, **filters.dict())
