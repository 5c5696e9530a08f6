"""The one typed-input base (`linli.core.inputs.Input`): blank text is "not given", a value of the wrong
type is refused like any bad input (400 "invalid" naming each field once, in the user's language), a page's
form and a file's row are parsed through the same base."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import pytest
from django.utils import translation

from linli.catalog.inputs import OfferingIn
from linli.core.errors import ApplicationError, RowErrors
from linli.core.inputs import Input, InputRefused
from linli.facilities.inputs import FacilityIn


class SampleIn(Input):
    refusal: ClassVar[str] = "The sample was not saved."

    title: str = ""
    note: str | None = None
    seats: int | None = None
    day: dt.date | None = None
    either: int | dt.date | None = None


def test_blank_text_is_not_given_where_a_field_may_be_empty():
    sample = SampleIn.parse({"title": "  ", "note": " ", "seats": "", "day": ""})
    assert (sample.title, sample.note, sample.seats, sample.day) == ("  ", None, None, None)
    assert sample.given(update=True) == {"title": "  ", "note": None, "seats": None, "day": None}
    assert set(sample.given(update=False)) == {"title", "note", "seats", "day", "either"}


def test_a_wrong_type_is_refused_naming_each_field_once():
    with translation.override("en"), pytest.raises(InputRefused) as refused:
        SampleIn.parse({"title": ["a"], "seats": "many", "day": "tomorrow", "either": "x"})
    assert isinstance(refused.value, ApplicationError)
    assert (refused.value.code, refused.value.message, refused.value.status) == (
        "invalid",
        "The sample was not saved.",
        400,
    )
    assert refused.value.extra["errors"] == [  # sorted by field; the union `either` reported once
        {"row": 0, "field": "day", "message": "not a date (YYYY-MM-DD)", "value": "tomorrow"},
        {"row": 0, "field": "either", "message": "not a number", "value": "x"},
        {"row": 0, "field": "seats", "message": "not a number", "value": "many"},
        {"row": 0, "field": "title", "message": "not a valid value", "value": "['a']"},
    ]


def test_the_problems_are_in_the_users_language():
    with translation.override("zh-hans"), pytest.raises(InputRefused) as refused:
        FacilityIn.parse({"name": ["东湖"]})
    assert refused.value.message == "设施未保存。"
    assert refused.value.extra["errors"] == [
        {"row": 0, "field": "name", "message": "不是有效的值", "value": "['东湖']"}
    ]


def test_a_files_row_adds_its_problems_with_the_row_number_and_goes_on():
    errors = RowErrors()
    with translation.override("en"):
        good = FacilityIn.parse_row({"code": 990102001001.0, "name": "东湖", "capacity": 700.0}, 2, errors)
        bad = FacilityIn.parse_row({"code": "F1", "name": ["x"], "lon": ["120"]}, 3, errors)
        offering = OfferingIn.parse_row({"schedule": {"day": 1}}, 4, errors, prefix="offerings.")
    assert good is not None and (good.code, good.capacity) == ("990102001001", 700)
    assert bad is None and offering is None
    assert errors.errors == [
        {"row": 3, "field": "lon", "message": "not a valid value", "value": "['120']"},
        {"row": 3, "field": "name", "message": "not a valid value", "value": "['x']"},
        {"row": 4, "field": "offerings.schedule", "message": "not a valid value"},
    ]


def test_the_registry_api_refuses_a_wrong_type_like_its_service_not_with_ninjas_422(
    client, area_tree, users, token_for
):
    """The registry's inputs were plain pydantic models: a list where text belongs was ninja's 422 with
    pydantic's English text. Bookings' way (400 "invalid", the field named in the user's language) wins."""
    response = client.post(
        "/api/operators/",
        {"name": ["新公司"], "kind": "company"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **token_for(users["district"]),
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid" and response.json()["message"] == "The operator was not saved."
    assert response.json()["detail"]["errors"] == [
        {"row": 0, "field": "name", "message": "not a valid value", "value": "['新公司']"}
    ]


def test_an_offering_body_of_the_wrong_type_is_refused_before_the_facility_is_looked_up(client, users, token_for):
    response = client.put(
        "/api/facilities/NO-SUCH/offerings",
        {"item": "meals", "active": "maybe", "fee_amount": "cheap"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **token_for(users["district"]),
    )
    assert response.status_code == 400, response.content
    assert response.json()["message"] == "The offering was not saved."
    assert [(e["field"], e["message"]) for e in response.json()["detail"]["errors"]] == [
        ("active", "must be yes/是 or no/否"),
        ("fee_amount", "not a valid value"),
    ]


def test_a_blank_coordinate_is_shown_blank_in_the_problem_not_as_none(area_tree):
    """Blank text is None for every input now; the location check shows what was given, not "None"."""
    from linli.facilities.services import Lookups, facility_check

    errors = RowErrors()
    facility = FacilityIn.parse_row({"lon": "", "lat": "30.0"}, 5, errors)
    assert facility is not None and facility.lon is None
    with translation.override("en"):
        facility_check(actor=None, facility=facility, row=5, errors=errors, lookups=Lookups.for_rows([facility]))
    [problem] = [e for e in errors.errors if e["field"] == "lon"]
    assert problem == {
        "row": 5,
        "field": "lon",
        "message": "longitude and latitude must both be numbers",
        "value": ", 30.0",
    }
