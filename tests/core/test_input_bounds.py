"""Central input bounds (issue 12, M6): each attack of the issue, sent as it was, now answers a clear
refusal in the `{code, message, detail}` shape naming the field, never a 500 and never a half-written
record. The bounds live once (`core.inputs`, `core.middleware.CleanInputMiddleware`, `core.pagination`, the
API's parser and exception handlers); these tests go through the real API and pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from linli.bookings.models import Activity, Session
from linli.core.inputs import Body, Input, InputRefused, bad_text, raw_problems
from tests.bookings.conftest import centre, make_session  # noqa: F401  (fixtures)
from tests.conftest import login
from tests.facilities.conftest import registry  # noqa: F401  (the fixture)

HUGE = str(10**20)


def shape(response) -> dict:
    body = response.json()
    assert set(body) == {"code", "message", "detail"}, body
    assert isinstance(body["message"], str) and body["message"]
    return body


@pytest.mark.parametrize(
    "url",
    [
        f"/api/areas/?offset={HUGE}",
        f"/api/people?offset={HUGE}",
        f"/api/bookings/sessions/?offset={HUGE}",
        f"/api/bookings/sessions/?limit={HUGE}",
        f"/api/hsds/services?page={HUGE}",
        f"/api/hsds/organizations?page={HUGE}",
    ],
)
def test_huge_offsets_and_pages_are_refused_not_a_500(client, users, area_tree, url):
    login(client, users["district"])
    response = client.get(url)
    assert response.status_code == 422
    body = shape(response)
    assert body["code"] == "invalid"
    assert body["detail"]["errors"][0]["field"] in {"offset", "limit", "page"}


def test_offsets_within_the_bound_still_page(client, users, area_tree):
    login(client, users["district"])
    everything = client.get("/api/areas/?limit=200").json()
    assert everything["count"] > 3
    second = client.get("/api/areas/?limit=2&offset=2").json()
    assert [a["code"] for a in second["items"]] == [a["code"] for a in everything["items"][2:4]]


@pytest.mark.parametrize(
    "url",
    [
        "/api/hsds/services?search=a%00b",
        "/api/facilities/?q=%E2%80%AEabc",  # U+202E RIGHT-TO-LEFT OVERRIDE
        "/services/?area=99%00",
    ],
)
def test_nul_and_bidi_controls_in_query_strings_are_refused(client, users, area_tree, url):
    response = client.get(url)
    assert response.status_code == 400
    name = url.split("?")[1].split("=")[0]
    if url.startswith("/api/"):
        body = shape(response)
        assert body["code"] == "invalid" and body["detail"]["errors"][0]["field"] == name
    else:
        assert "<html" in response.content.decode().lower()  # the error page, not a JSON dump


def test_nul_in_a_path_is_refused(client, registry):  # noqa: F811
    assert client.get("/facilities/F%00/").status_code == 400
    response = client.get("/api/facilities/F%00")
    assert response.status_code == 400 and shape(response)["code"] == "invalid"


def test_a_path_id_no_database_can_hold_is_not_found(client, users, area_tree):
    login(client, users["district"])
    response = client.get(f"/api/cases/requests/{HUGE}")
    assert response.status_code == 404 and shape(response)["code"] == "not_found"


def _activity_body(centre, **changes):  # noqa: F811
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    body = {"facility": centre.code, "title": "健康讲座", "domain": "health", "date": day,
            "start_time": "10:00", "end_time": "11:00", "capacity": 2}  # fmt: skip
    return {**body, **changes}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ["a", "b"]}, "title"),
        ({"capacity": True}, "capacity"),
        ({"capacity": 10**20}, "capacity"),
        ({"capacity": 1e20}, "capacity"),
        ({"capacity": 2**40}, "capacity"),
        ({"date": "9999-12-31"}, "date"),
        ({"title": "健康\x00讲座"}, "title"),
        ({"title": "健康\u202e讲座"}, "title"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_activity_bodies_are_refused_naming_the_field_and_write_nothing(
    client,
    centre,  # noqa: F811
    users,
    token_for,
    changes,
    field,
):
    response = client.post(
        "/api/bookings/activities/",
        _activity_body(centre, **changes),
        content_type="application/json",
        **token_for(users["community"]),
    )
    assert response.status_code == 400, response.content
    body = shape(response)
    assert body["code"] == "invalid"
    assert field in {e["field"] for e in body["detail"]["errors"]}
    assert not Activity.objects.exists() and not Session.objects.exists()


def test_a_good_activity_body_still_publishes(client, centre, users, token_for):  # noqa: F811
    response = client.post(
        "/api/bookings/activities/", _activity_body(centre), content_type="application/json",
        **token_for(users["community"]),
    )  # fmt: skip
    assert response.status_code == 201


def test_registration_opening_in_year_one_is_refused(client, make_session, users, token_for):  # noqa: F811
    session = make_session()
    response = client.patch(
        f"/api/bookings/sessions/{session.pk}",
        {"opens_at": "0001-01-01T00:00:00"},
        content_type="application/json",
        **token_for(users["community"]),
    )
    assert response.status_code == 400
    assert [e["field"] for e in shape(response)["detail"]["errors"]] == ["opens_at"]
    session.refresh_from_db()
    assert session.opens_at.year > 2000


def test_bodies_outside_the_typed_inputs_are_bounded_too(client, users, token_for, registry):  # noqa: F811
    """A plain `Body` (not an `Input`): ninja's 422, now in the `{code, message, detail}` shape, in the
    caller's language, naming each field."""
    with translation.override("en"):
        response = client.put(
            f"/api/facilities/{registry['facility'].code}/hours",
            {"rules": [{"weekday": 0, "opens": "08:00", "closes": "18:00"}], "extra": 1},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
            **token_for(users["community"]),
        )
    assert response.status_code == 422
    body = shape(response)
    assert body["code"] == "invalid"
    assert {"field": "extra", "message": "not a field of this form"}.items() <= body["detail"]["errors"][0].items()


