"""Requests API: filing, the queue, actions with refusals, personal data masked and logged, FAQ."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from linli.cases.models import ServiceRequest
from linli.cases.services import request_file
from linli.core.models import AuditLog
from tests.cases.conftest import at


@pytest.fixture
def resident(users, token_for):
    return token_for(users["resident"])


@pytest.fixture
def staff(users, token_for):
    return token_for(users["community"])


def post(client, url, data, auth):
    return client.post(url, data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **auth)


def test_file_act_and_read_the_log(client, users, rtype, resident, staff):
    created = post(client, "/api/cases/requests", {"request_type": "elderly-card", "description": "办证"}, resident)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == "submitted" and body["actions"] == [] and body["resident_phone"] == "13912345678"
    request_id = body["id"]
    queue = client.get("/api/cases/queue", **staff).json()
    assert [r["id"] for r in queue] == [request_id] and queue[0]["time_left_hours"] > 0
    accepted = post(client, f"/api/cases/requests/{request_id}/actions", {"action": "accept"}, staff).json()
    assert accepted["state"] == "accepted" and "start" in accepted["actions"]
    assert [e["action"] for e in accepted["events"]] == ["file", "accept"]
    assert AuditLog.objects.filter(actor=users["community"], object_id=str(users["resident"].pk)).exists()
    refused = post(client, f"/api/cases/requests/{request_id}/actions", {"action": "confirm"}, resident)
    assert refused.status_code == 409 and refused.json()["code"] == "illegal_transition"
    assert client.get("/api/cases/queue", **resident).status_code == 403
    assert client.get(f"/api/cases/requests/{request_id}").status_code == 401


def test_file_for_a_resident_and_refusals_name_the_field(client, users, rtype, staff, token_for):
    body = post(
        client,
        "/api/cases/requests",
        {"request_type": "elderly-card", "description": "代办", "resident_id": users["resident"].pk},
        staff,
    ).json()
    assert body["on_behalf"] and body["filed_by"] == "community" and body["resident"] == "resident"
    bad = post(client, "/api/cases/requests", {"request_type": "nope", "description": ""}, token_for(users["resident"]))
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["detail"]["errors"]} == {"request_type", "description"}
    assert ServiceRequest.objects.count() == 1
    hidden = client.get(f"/api/cases/requests/{body['id']}", **token_for(users["resident_b"]))
    assert hidden.status_code == 404


def test_types_consultations_and_public_faq(client, users, calendar2026, token_for):
    district = token_for(users["district"])
    missing = post(client, "/api/cases/types", {"code": "x", "name": "X"}, district)
    assert missing.status_code == 400 and missing.json()["detail"]["errors"][0]["field"] == "deadline_days"
    made = post(client, "/api/cases/types", {"code": "x", "name": "X", "deadline_days": 3}, district)
    assert made.status_code == 201 and client.get("/api/cases/types").json()[0]["deadline_days"] == 3
    asked = post(client, "/api/cases/consultations", {"question": "几点开门？"}, token_for(users["resident"])).json()
    staff = token_for(users["community"])
    post(client, f"/api/cases/consultations/{asked['id']}/answer", {"answer": "九点"}, staff)
    # The FAQ entry is worded by staff: the resident's own words are never published as they are.
    verbatim = post(client, f"/api/cases/consultations/{asked['id']}/publish", {"public": True}, staff)
    assert verbatim.status_code == 400 and verbatim.json()["detail"]["errors"][0]["field"] == "public_question"
    assert client.get("/api/cases/faq").json() == []
    post(
        client,
        f"/api/cases/consultations/{asked['id']}/publish",
        {"public": True, "public_question": "中心几点开门？"},
        staff,
    )
    assert client.get("/api/cases/faq").json()[0] == {
        "id": asked["id"],
        "question": "中心几点开门？",
        "answer": "九点",
        "answered_at": client.get("/api/cases/faq").json()[0]["answered_at"],
    }


def test_escalate_overdue_command(users, rtype):
    request = request_file(actor=users["resident"], request_type=rtype, description="x", now=at(2026, 9, 14, 10))
    call_command("escalate_overdue", "--at", "2026-09-20T09:00")
    request.refresh_from_db()
    assert request.level == "community"
    call_command("escalate_overdue", "--at", "2026-09-20T11:00")
    request.refresh_from_db()
    assert request.level == "town" and request.events.filter(action="escalate").count() == 1


def patch(client, url, data, auth):
    return client.patch(url, data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **auth)


def test_request_type_api_names_bad_fields_and_patches_only_what_is_sent(client, users, calendar2026, token_for):
    district = token_for(users["district"])
    bad = post(client, "/api/cases/types", {"code": "a b", "name": "", "deadline_days": "many"}, district)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    assert {e["field"] for e in bad.json()["detail"]["errors"]} == {"code", "name", "deadline_days"}
    made = post(
        client,
        "/api/cases/types",
        {"code": "card", "name": "办卡", "deadline_days": "4", "department": "民政", "handling_level": "town"},
        district,
    )
    assert made.status_code == 201 and made.json()["deadline_days"] == 4
    changed = patch(client, "/api/cases/types/card", {"deadline_days": 9}, district)
    assert changed.status_code == 200, changed.content
    assert {k: changed.json()[k] for k in ("name", "deadline_days", "department", "handling_level", "active")} == {
        "name": "办卡",
        "deadline_days": 9,
        "department": "民政",
        "handling_level": "town",
        "active": True,
    }
    closed = patch(client, "/api/cases/types/card", {"active": False, "department": None}, district).json()
    assert closed["active"] is False and closed["deadline_days"] == 9 and closed["department"] == "民政"
    refused = patch(client, "/api/cases/types/card", {"deadline_days": 0}, district)
    assert refused.status_code == 400 and refused.json()["detail"]["errors"][0]["field"] == "deadline_days"
    assert patch(client, "/api/cases/types/card", {"name": "x"}, token_for(users["community"])).status_code == 403
