"""Requests: types need a deadline, filing (by the resident or on their behalf), the state machine with its
refusals, the paused clock, transfer, escalation of overdue requests, rating, consultations."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.cases.consultations import consultation_answer, consultation_ask, consultation_publish
from linli.cases.models import Consultation, RequestEvent, RequestType, ServiceRequest
from linli.cases.request_types import RequestTypeInput as Fields
from linli.cases.request_types import request_type_create, request_type_update
from linli.cases.selectors import faq_public, request_queue, requests_visible
from linli.cases.services import (
    request_file,
    request_rate,
    request_transfer,
    request_transition,
    requests_escalate_overdue,
)
from linli.core.errors import ApplicationError
from tests.cases.conftest import at

MON = at(2026, 9, 14, 10)  # Monday 14 Sep 2026, 10:00


def refused(call, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as exc:
        call(**kwargs)
    return exc.value


def fields(error: ApplicationError) -> dict[str, str]:
    return {e["field"]: e["message"] for e in error.extra["errors"]}


def test_request_type_needs_a_deadline_and_district_rights(users, calendar2026):
    good = {"code": "subsidy", "name": "低保", "deadline_days": 10, "department": "民政", "handling_level": "town"}
    error = refused(request_type_create, actor=users["district"], fields=Fields(**{**good, "deadline_days": ""}))
    assert "deadline" in fields(error)["deadline_days"]
    assert fields(refused(request_type_create, actor=users["district"], fields=Fields(**{**good, "deadline_days": 0})))
    assert "handling_level" in fields(
        refused(request_type_create, actor=users["district"], fields=Fields(**{**good, "handling_level": "moon"}))
    )
    assert refused(request_type_create, actor=users["community"], fields=Fields(**good)).status == 403
    assert not RequestType.objects.exists()
    created = request_type_create(actor=users["district"], fields=Fields(**good))
    assert created.deadline_days == 10 and created.handling_level == "town"
    request_type_update(actor=users["district"], request_type=created, changes=Fields(deadline_days=7))
    created.refresh_from_db()
    assert (created.deadline_days, created.name, created.department, created.active) == (7, "低保", "民政", True)


def test_request_type_creation_checks_every_field_even_unset_ones(users, calendar2026):
    # Nothing given: every required field is named at once, and nothing is written.
    error = refused(request_type_create, actor=users["district"], fields=Fields())
    assert set(fields(error)) == {"code", "name", "deadline_days"}
    # Form text and JSON numbers go through the same check.
    made = request_type_create(actor=users["district"], fields=Fields(code="a", name="A", deadline_days="3"))
    assert made.deadline_days == 3 and made.active and made.handling_level == "community"
    error = refused(request_type_update, actor=users["district"], request_type=made, changes=Fields(name=""))
    assert set(fields(error)) == {"name"}


def test_resident_files_and_the_deadline_follows_the_calendar(users, rtype):
    # Wed 30 Sep 10:00 + 5 working days: after the National Day holiday, with the make-up Saturday counted.
    request = request_file(actor=users["resident"], request_type=rtype, description="办优待证", now=at(2026, 9, 30, 10))
    assert request.deadline_at == at(2026, 10, 13, 10)
    assert request.area_code == "990102001001" and request.level == "community" and request.department == "民政"
    assert request.filed_by == users["resident"] and not request.on_behalf
    event = request.events.get()
    assert (event.action, event.from_state, event.to_state, event.actor) == ("file", "", "submitted", users["resident"])


def test_staff_file_on_behalf_of_a_resident_of_their_scope_only(users, rtype):
    request = request_file(
        actor=users["community"], resident=users["resident"], request_type=rtype, description="代办", now=MON
    )
    assert request.on_behalf and request.filed_by == users["community"] and request.resident == users["resident"]
    assert request.events.get().detail == {"on_behalf_of": users["resident"].pk}
    error = refused(
        request_file, actor=users["community"], resident=users["resident_b"], request_type=rtype, description="x"
    )
    assert "resident" in fields(error)
    assert (
        refused(
            request_file, actor=users["resident_b"], resident=users["resident"], request_type=rtype, description="x"
        ).status
        == 403
    )
    assert ServiceRequest.objects.count() == 1


def test_bad_input_names_the_field_and_writes_nothing(users, rtype):
    error = refused(
        request_file, actor=users["resident"], request_type=None, description=" ", lon="abc", lat=30, now=MON
    )
    assert set(fields(error)) == {"request_type", "description", "lon"}
    assert not ServiceRequest.objects.exists() and not RequestEvent.objects.exists()


def test_the_whole_way_with_every_transition_logged(users, rtype):
    request = request_file(actor=users["resident"], request_type=rtype, description="办优待证", now=MON)
    staff, resident = users["community"], users["resident"]
    request = request_transition(actor=staff, request=request, action="accept", now=MON)
    assert request.handler == staff
    request = request_transition(actor=staff, request=request, action="start", now=MON)
    request = request_transition(actor=staff, request=request, action="resolve", note="已办好", now=MON)
    request = request_transition(actor=resident, request=request, action="reopen", note="照片错了", now=MON)
    assert request.state == "reopened"
    request = request_transition(actor=staff, request=request, action="start", now=MON)
    request = request_transition(actor=staff, request=request, action="resolve", note="已改", now=MON)
    request = request_transition(actor=resident, request=request, action="confirm", now=MON)
    assert request.state == "closed" and request.closed_at == MON
    log = [(e.action, e.from_state, e.to_state) for e in request.events.all()]
    assert log == [
        ("file", "", "submitted"),
        ("accept", "submitted", "accepted"),
        ("start", "accepted", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("reopen", "resolved", "reopened"),
        ("start", "reopened", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("confirm", "resolved", "closed"),
    ]
    assert request.events.get(action="reopen").note == "照片错了"


def test_illegal_transitions_and_wrong_people_are_refused(users, rtype):
    request = request_file(actor=users["resident"], request_type=rtype, description="x", now=MON)
    error = refused(request_transition, actor=users["community"], request=request, action="resolve", note="x")
    assert error.code == "illegal_transition" and error.status == 409 and "cannot be resolved" in error.message
    assert refused(request_transition, actor=users["resident"], request=request, action="accept").status == 403
    assert refused(request_transition, actor=users["other_community"], request=request, action="accept").status == 403
    assert refused(request_transition, actor=users["community"], request=request, action="confirm").status == 403
    assert (
        refused(request_transition, actor=users["community"], request=request, action="fly").extra["field"] == "action"
    )
    request_transition(actor=users["community"], request=request, action="accept", now=MON)
    request_transition(actor=users["community"], request=request, action="start", now=MON)
    assert "note" in fields(refused(request_transition, actor=users["community"], request=request, action="resolve"))
    request.refresh_from_db()
    assert request.state == "in_progress" and request.events.count() == 3


def test_waiting_for_the_resident_pauses_the_clock(users, rtype):
    request = request_file(actor=users["resident"], request_type=rtype, description="x", now=MON)
    assert request.deadline_at == at(2026, 9, 20, 10)  # Mon + 5 working days; Sun 20 Sep is a make-up day
    staff = users["community"]
    request_transition(actor=staff, request=request, action="accept", now=MON)
    request = request_transition(
        actor=staff, request=request, action="ask_resident", note="缺照片", now=at(2026, 9, 15, 10)
    )
    assert request.state == "waiting" and request.paused_at == at(2026, 9, 15, 10)
    # Paused Tue 15 Sep 10:00 until Mon 28 Sep 16:00: Tue 14 h, Wed-Fri 3 days, Sun 20 (make-up) 1 day,
    # Mon 21-Thu 24 4 days, not the Mid-autumn holiday (Fri 25-Sun 27), Mon 28 16 h = 222 working hours.
    request = request_transition(actor=users["resident"], request=request, action="resume", now=at(2026, 9, 28, 16))
    assert request.paused_at is None and request.state == "in_progress"
    # Sun 20 Sep 10:00 + 222 h: Sun 14 h, Mon 21-Thu 24, Mon 28-Wed 30, (National Day), Thu 8 Oct, Fri 9 Oct 16 h.
    assert request.deadline_at == at(2026, 10, 9, 16)
    event = request.events.get(action="resume")
    assert event.actor == users["resident"] and event.detail["paused_working_hours"] == 222.0


def test_transfer_to_another_department_or_handler(users, rtype):
    request = request_file(actor=users["resident"], request_type=rtype, description="x", now=MON)
    request = request_transfer(actor=users["community"], request=request, department="卫健", handler=users["town"])
    assert request.department == "卫健" and request.handler == users["town"]
    event = request.events.get(action="transfer")
    assert event.detail["from_department"] == "民政" and event.detail["to_handler"] == users["town"].pk
    assert "handler" in fields(
        refused(request_transfer, actor=users["community"], request=request, handler=users["other_community"])
    )
    assert "department" in fields(
        refused(request_transfer, actor=users["community"], request=request, department="卫健")
    )


def test_overdue_requests_escalate_one_level_at_a_time(users, rtype):
    late = request_file(actor=users["resident"], request_type=rtype, description="late", now=MON)
    paused = request_file(actor=users["resident"], request_type=rtype, description="paused", now=MON)
    request_transition(actor=users["community"], request=paused, action="accept", now=MON)
    request_transition(actor=users["community"], request=paused, action="ask_resident", note="?", now=MON)
    on_time = request_file(actor=users["resident"], request_type=rtype, description="new", now=at(2026, 9, 18, 9))
    assert requests_escalate_overdue(now=at(2026, 9, 20, 9)) == []  # deadline Sun 20 Sep 10:00 not passed
    now = at(2026, 9, 20, 11)
    assert [r.pk for r in requests_escalate_overdue(now=now)] == [late.pk]
    late.refresh_from_db()
    assert late.level == "town" and late.escalations == 1 and late.handler is None
    assert late.deadline_at == at(2026, 9, 28, 11)  # 5 working days from now, across the Mid-autumn holiday
    event = late.events.get(action="escalate")
    assert event.actor is None and event.detail["from_level"] == "community" and event.detail["to_level"] == "town"
    paused.refresh_from_db()
    on_time.refresh_from_db()
    assert paused.level == on_time.level == "community"
    # The community cannot act on it any more; the town can.
    assert refused(request_transition, actor=users["community"], request=late, action="accept").code == "wrong_level"
    request_transition(actor=users["town"], request=late, action="accept", now=now)
    requests_escalate_overdue(now=at(2026, 10, 9, 12))
    late.refresh_from_db()
    assert late.level == "district" and late.escalations == 2
    requests_escalate_overdue(now=at(2026, 12, 1, 12))
    late.refresh_from_db()
    assert late.level == "district" and late.escalations == 2  # nowhere higher to go


def test_scope_queue_and_escalated_visibility(users, rtype):
    mine = request_file(actor=users["resident"], request_type=rtype, description="a", now=MON)
    theirs = request_file(actor=users["resident_b"], request_type=rtype, description="b", now=MON)
    later = request_file(actor=users["resident"], request_type=rtype, description="c", now=at(2026, 9, 16, 10))
    assert set(requests_visible(viewer=users["resident"])) == {mine, later}
    assert set(requests_visible(viewer=users["community"])) == {mine, later}
    assert set(requests_visible(viewer=users["other_community"])) == {theirs}
    assert set(requests_visible(viewer=users["district"])) == {mine, theirs, later}
    assert set(requests_visible(viewer=users["operator"])) == set()
    now = at(2026, 9, 20, 12)  # `mine` (due Sun 20 10:00) overdue by 2 h, `later` (due Tue 22 10:00) has 46 h
    queue = request_queue(viewer=users["community"], now=now)
    assert [row.request for row in queue] == [mine, later]
    assert queue[0].clock.overdue and queue[0].clock.left == -dt.timedelta(hours=2)
    assert queue[1].clock.left == dt.timedelta(hours=46) and not queue[1].clock.overdue
    assert queue[0].clock.text == "overdue by 2.0 working hours" and queue[1].clock.text == "1.9 working days left"
    assert request_queue(viewer=users["town"], now=now) == []  # nothing handled at the town level yet
    requests_escalate_overdue(now=now)
    assert [row.request for row in request_queue(viewer=users["town"], now=now)] == [mine]
    assert [row.request for row in request_queue(viewer=users["community"], now=now)] == [later]
    assert refused(request_queue, viewer=users["resident"]).status == 403


def test_rating_once_after_confirmation(users, rtype):
    request = request_file(actor=users["resident"], request_type=rtype, description="x", now=MON)
    assert refused(request_rate, actor=users["resident"], request=request, rating=5).code == "not_closed"
    for action, note in (("accept", ""), ("start", ""), ("resolve", "ok")):
        request_transition(actor=users["community"], request=request, action=action, note=note, now=MON)
    request_transition(actor=users["resident"], request=request, action="confirm", now=MON)
    assert "rating" in fields(refused(request_rate, actor=users["resident"], request=request, rating=6))
    assert refused(request_rate, actor=users["community"], request=request, rating=4).status == 403
    request = request_rate(actor=users["resident"], request=request, rating=4, comment="很快")
    assert (request.rating, request.rating_comment) == (4, "很快")
    assert (
        "already rated" in fields(refused(request_rate, actor=users["resident"], request=request, rating=5))["rating"]
    )


def test_consultation_answer_and_faq(users, rtype):
    asked = consultation_ask(actor=users["resident"], question="优待证要带什么？我电话13912345678")
    assert asked.area_code == "990102001001"
    assert "question" in fields(refused(consultation_ask, actor=users["resident"], question=""))
    assert "answer" in fields(refused(consultation_publish, actor=users["community"], consultation=asked, public=True))
    assert refused(consultation_answer, actor=users["other_community"], consultation=asked, answer="x").status == 403
    consultation_answer(actor=users["community"], consultation=asked, answer="身份证和照片", now=MON)
    assert list(faq_public()) == []
    consultation_publish(actor=users["community"], consultation=asked, public=True, public_question="优待证要带什么？")
    entry = faq_public().get()
    assert entry.public_question == "优待证要带什么？" and entry.answer == "身份证和照片"
    assert Consultation.objects.count() == 1