def test_a_nul_anywhere_in_a_json_body_is_refused_before_any_type(client, users, token_for, registry):  # noqa: F811
    response = client.put(
        f"/api/facilities/{registry['facility'].code}/hours",
        {"rules": [{"weekday": 0, "opens": "08:00", "closes": "18:00", "note\x00": "x"}]},
        content_type="application/json",
        **token_for(users["community"]),
    )
    assert response.status_code == 400
    assert shape(response)["detail"]["errors"][0]["field"] == "rules.0.note\x00"


def test_a_body_that_is_not_json(client, users, token_for, registry):  # noqa: F811
    response = client.put(
        f"/api/facilities/{registry['facility'].code}/hours", "{not json", content_type="application/json",
        **token_for(users["community"]),
    )  # fmt: skip
    assert response.status_code == 400 and shape(response)["code"] == "invalid"


def test_unauthenticated_and_csrf_answers_use_the_error_shape(client, users, area_tree):
    anonymous = client.get("/api/people")
    assert anonymous.status_code == 401 and shape(anonymous)["code"] == "unauthorized"
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["community"])
    forged = browser.post("/api/feedback/needs", {"title": "x"}, content_type="application/json")
    assert forged.status_code == 403 and shape(forged)["code"] == "csrf_failed"


def test_the_checks_themselves():
    assert bad_text("a\x00") and bad_text("\u2066x") and bad_text("\u200f")
    assert not bad_text("第一行\n第二行\t完") and not bad_text("")
    assert raw_problems({"a": [1, {"b": "x\x00"}], "n": 2**70, "ok": 2**62}) == [
        ("a.1.b", "contains a control character or a hidden text-direction mark"),
        ("n", "out of range"),
    ]

    class Sample(Input):
        seats: int | None = None
        limit: int = 0

    with pytest.raises(InputRefused):
        Sample.model_validate({"seats": 2**31})
    assert Sample.model_validate({"seats": 2**31 - 1}).seats == 2**31 - 1
    # a page's form carries other fields (the CSRF token, the button): they are dropped, not refused
    assert Sample.parse({"seats": "3", "csrfmiddlewaretoken": "x", "save": ""}).seats == 3
    assert issubclass(Input, Body)


def test_a_unicode_digit_in_a_path_is_not_a_number(client, users, area_tree):
    """schemathesis: `/api/areas/²/children/population` (a superscript two is a digit to `str.isdigit`
    but not to `int`) answered 500."""
    login(client, users["district"])
    response = client.get("/api/areas/%C2%B2/children/population")
    assert response.status_code == 404


def test_a_query_date_outside_1900_2100_is_refused(client, users, area_tree):
    """schemathesis: `/api/bookings/venues/60?date=0438-03-22` answered slots with the zone offset of the
    year 438 (+08:05:43), which no client can parse."""
    response = client.get("/api/bookings/venues/1?date=0438-03-22")
    assert response.status_code == 400
    assert shape(response)["detail"]["errors"][0]["field"] == "date"
    assert client.get("/api/hsds/services?modified_after=9999-01-01T00:00:00").status_code == 400


def test_an_unclosed_polygon_ring_is_stored_closed():
    """An unclosed ring was stored as given (shapely closes it silently while checking): it is now stored
    closed, the polygon that was checked."""
    import io
    import json as jsonlib

    from linli.areas.io import read_geojson
    from linli.core.inputs import closed_rings

    ring = [[120.0, 30.0], [120.01, 30.0], [120.01, 30.01], [120.0, 30.01]]  # no closing position
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "990102001001", "name": "东湖社区"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    rows, errors = read_geojson(io.BytesIO(jsonlib.dumps(collection).encode()))
    assert not errors and rows[0].boundary["coordinates"][0] == [*ring, ring[0]]
    multi = closed_rings({"type": "MultiPolygon", "coordinates": [[ring], [[*ring, ring[0]]]]})
    assert multi["coordinates"] == [[[*ring, ring[0]]], [[*ring, ring[0]]]]


def test_a_number_beyond_a_small_column_is_a_400_not_a_500(client, users, token_for, area_tree):
    """A request type's deadline is a small integer column (0..32767 on PostgreSQL): 40000 passes the 32-bit
    bound of the inputs and is refused by the service, naming the field; nothing written (the database's
    `DataError` would be the last net, answered 400 `out_of_range`)."""
    from linli.cases.models import RequestType

    response = client.post(
        "/api/cases/types",
        {"code": "big-deadline", "name": "超长时限", "deadline_days": 40000, "department": "民政",
         "handling_level": "community"},
        content_type="application/json",
        **token_for(users["district"]),
    )  # fmt: skip
    assert response.status_code == 400, response.content
    assert [e["field"] for e in shape(response)["detail"]["errors"]] == ["deadline_days"]
    assert not RequestType.objects.filter(code="big-deadline").exists()


def test_the_last_net_answers_a_database_range_error_as_bad_input(rf):
    """What still reaches the database out of its range (PostgreSQL's DataError, SQLite's OverflowError) is
    the caller's bad input: 400 `out_of_range`, not a 500."""
    import json as jsonlib

    from django.db import DataError

    from linli.config.api import data_error, overflow_error

    request = rf.get("/api/anything")
    for answer in (data_error(request, DataError("smallint out of range")), overflow_error(request, OverflowError())):
        assert answer.status_code == 400
        assert jsonlib.loads(answer.content)["code"] == "out_of_range"
