"""The OpenAPI document describes the body of every write: each POST, PUT and PATCH that takes input has
a request body whose schema names its properties, so a client (and schemathesis) knows what to send. A
write endpoint that takes `Body[dict]` shows an empty object and fails here."""

from __future__ import annotations

import json
from typing import Any

import pytest

WRITE_METHODS = ("post", "put", "patch")

# Writes that take no input at all: the path names the record and the action says what happens.
NO_INPUT = {
    "POST /api/planning/scenarios/{scenario_id}/runs": "starts a run of the scenario as it is stored",
    "POST /api/bookings/registrations/{registration_id}/cancel": "the resident cancels their own registration",
    "POST /api/bookings/venues/bookings/{booking_id}/cancel": "the booker cancels their own venue booking",
    "POST /api/feedback/needs/{need_id}/support": "a resident supports a need once; nothing to choose",
}

# Writes whose body is not yet typed: none. Keep it empty.
KNOWN_UNTYPED: set[str] = set()


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    """The document as clients read it (serving it needs no database)."""
    from django.test import Client

    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def writes(openapi: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every write operation of the document, keyed "METHOD /path"."""
    return {
        f"{method.upper()} {path}": operation
        for path, operations in openapi["paths"].items()
        for method, operation in operations.items()
        if method in WRITE_METHODS
    }


def resolve(openapi: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = openapi["components"]["schemas"][name]
    return schema


def has_properties(openapi: dict[str, Any], schema: dict[str, Any]) -> bool:
    """A schema that names what to send: properties of its own, or in every branch of a union (an
    optional body is `anyOf: [Schema, null]`)."""
    schema = resolve(openapi, schema)
    if schema.get("properties"):
        return True
    branches = [resolve(openapi, s) for s in schema.get("anyOf", []) + schema.get("oneOf", [])]
    branches = [s for s in branches if s.get("type") != "null"]
    return bool(branches) and all(has_properties(openapi, s) for s in branches)


def undocumented(openapi: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    """The media types of `operation`'s request body whose schema lists no properties (["(none)"] when
    there is no request body at all)."""
    body = operation.get("requestBody")
    if body is None:
        return ["(none)"]
    return [media for media, content in body["content"].items() if not has_properties(openapi, content["schema"])]


def test_every_write_that_takes_input_documents_its_request_body(openapi):
    found = writes(openapi)
    bad = {
        key: undocumented(openapi, operation)
        for key, operation in found.items()
        if key not in NO_INPUT and key not in KNOWN_UNTYPED and undocumented(openapi, operation)
    }
    assert bad == {}, "write endpoints without a typed request body (give them a django-ninja Schema)"


def test_the_exceptions_name_real_operations(openapi):
    """An exception for an operation that no longer exists (or was renamed) is removed, not kept."""
    found = writes(openapi)
    assert sorted(set(NO_INPUT) - set(found)) == []
    assert sorted(KNOWN_UNTYPED - set(found)) == []


def test_writes_without_input_take_no_body(openapi):
    """A write listed as taking no input really takes none: once it does, it leaves NO_INPUT and its body
    is checked like any other."""
    found = writes(openapi)
    assert {key: found[key].get("requestBody") for key in NO_INPUT if key in found} == dict.fromkeys(NO_INPUT)


def test_the_check_catches_an_untyped_body():
    """The check itself: a `Body[dict]` body (an object with no properties) is reported, a Schema is not."""
    document = {
        "components": {"schemas": {"In": {"type": "object", "properties": {"name": {"type": "string"}}}}},
    }
    untyped = {"requestBody": {"content": {"application/json": {"schema": {"type": "object", "title": "Payload"}}}}}
    typed = {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}}}
    optional = {
        "requestBody": {
            "content": {
                "application/json": {"schema": {"anyOf": [{"$ref": "#/components/schemas/In"}, {"type": "null"}]}}
            }
        }
    }
    assert undocumented(document, untyped) == ["application/json"]
    assert undocumented(document, typed) == [] and undocumented(document, optional) == []
    assert undocumented(document, {}) == ["(none)"]


# Issue 12: what the document promises matches what the API answers ----------------------------------------


def operations(openapi: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, methods in openapi["paths"].items()
        for method, operation in methods.items()
    }


def test_schema_names_are_unique_per_shape(openapi):
    """Two schemas named `RequestOut` collided: generated clients got the Open311 shape for
    `/api/cases/requests`. Each list now names its own schema."""
    mine = operations(openapi)["GET /api/cases/requests"]["responses"]["200"]["content"]["application/json"]
    open311 = operations(openapi)["GET /api/cases/open311/requests.json"]["responses"]["200"]["content"]
    assert mine["schema"]["items"]["$ref"] != open311["application/json"]["schema"]["items"]["$ref"]
    assert "service_request_id" not in resolve(openapi, mine["schema"]["items"])["properties"]


def test_times_of_day_are_documented_as_sent(openapi):
    """No `format: time` (which means an RFC 3339 time with an offset): local HH:MM(:SS), with the offset
    named in the description."""
    text = json.dumps(openapi)
    assert '"format": "time"' not in text
    hours = openapi["components"]["schemas"]["OpeningRuleIO"]["properties"]["opens"]
    assert hours["pattern"].startswith("^") and "UTC+08:00" in hours["description"]


def test_public_operations_are_documented_as_public(openapi):
    found = operations(openapi)
    assert found["GET /api/hsds/services"]["security"] == []
    assert {} in found["GET /api/cases/open311/requests.json"]["security"]  # signing in shows more
    assert {} not in found["GET /api/people"]["security"] and found["GET /api/people"]["security"]


def test_every_operation_documents_its_errors_with_the_error_schema(openapi):
    error = {"$ref": "#/components/schemas/Error"}
    assert set(openapi["components"]["schemas"]["Error"]["required"]) == {"code", "message", "detail"}
    missing = {}
    for key, operation in operations(openapi).items():
        expected = {"400", "404", "422"}
        if operation.get("security"):
            expected |= {"401", "403"}
        if key.split()[0] in {"POST", "PUT", "PATCH", "DELETE"}:
            expected |= {"403", "409"}
        documented = {
            code for code, answer in operation["responses"].items()
            if answer.get("content", {}).get("application/json", {}).get("schema") == error
        }  # fmt: skip
        if expected - documented - {code for code in operation["responses"] if code in expected}:
            missing[key] = sorted(expected - documented)
    assert missing == {}


def test_the_documented_error_shape_is_what_the_api_answers(client, openapi):
    """One real answer of each documented kind has exactly the schema's properties."""
    properties = set(openapi["components"]["schemas"]["Error"]["properties"])
    assert set(client.get("/api/people").json()) == properties  # 401
    assert set(client.get("/api/hsds/services?page=0").json()) == properties  # 422
