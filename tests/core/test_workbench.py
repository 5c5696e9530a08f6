"""The workbench (工作台): each role lands on its own panels, filled with real data of its scope, and never
with another person's or another area's data."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from linli.bookings import codes
from linli.bookings.checkin import checkin_record
from linli.bookings.models import Activity, Session
from linli.bookings.registrations import registration_create
from linli.cases.models import RequestType
from linli.cases.services import request_file
from linli.core.calendar import calendar_load
from linli.core.enums import Role
from linli.core.services import person_contact
from linli.feedback.services import need_propose, survey_answer
from tests.conftest import login, make_user
from tests.facilities.conftest import registry  # noqa: F401  (the fixture)
from tests.feedback.conftest import (
    qid,
    survey,  # noqa: F401  (the fixture)
)


def panel(page: str, key: str) -> str:
    """The HTML of one panel of the home page ("" when the page has no such panel)."""
    found = re.search(rf'<section class="panel wb-panel" data-panel="{re.escape(key)}">(.*?)</section>', page, re.S)
    return found.group(1) if found else ""


def panels(page: str) -> list[str]:
    return re.findall(r'data-panel="([^"]+)"', page)


def home(client, user) -> str:  # type: ignore[no-untyped-def]
    login(client, user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def centre(registry):  # noqa: F811
    return registry["facility"]


def session_at(centre, title: str, starts: dt.datetime, hours: float = 2, capacity: int = 10) -> Session:  # type: ignore[no-untyped-def]
    activity = Activity.objects.create(facility=centre, area_code=centre.area_code, title=title, domain="sports")
    return Session.objects.create(
        activity=activity,
        area_code=centre.area_code,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=hours),
        capacity=capacity,
        waitlist_capacity=2,
        opens_at=starts - dt.timedelta(days=14),
        closes_at=starts + dt.timedelta(hours=hours),
    )


def running_today(centre, title: str = "太极拳") -> Session:  # type: ignore[no-untyped-def]
    """A session of today that is on now (starts at most an hour ago, never before midnight)."""
    now = timezone.now()
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    return session_at(centre, title, max(midnight, now - dt.timedelta(hours=1)), hours=3)


@pytest.fixture
def rtype(db) -> RequestType:
    calendar_load([2026])
    return RequestType.objects.create(
        code="elderly-card", name="老年人优待证", deadline_days=5, department="民政", handling_level="community"
    )


# Resident ------------------------------------------------------------------------------------------------


def test_resident_sees_own_registrations_with_codes_never_another_residents(client, users, centre):
    later = session_at(centre, "书法班", timezone.now() + dt.timedelta(days=2))
    mine = registration_create(actor=users["resident"], session_id=later.pk)
    theirs_session = session_at(centre, "合唱团", timezone.now() + dt.timedelta(days=3))
    registration_create(actor=users["resident_b"], session_id=theirs_session.pk)

    page = home(client, users["resident"])
    box = panel(page, "bookings.mine")
    assert "书法班" in box and codes.short_code(mine.code_nonce) in box
    assert "合唱团" not in box  # resident_b's registration
    assert "我的报名" in page and "My registrations" not in page  # Chinese first

    other = panel(home(client, users["resident_b"]), "bookings.mine")
    assert "合唱团" in other and "书法班" not in other and codes.short_code(mine.code_nonce) not in other


def test_resident_sees_waiting_list_place_and_not_past_or_cancelled(client, users, centre):
    full = session_at(centre, "烘焙课", timezone.now() + dt.timedelta(days=1), capacity=1)
    registration_create(actor=users["resident_b"], session_id=full.pk)
    registration_create(actor=users["resident"], session_id=full.pk)  # waiting list, number 1
    past = session_at(centre, "旧课程", timezone.now() - dt.timedelta(days=3))
    Session.objects.filter(pk=past.pk).update(closes_at=timezone.now() + dt.timedelta(days=1))
    registration_create(actor=users["resident"], session_id=past.pk)  # a session already over
    box = panel(home(client, users["resident"]), "bookings.mine")
    assert "烘焙课" in box and "候补第 1 位" in box
    assert "旧课程" not in box


def test_resident_requests_with_deadline_only_their_own(client, users, rtype):
    mine = request_file(actor=users["resident"], request_type=rtype, description="办证")
    request_file(actor=users["resident_b"], request_type=rtype, description="别人的")
    page = home(client, users["resident"])
    box = panel(page, "cases.mine")
    assert f'href="/requests/{mine.pk}/"' in box and "老年人优待证" in box
    assert timezone.localtime(mine.deadline_at).strftime("%m-%d") in box and "剩余" in box
    assert box.count('data-request="') == 1


def test_resident_surveys_waiting_disappear_once_answered(client, users, survey):  # noqa: F811
    box = panel(home(client, users["resident"]), "feedback.surveys")
    assert "2025 居民需求调查" in box
    survey_answer(
        respondent=users["resident"],
        survey=survey,
        answers={qid(survey, 1): "助餐", qid(survey, 3): 4},
    )
    box = panel(home(client, users["resident"]), "feedback.surveys")
    assert "2025 居民需求调查" not in box and "没有等您填写的问卷" in box


def test_resident_services_near_home_link_to_the_home_area(client, users, centre):
    box = panel(home(client, users["resident"]), "catalog.near")
    assert "东湖邻里中心" in box and f"/facilities/{centre.code}/" in box
    assert "/services/?area=990102001001" in box


def test_resident_sees_no_staff_panels(client, users, centre, rtype):
    keys = panels(home(client, users["resident"]))
    assert set(keys) >= {"bookings.mine", "cases.mine", "feedback.surveys", "catalog.near"}
    assert not {"bookings.sessions", "cases.due", "feedback.needs", "catalog.scope", "core.audit"} & set(keys)


# Community staff -----------------------------------------------------------------------------------------


def test_community_staff_see_todays_sessions_and_check_ins_of_their_scope(client, users, centre):
    today = running_today(centre)
    first = registration_create(actor=users["resident"], session_id=today.pk)
    registration_create(actor=users["resident_b"], session_id=today.pk)
    checkin_record(actor=users["community"], code=codes.full_code(first.code_nonce))
    session_at(centre, "下周活动", timezone.now() + dt.timedelta(days=8))

    page = home(client, users["community"])
    box = panel(page, "bookings.sessions")
    assert "太极拳" in box and 'data-testid="sessions-today">1<' in box
    assert 'data-testid="checkins-today">1 / 2<' in box
    assert "下周活动" not in box

    other = panel(home(client, users["other_community"]), "bookings.sessions")
    assert "太极拳" not in other and 'data-testid="sessions-today">0<' in other


def test_staff_requests_due_count_overdue_and_never_out_of_scope(client, users, rtype):
    old = timezone.make_aware(dt.datetime(2026, 9, 14, 10))
    overdue = request_file(actor=users["resident"], request_type=rtype, description="逾期", now=old)
    request_file(actor=users["resident"], request_type=rtype, description="新的")
    far = request_file(actor=users["resident_b"], request_type=rtype, description="西山", now=old)

    box = panel(home(client, users["community"]), "cases.due")
    assert 'data-testid="requests-overdue">1<' in box and 'data-testid="requests-open">2<' in box
    assert f'href="/requests/{overdue.pk}/"' in box and "超期" in box
    assert f'href="/requests/{far.pk}/"' not in box

    other = panel(home(client, users["other_community"]), "cases.due")
    assert 'data-testid="requests-overdue">1<' in other and 'data-testid="requests-open">1<' in other
    assert f'href="/requests/{overdue.pk}/"' not in other and f'href="/requests/{far.pk}/"' in other

    town = panel(home(client, users["town"]), "cases.due")  # 990102001: the first sub-district only
    assert 'data-testid="requests-open">2<' in town and f'href="/requests/{far.pk}/"' not in town
    district = panel(home(client, users["district"]), "cases.due")
    assert 'data-testid="requests-overdue">2<' in district and 'data-testid="requests-open">3<' in district


def test_staff_new_needs_of_their_scope(client, users, area_tree):
    need_propose(actor=users["resident"], title="增设助餐点", domain="elderly")
    need_propose(actor=users["resident_b"], title="西山路灯", domain="elderly")
    box = panel(home(client, users["community"]), "feedback.needs")
    assert "增设助餐点" in box and "西山路灯" not in box and 'data-testid="needs-new">1<' in box
    box = panel(home(client, users["district"]), "feedback.needs")
    assert "增设助餐点" in box and "西山路灯" in box and 'data-testid="needs-new">2<' in box


def test_community_staff_panels(client, users, area_tree):
    keys = panels(home(client, users["community"]))
    assert keys[:1] == ["cases.due"]  # the most pressing first
    assert {"bookings.sessions", "feedback.needs"} <= set(keys)
    assert not {"bookings.mine", "cases.mine", "core.audit", "catalog.scope"} & set(keys)


# Sub-district, district, auditor -------------------------------------------------------------------------


def test_town_and_district_key_counts_of_their_scope(client, users, centre):
    make_user("r-west", Role.RESIDENT, home="990102002001")
    town = panel(home(client, users["town"]), "catalog.scope")
    # 990102001: two communities, one resident (the fixture's), the centre
    assert 'data-testid="scope-communities">2<' in town
    assert 'data-testid="scope-residents">1<' in town and 'data-testid="scope-built">1<' in town
    district = panel(home(client, users["district"]), "catalog.scope")
    assert 'data-testid="scope-communities">6<' in district and 'data-testid="scope-residents">3<' in district


def test_auditor_sees_recent_audit_events_of_the_scope(client, users):
    person_contact(viewer=users["community"], subject=users["resident"])  # an unmasked read, audited
    narrow = make_user("auditor-west", Role.AUDITOR, scope="990102002")
    box = panel(home(client, users["auditor"]), "core.audit")
    assert 'data-testid="audit-reads">1<' in box and "community · 查看 · 用户" in box and 'href="/audit/"' in box
    west = panel(home(client, narrow), "core.audit")
    assert 'data-testid="audit-reads">0<' in west and "community · 查看" not in west


def test_home_in_english_and_anonymous_home_has_no_workbench(client, users, area_tree):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = home(client, users["community"])
    assert "Requests due" in page and "Workbench" in page
    client.logout()
    anonymous = client.get("/").content.decode()
    assert 'data-testid="workbench"' not in anonymous


def test_escalations_reach_the_sub_district_panel_of_their_scope_only(client, users, rtype):
    from linli.cases.services import requests_escalate_overdue

    old = timezone.make_aware(dt.datetime(2026, 9, 14, 10))
    east = request_file(actor=users["resident"], request_type=rtype, description="逾期", now=old)
    west = request_file(actor=users["resident_b"], request_type=rtype, description="西山", now=old)
    assert len(requests_escalate_overdue(now=timezone.make_aware(dt.datetime(2026, 9, 30, 10)))) == 2

    town = panel(home(client, users["town"]), "cases.due")  # 990102001: the east sub-district
    assert 'data-testid="requests-escalated">1<' in town and f'href="/requests/{east.pk}/"' in town
    assert "街道、乡镇" in town and f'href="/requests/{west.pk}/"' not in town
    district = panel(home(client, users["district"]), "cases.due")
    assert 'data-testid="requests-escalated">2<' in district


def test_venue_bookings_to_approve_counted_in_scope(client, users, centre):
    from linli.bookings.models import Venue, VenueBooking, VenueBookingStatus

    room = Venue.objects.create(facility=centre, area_code=centre.area_code, name="多功能厅", needs_approval=True)
    starts = timezone.now() + dt.timedelta(days=2)
    VenueBooking.objects.create(
        venue=room, area_code=room.area_code, booker=users["resident"], starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1), status=VenueBookingStatus.PENDING,
    )  # fmt: skip
    box = panel(home(client, users["community"]), "bookings.sessions")
    assert 'data-testid="venue-pending">1<' in box and 'href="/activities/venues/queue/"' in box
    other = panel(home(client, users["other_community"]), "bookings.sessions")
    assert 'data-testid="venue-pending">0<' in other
