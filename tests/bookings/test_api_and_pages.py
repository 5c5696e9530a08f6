"""The bookings API and pages: listing near home, registering and cancelling, my registrations with codes,
residents see only their own registrations (404 otherwise), staff only their scope."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from linli.bookings.models import Registration
from tests.conftest import login


def test_list_register_mine_cancel(client, make_session, users, token_for):
    session = make_session(capacity=1, waitlist_capacity=2)
    resident, other = token_for(users["resident"]), token_for(users["resident_b"])
    listed = client.get("/api/bookings/sessions/", **resident).json()
    assert [s["id"] for s in listed["items"]] == [session.pk] and listed["items"][0]["seats_left"] == 1
    # resident_b lives in another sub-district: not "near", unless asked for everywhere
    assert client.get("/api/bookings/sessions/", **other).json()["count"] == 0
    assert client.get("/api/bookings/sessions/?area=", **other).json()["count"] == 1
    assert client.get("/api/bookings/sessions/").json()["count"] == 1  # anonymous: everywhere

    url = f"/api/bookings/sessions/{session.pk}/registrations"
    first = client.post(url, {"persons": 1}, content_type="application/json", **resident)
    assert first.status_code == 201 and first.json()["status"] == "confirmed" and first.json()["code"]
    again = client.post(url, {}, content_type="application/json", **resident)
    assert again.status_code == 409 and again.json()["code"] == "already_registered"
    second = client.post(url, {}, content_type="application/json", **other)
    assert second.json()["status"] == "waitlisted" and second.json()["waiting_position"] == 1
    assert second.json()["code"] is None
    assert client.post(url, {}, content_type="application/json").status_code == 401

    mine = client.get("/api/bookings/registrations/mine", **resident).json()
    assert [r["id"] for r in mine] == [first.json()["id"]] and mine[0]["short_code"] == first.json()["short_code"]
    # someone else's registration does not exist for a resident
    theirs = second.json()["id"]
    assert client.get(f"/api/bookings/registrations/{theirs}", **resident).status_code == 404
    assert client.post(f"/api/bookings/registrations/{theirs}/cancel", **resident).status_code == 404
    # staff of the area see it (without the code); other staff do not
    staff = client.get(f"/api/bookings/registrations/{theirs}", **token_for(users["community"]))
    assert staff.status_code == 200 and staff.json()["code"] is None
    assert client.get(f"/api/bookings/registrations/{theirs}", **token_for(users["other_community"])).status_code == 404

    cancelled = client.post(f"/api/bookings/registrations/{first.json()['id']}/cancel", **resident)
    assert cancelled.json()["status"] == "cancelled"
    promoted = client.get(f"/api/bookings/registrations/{theirs}", **other).json()
    assert promoted["status"] == "confirmed" and promoted["code"]
    notes = client.get("/api/bookings/notifications", **other).json()
    assert len(notes) == 1 and not notes[0]["read"]


def test_staff_publish_roster_capacity_and_checkin(client, centre, make_session, users, token_for):
    staff = token_for(users["community"])
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    body = {"facility": centre.code, "title": "健康讲座", "domain": "health", "date": day, "start_time": "10:00",
            "end_time": "11:00", "capacity": 2}  # fmt: skip
    created = client.post("/api/bookings/activities/", body, content_type="application/json", **staff)
    assert created.status_code == 201 and len(created.json()) == 1
    session_id = created.json()[0]["id"]
    bad = client.post(
        "/api/bookings/activities/", {**body, "capacity": "many"}, content_type="application/json", **staff
    )
    assert bad.status_code == 400 and bad.json()["detail"]["errors"][0]["field"] == "capacity"
    other = client.post(
        "/api/bookings/activities/", body, content_type="application/json", **token_for(users["other_community"])
    )
    assert other.status_code == 404  # the facility is outside their scope
    registered = client.post(
        f"/api/bookings/sessions/{session_id}/registrations", {}, content_type="application/json",
        **token_for(users["resident"]),
    ).json()  # fmt: skip
    roster = client.get(f"/api/bookings/sessions/{session_id}/roster", **staff).json()
    assert [(r["resident"], r["status"]) for r in roster] == [("resident", "confirmed")]
    assert client.get(f"/api/bookings/sessions/{session_id}/roster", **token_for(users["resident"])).status_code == 403
    low = client.patch(
        f"/api/bookings/sessions/{session_id}", {"capacity": 0}, content_type="application/json", **staff
    )
    assert low.status_code == 400 and low.json()["detail"]["errors"][0]["field"] == "capacity"
    early = client.post("/api/bookings/checkin", {"code": registered["code"]}, content_type="application/json", **staff)
    assert early.status_code == 409 and early.json()["code"] == "too_early"
    forged = client.post("/api/bookings/checkin", {"code": "AAAA-BBBB-CCCC"}, content_type="application/json", **staff)
    assert forged.status_code == 400 and forged.json()["code"] == "invalid_code"


def test_pages(client, make_session, users, centre):
    session = make_session(capacity=1, waitlist_capacity=1)
    page = client.get("/activities/")
    assert page.status_code == 200 and "太极拳".encode() in page.content
    login(client, users["resident"])
    assert b'data-testid="register"' in client.get("/activities/").content
    response = client.post(f"/activities/sessions/{session.pk}/register/", {"persons": "1"})
    assert response.status_code == 302 and response["Location"] == "/activities/mine/"
    mine = client.get("/activities/mine/")
    registration = Registration.objects.get()
    assert b'data-testid="checkin-code"' in mine.content and b'data-testid="short-code"' in mine.content
    login(client, users["resident_b"])
    assert client.post(f"/activities/registrations/{registration.pk}/cancel/").status_code == 404
    login(client, users["resident"])
    client.post(f"/activities/registrations/{registration.pk}/cancel/")
    registration.refresh_from_db()
    assert registration.status == "cancelled"
    login(client, users["community"])
    assert client.get("/activities/manage/").status_code == 200
    detail = client.get(f"/activities/sessions/{session.pk}/")
    assert b'data-testid="roster"' in detail.content
    form = client.get("/activities/new/")
    assert form.status_code == 200 and centre.code.encode() in form.content
    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    data = {"facility": centre.code, "title": "", "domain": "culture", "repeat": "weekly", "start_date": day,
            "end_date": day, "start_time": "09:00", "end_time": "10:00", "capacity": "10"}  # fmt: skip
    refused = client.post("/activities/new/", data)
    assert refused.status_code == 400 and b'data-field="title"' in refused.content
    assert b'data-field="weekdays"' in refused.content
    weekday = str(dt.date.fromisoformat(day).weekday())
    published = client.post("/activities/new/", {**data, "title": "剪纸", "weekdays": [weekday]})
    assert published.status_code == 302
    login(client, users["resident"])
    assert client.get("/activities/manage/").status_code == 403
    assert client.get(f"/activities/sessions/{session.pk}/").content.count(b'data-testid="roster"') == 0


WRITES = [
    ("/api/bookings/activities/", "post", "ActivityIn"),
    ("/api/bookings/sessions/{session_id}", "patch", "SessionChangeIn"),
    ("/api/bookings/venues/", "post", "VenueCreateIn"),
    ("/api/bookings/venues/{venue_id}", "patch", "VenueIn"),
]


def test_the_openapi_documents_every_request_body(client):
    schema = client.get("/api/openapi.json").json()
    for path, method, name in WRITES:
        body = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
        assert body["$ref"].endswith(f"/{name}"), (path, body)
        assert schema["components"]["schemas"][name]["properties"], name
    activity = schema["components"]["schemas"]["ActivityIn"]["properties"]
    assert {"facility", "title", "repeat", "weekdays", "start_time", "capacity"} <= set(activity)


def test_a_wrong_type_is_refused_like_any_bad_input_on_the_api_and_the_page(client, centre, users, token_for):
    """One validation path: a value of the wrong type is a 400 naming its field (not ninja's 422), with
    the service's refusal as the message, and on the page the form shows it at the field."""
    client.cookies["django_language"] = "en"
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    body = {"facility": centre.code, "title": "健康讲座", "domain": "health", "date": day, "start_time": "10:00",
            "end_time": "1100", "capacity": "many", "weekdays": "0,x"}  # fmt: skip
    api = client.post(
        "/api/bookings/activities/", body, content_type="application/json", **token_for(users["community"])
    )
    assert api.status_code == 400 and api.json()["code"] == "invalid"
    assert api.json()["message"] == "The activity was not published."
    errors = {e["field"]: e for e in api.json()["detail"]["errors"]}
    assert set(errors) == {"capacity", "end_time", "weekdays"}
    assert errors["capacity"]["message"] == "not a number" and errors["capacity"]["value"] == "many"
    assert errors["end_time"]["message"] == "not a time (HH:MM)"
    patch = client.patch(  # the body is checked before the venue is looked up
        "/api/bookings/venues/1", {"needs_approval": "maybe"}, content_type="application/json",
        **token_for(users["community"]),
    )  # fmt: skip
    assert patch.status_code == 400 and patch.json()["message"] == "The venue was not saved."
    assert patch.json()["detail"]["errors"] == [
        {"row": 0, "field": "needs_approval", "message": "must be yes/是 or no/否", "value": "maybe"}
    ]
    login(client, users["community"])
    page = client.post("/activities/new/", {**body, "weekdays": ["0"]})
    assert page.status_code == 400 and b'data-field="capacity"' in page.content
    assert b"not a number" in page.content and not Registration.objects.exists()
