"""The filing workflow and each refusal, scope and roles, the roster's unique member, shifts, the hours cap,
corrections as new records, and the event emitted once with its payload."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from linli.core.errors import ApplicationError
from linli.core.events import _LISTENERS, listen
from linli.core.models import AuditLog
from linli.organizations import services
from linli.organizations.enums import IncubationState, MemberRole, MemberState, OrgState, OrgTrack
from linli.organizations.inputs import HoursIn, OrganizationIn, RatingIn, SentDownIn, ShiftIn
from linli.organizations.models import ConfirmedRecordEdited, HoursRecord, Membership, Organization, OrgTransition
from tests.organizations.conftest import COMMUNITY, move_to_past


def refused(exc_info) -> tuple[str, str | None, int]:
    exc = exc_info.value
    field = exc.extra.get("field") or (exc.extra.get("errors") or [{}])[0].get("field")
    return exc.code, field, exc.status


# Filing ------------------------------------------------------------------------------------------------


def test_workflow_draft_submit_return_resubmit_approve_renew_suspend_dissolve(file_org, leader, users):
    org = file_org()
    assert org.state == OrgState.DRAFT and org.leader == leader and org.area_code == COMMUNITY
    assert Membership.objects.get(organization=org, person=leader).role == MemberRole.LEADER
    services.organization_submit(actor=leader, org_id=org.pk)
    staff = users["community"]
    services.organization_return(actor=staff, org_id=org.pk, reasons="缺少章程")
    org.refresh_from_db()
    assert org.state == OrgState.RETURNED and org.return_reasons == "缺少章程"
    services.organization_submit(actor=leader, org_id=org.pk)
    services.organization_approve(actor=staff, org_id=org.pk)
    org.refresh_from_db()
    assert org.state == OrgState.APPROVED
    due = org.renewal_due
    assert due == services._one_year_after(timezone.localdate())
    services.organization_renew(actor=staff, org_id=org.pk)
    org.refresh_from_db()
    assert org.renewal_due == services._one_year_after(due)
    services.organization_suspend(actor=staff, org_id=org.pk, reasons="长期未开展活动")
    services.organization_reinstate(actor=staff, org_id=org.pk)
    services.organization_dissolve(actor=leader, org_id=org.pk, reasons="成员搬离")
    steps = list(OrgTransition.objects.filter(organization=org).values_list("to_state", "actor__username"))
    assert steps == [
        ("draft", "leader"), ("submitted", "leader"), ("returned", "community"), ("submitted", "leader"),
        ("approved", "community"), ("approved", "community"), ("suspended", "community"), ("approved", "community"),
        ("dissolved", "leader"),
    ]  # fmt: skip
    audited = AuditLog.objects.filter(object_type="organizations.organization", object_id=str(org.pk))
    assert audited.filter(action="update").count() == 8


def test_filing_without_community_or_leader_is_refused_and_nothing_written(area_tree, leader, users):
    with pytest.raises(ApplicationError) as exc:
        services.organization_file(actor=leader, data=OrganizationIn(name="合唱团", kind="self_entertainment"))
    assert refused(exc) == ("invalid", "community", 400)
    with pytest.raises(ApplicationError) as exc:
        services.organization_file(
            actor=users["community"], data=OrganizationIn(name="合唱团", kind="self_entertainment", community=COMMUNITY)
        )
    assert refused(exc) == ("invalid", "leader", 400)
    with pytest.raises(ApplicationError) as exc:
        services.organization_file(actor=leader, data=OrganizationIn(name="合唱团", kind="x", community="990102001000"))
    fields = {e["field"] for e in exc.value.extra["errors"]}
    assert fields == {"kind", "community"}  # a sub-district is not a community
    assert Organization.objects.count() == 0


def test_grade_only_for_registered_social_organisations(file_org):
    with pytest.raises(ApplicationError) as exc:
        file_org(grade="4A")
    assert refused(exc)[1] == "grade"
    org = file_org(track=OrgTrack.REGISTERED, grade="4A")
    assert org.grade == "4A"


def test_staff_files_for_a_leader_in_scope_only(area_tree, leader, users):
    data = OrganizationIn(name="下村议事会", kind="self_governance", community="990102002001", leader="leader")
    with pytest.raises(ApplicationError) as exc:
        services.organization_file(actor=users["community"], data=data)
    assert refused(exc) == ("forbidden", "community", 403)
    org = services.organization_file(actor=users["other_community"], data=data)
    assert org.leader == leader


def test_transition_not_allowed_from_the_current_state(file_org, leader, users):
    org = file_org()
    with pytest.raises(ApplicationError) as exc:
        services.organization_approve(actor=users["community"], org_id=org.pk)  # still a draft
    assert refused(exc) == ("conflict", "state", 409)
    services.organization_submit(actor=leader, org_id=org.pk)
    with pytest.raises(ApplicationError) as exc:
        services.organization_submit(actor=leader, org_id=org.pk)
    assert exc.value.status == 409
    with pytest.raises(ApplicationError) as exc:
        services.organization_return(actor=users["community"], org_id=org.pk, reasons="  ")
    assert refused(exc) == ("invalid", "reasons", 400)


def test_review_scope_404_and_role_403(file_org, leader, users):
    org = file_org()
    services.organization_submit(actor=leader, org_id=org.pk)
    with pytest.raises(ApplicationError) as exc:
        services.organization_approve(actor=users["other_community"], org_id=org.pk)
    assert exc.value.status == 404
    for who in (leader, users["resident"], users["auditor"]):
        with pytest.raises(ApplicationError) as exc:
            services.organization_approve(actor=who, org_id=org.pk)
        assert exc.value.status == 403
    org.refresh_from_db()
    assert org.state == OrgState.SUBMITTED


def test_guide_contact_masked_unless_the_role_needs_it(approved_org, leader, users):
    assert services.guide_contact(viewer=users["resident"], org=approved_org) == {
        "guide_name": "王**", "guide_phone": "139****0000",
    }  # fmt: skip
    assert services.guide_contact(viewer=leader, org=approved_org)["guide_phone"] == "13912340000"
    before = AuditLog.objects.filter(action="read").count()
    assert services.guide_contact(viewer=users["community"], org=approved_org)["guide_name"] == "王建国"
    assert AuditLog.objects.filter(action="read").count() == before + 1


# Roster -------------------------------------------------------------------------------------------------


def test_join_accept_role_leave_and_rejoin(approved_org, leader, users):
    resident = users["resident"]
    m = services.membership_request(actor=resident, org_id=approved_org.pk)
    assert m.state == MemberState.REQUESTED
    with pytest.raises(ApplicationError) as exc:
        services.membership_request(actor=resident, org_id=approved_org.pk)
    assert refused(exc) == ("conflict", "person", 409)
    with pytest.raises(ApplicationError) as exc:
        services.membership_decide(actor=resident, membership_id=m.pk, accept=True)
    assert exc.value.status == 403
    services.membership_decide(actor=leader, membership_id=m.pk, accept=True)
    services.membership_set_role(actor=leader, membership_id=m.pk, role="deputy")
    m.refresh_from_db()
    assert (m.state, m.role) == (MemberState.ACTIVE, MemberRole.DEPUTY)
    assert services.is_leader(resident, approved_org)
    services.membership_leave(actor=resident, membership_id=m.pk)
    m = services.membership_request(actor=resident, org_id=approved_org.pk)
    assert (m.state, m.role) == (MemberState.REQUESTED, MemberRole.MEMBER)
    assert Membership.objects.filter(organization=approved_org, person=resident).count() == 1
    services.membership_decide(actor=leader, membership_id=m.pk, accept=False)
    m.refresh_from_db()
    assert m.state == MemberState.REFUSED


def test_a_member_twice_is_refused_by_the_database(approved_org, users):
    Membership.objects.create(organization=approved_org, person=users["resident"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(organization=approved_org, person=users["resident"])


def test_cannot_join_an_organisation_in_review(file_org, leader, users):
    org = file_org()
    services.organization_submit(actor=leader, org_id=org.pk)
    with pytest.raises(ApplicationError) as exc:
        services.membership_request(actor=users["resident"], org_id=org.pk)
    assert exc.value.status == 404  # not on the public register yet


# Shifts and hours ----------------------------------------------------------------------------------------


@pytest.fixture
def hours_events():
    seen: list[dict] = []

    def listener(**payload):
        seen.append(payload)

    listen("organizations.hours_confirmed")(listener)
    yield seen
    _LISTENERS["organizations.hours_confirmed"].remove(listener)


def test_shift_refusals_name_the_field(approved_org, leader):
    now = timezone.now()
    with pytest.raises(ApplicationError) as exc:
        services.shift_publish(actor=leader, org_id=approved_org.pk,
                               data=ShiftIn(title="探访", place="x", starts_at=now, ends_at=now, places=0))  # fmt: skip
    fields = {e["field"] for e in exc.value.extra["errors"]}
    assert fields == {"ends_at", "places"}


def test_signup_respects_places(past_shift, users, leader):
    shift, _ = past_shift
    from linli.organizations.models import Shift

    Shift.objects.filter(pk=shift.pk).update(places=1)
    services.shift_signup(actor=users["resident"], shift_id=shift.pk)
    with pytest.raises(ApplicationError) as exc:
        services.shift_signup(actor=users["resident_b"], shift_id=shift.pk)
    assert refused(exc) == ("conflict", "places", 409)


def test_hours_cap_confirmation_event_once_and_correction(past_shift, users, leader, hours_events):
    shift, _ = past_shift
    attendance = services.shift_signup(actor=users["resident"], shift_id=shift.pk)
    move_to_past(shift)
    with pytest.raises(ApplicationError) as exc:
        services.hours_confirm(actor=users["resident"], attendance_id=attendance.pk, data=HoursIn(hours=Decimal(2)))
    assert exc.value.status == 403
    with pytest.raises(ApplicationError) as exc:
        services.hours_confirm(actor=leader, attendance_id=attendance.pk, data=HoursIn(hours=Decimal("3.5")))
    assert refused(exc) == ("invalid", "hours", 400)
    assert HoursRecord.objects.count() == 0 and hours_events == []
    record = services.hours_confirm(actor=leader, attendance_id=attendance.pk, data=HoursIn(hours=Decimal("2.5")))
    assert hours_events == [{
        "key": f"hours:{record.pk}", "record_id": record.pk, "organization_id": shift.organization_id,
        "resident_id": users["resident"].pk, "area_code": COMMUNITY, "occurred_at": shift.ends_at,
        "hours": Decimal("2.50"), "kind": "volunteer",
    }]  # fmt: skip
    with pytest.raises(ApplicationError) as exc:
        services.hours_confirm(actor=leader, attendance_id=attendance.pk, data=HoursIn(hours=Decimal(1)))
    assert exc.value.status == 409
    assert len(hours_events) == 1
    with pytest.raises(ConfirmedRecordEdited):
        record.save()
    with pytest.raises(ConfirmedRecordEdited):
        HoursRecord.objects.filter(pk=record.pk).update(hours=1)
    with pytest.raises(ApplicationError) as exc:
        services.hours_correct(actor=leader, record_id=record.pk, data=HoursIn(hours=Decimal(2)))
    assert refused(exc)[1] == "reason"
    withdrawn: list[dict] = []
    listen("organizations.hours_withdrawn")(withdrawn_listener := lambda **payload: withdrawn.append(payload))
    try:
        fixed = services.hours_correct(actor=leader, record_id=record.pk, data=HoursIn(hours=Decimal(2), reason="早退"))
    finally:
        _LISTENERS["organizations.hours_withdrawn"].remove(withdrawn_listener)
    assert [(w["key"], w["record_id"], w["replaced_by"], w["hours"]) for w in withdrawn] == [
        (f"withdrawn:{record.pk}", record.pk, fixed.pk, Decimal("2.50"))
    ]
    assert fixed.replaces_id == record.pk and len(hours_events) == 2 and hours_events[1]["key"] == f"hours:{fixed.pk}"
    record.refresh_from_db()
    assert record.hours == Decimal("2.50")  # the first record stays as it was
    with pytest.raises(ApplicationError) as exc:
        services.hours_correct(actor=leader, record_id=record.pk, data=HoursIn(hours=Decimal(1), reason="再改"))
    assert exc.value.status == 409


def test_no_hours_for_a_cancelled_shift_and_no_cancelling_after_confirmation(past_shift, users, leader):
    shift, _ = past_shift
    first = services.shift_signup(actor=users["resident"], shift_id=shift.pk)
    move_to_past(shift)
    services.hours_confirm(actor=leader, attendance_id=first.pk, data=HoursIn(hours=Decimal(1)))
    with pytest.raises(ApplicationError) as exc:
        services.shift_cancel(actor=leader, shift_id=shift.pk)
    assert refused(exc) == ("conflict", "shift", 409)
    starts = timezone.now() + dt.timedelta(days=2)
    data = ShiftIn(
        title="环境清洁", place="小区花园", starts_at=starts, ends_at=starts + dt.timedelta(hours=2), places=3
    )
    other = services.shift_publish(actor=leader, org_id=shift.organization_id, data=data)
    attendance = services.shift_signup(actor=users["resident"], shift_id=other.pk)
    services.shift_cancel(actor=leader, shift_id=other.pk)
    move_to_past(other)
    with pytest.raises(ApplicationError) as exc:
        services.hours_confirm(actor=leader, attendance_id=attendance.pk, data=HoursIn(hours=Decimal(1)))
    assert refused(exc) == ("conflict", "shift", 409)
    assert HoursRecord.objects.count() == 1


def test_database_caps_hours_at_the_shift_length(past_shift, users, leader):
    shift, _ = past_shift
    attendance = services.shift_signup(actor=users["resident"], shift_id=shift.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        HoursRecord.objects.create(
            attendance=attendance, shift=shift, person=users["resident"], organization=shift.organization,
            kind="volunteer", hours=Decimal(4), shift_hours=Decimal(3), area_code=COMMUNITY, confirmed_by=leader,
        )  # fmt: skip


def test_hours_from_check_in_and_out_clipped_to_the_shift(past_shift, users, leader, hours_events):
    shift, _ = past_shift
    attendance = services.shift_signup(actor=users["resident"], shift_id=shift.pk)
    move_to_past(shift)
    services.attendance_check_in(actor=leader, attendance_id=attendance.pk, at=shift.starts_at - dt.timedelta(hours=1))
    with pytest.raises(ApplicationError) as exc:
        services.attendance_check_out(actor=leader, attendance_id=attendance.pk,
                                      at=shift.starts_at - dt.timedelta(hours=2))  # fmt: skip
    assert refused(exc)[1] == "checked_out_at"
    services.attendance_check_out(actor=leader, attendance_id=attendance.pk, at=shift.ends_at + dt.timedelta(hours=1))
    record = services.hours_confirm(actor=leader, attendance_id=attendance.pk, data=HoursIn())
    assert record.hours == Decimal("3.00")


def test_a_failing_listener_rolls_the_confirmation_back(past_shift, users, leader):
    shift, _ = past_shift
    attendance = services.shift_signup(actor=users["resident"], shift_id=shift.pk)
    move_to_past(shift)

    def boom(**payload):
        raise RuntimeError("points refused")

    listen("organizations.hours_confirmed")(boom)
    try:
        with pytest.raises(RuntimeError):
            services.hours_confirm(actor=leader, attendance_id=attendance.pk, data=HoursIn(hours=Decimal(1)))
    finally:
        _LISTENERS["organizations.hours_confirmed"].remove(boom)
    assert HoursRecord.objects.count() == 0


def test_sent_down_service_scheduled_checked_in_and_counted(area_tree, users, hours_events):
    from linli.core.enums import Role
    from linli.organizations.selectors import sent_down_per_area
    from tests.conftest import make_user

    doctor = make_user("doctor", Role.RESIDENT, home="990102001002")
    starts = timezone.now() + dt.timedelta(hours=1)
    data = SentDownIn(title="家庭医生巡诊", service="doctor", community=COMMUNITY, place="东湖社区卫生站",
                      starts_at=starts, ends_at=starts + dt.timedelta(hours=2), places=2)  # fmt: skip
    with pytest.raises(ApplicationError) as exc:
        services.sent_down_schedule(actor=users["other_community"], data=data)
    assert exc.value.status == 403
    shift = services.sent_down_schedule(actor=users["community"], data=data)
    attendance = services.shift_signup(actor=users["community"], shift_id=shift.pk, person="doctor")
    move_to_past(shift)
    services.hours_confirm(actor=users["community"], attendance_id=attendance.pk,
                           data=HoursIn(hours=Decimal(2), residents_served=15))  # fmt: skip
    assert hours_events[0]["kind"] == "sent_down" and hours_events[0]["organization_id"] is None
    today = timezone.localdate()
    rows = sent_down_per_area(
        viewer=users["town"], start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=1)
    )
    assert rows == [{"area_code": COMMUNITY, "kind": "sent_down", "hours": Decimal(2), "person_times": 1,
                     "residents_served": 15, "people": 1}]  # fmt: skip
    assert sent_down_per_area(viewer=users["other_community"], start=today - dt.timedelta(days=1),
                              end=today + dt.timedelta(days=1)) == []  # fmt: skip
    assert doctor.pk == attendance.person_id


# Rating and incubation --------------------------------------------------------------------------------


def test_rating_from_the_data_adjustment_needs_reason_and_replace_shows_changes(past_shift, users, leader):
    shift, _ = past_shift
    org = shift.organization
    attendance = services.shift_signup(actor=users["resident"], shift_id=shift.pk)
    move_to_past(shift)
    services.hours_confirm(actor=leader, attendance_id=attendance.pk, data=HoursIn(hours=Decimal(3)))
    year = timezone.localdate().year
    staff = users["community"]
    with pytest.raises(ApplicationError) as exc:
        services.rating_save(actor=staff, org_id=org.pk, year=year, data=RatingIn(adjustment=5))
    assert refused(exc) == ("invalid", "reason", 400)
    rating = services.rating_save(actor=staff, org_id=org.pk, year=year, data=RatingIn())
    assert rating.figures == {"shifts_held": 1, "participants": 1, "confirmed_hours": 3.0, "members": 1}
    # 30*1/24 + 20*1/30 + 30*3/300 + 20*1/30 = 1.3 + 0.7 + 0.3 + 0.7
    assert rating.score == Decimal("3.0") and rating.stars == 1
    with pytest.raises(ApplicationError) as exc:
        services.rating_save(actor=staff, org_id=org.pk, year=year, data=RatingIn(adjustment=20, reason="获区级表彰"))
    assert exc.value.status == 409 and exc.value.extra["changes"][0]["field"] == "adjustment"
    with pytest.raises(ApplicationError) as exc:
        services.rating_save(actor=leader, org_id=org.pk, year=year, data=RatingIn())
    assert exc.value.status == 403


def test_incubation_to_registration_with_funds(approved_org, leader, users):
    staff = users["community"]
    incubation = services.incubation_apply(actor=leader, org_id=approved_org.pk, plan="培育为社会组织")
    with pytest.raises(ApplicationError) as exc:
        services.incubation_apply(actor=leader, org_id=approved_org.pk)
    assert exc.value.status == 409
    with pytest.raises(ApplicationError) as exc:
        services.incubation_advance(actor=leader, incubation_id=incubation.pk)
    assert exc.value.status == 403
    incubation = services.incubation_advance(actor=staff, incubation_id=incubation.pk)
    assert incubation.state == IncubationState.INCUBATING and incubation.startup_fund == Decimal(5000)
    with pytest.raises(ApplicationError) as exc:
        services.incubation_advance(actor=staff, incubation_id=incubation.pk)
    assert refused(exc)[1] == "rating"
    services.rating_save(actor=staff, org_id=approved_org.pk, year=timezone.localdate().year,
                         data=RatingIn(adjustment=20, reason="服务成效突出"))  # fmt: skip
    incubation = services.incubation_advance(actor=staff, incubation_id=incubation.pk)
    assert incubation.award_fund == Decimal(0)  # 1 star with so little data: no award
    incubation = services.incubation_advance(actor=staff, incubation_id=incubation.pk, grade="3A")
    approved_org.refresh_from_db()
    assert (approved_org.track, approved_org.grade) == (OrgTrack.REGISTERED, "3A")
