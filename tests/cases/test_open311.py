"""Open311 GeoReport v2: services, public requests without personal data, filing with a token."""

from __future__ import annotations

from linli.cases.services import request_file
from tests.cases.conftest import at


def test_services_requests_and_filing(client, users, rtype, street_light, token_for):
    services = client.get("/api/cases/open311/services.json").json()
    assert services[0]["service_code"] == "elderly-card" and services[0]["group"] == "民政"
    filed = client.post(
        "/api/cases/open311/requests.json",
        {"service_code": "street-light", "description": "我的电话13912345678", "lat": 30.00512, "long": 120.00498},
        content_type="application/json",
        **token_for(users["resident"]),
    )
    assert filed.status_code == 201, filed.content
    request_id = filed.json()[0]["service_request_id"]
    one = client.get(f"/api/cases/open311/requests/{request_id}.json").json()[0]
    assert one["status"] == "open" and one["service_code"] == "street-light" and one["expected_datetime"]
    assert (one["lat"], one["long"]) == (30.01, 120.0)
    assert "13912345678" not in str(one) and "resident" not in str(one)
    request_file(actor=users["resident"], request_type=street_light, description="x", now=at(2026, 9, 14, 10))
    assert len(client.get("/api/cases/open311/requests.json").json()) == 2
    assert client.get("/api/cases/open311/requests.json?status=closed").json() == []
    anonymous = client.post(
        "/api/cases/open311/requests.json", {"service_code": "elderly-card", "description": "x"},
        content_type="application/json",
    )  # fmt: skip
    assert anonymous.status_code == 401
    assert client.get("/api/cases/open311/requests/999999.json").status_code == 404


def test_open311_publishes_only_public_fields_of_requests_outside_the_callers_scope(
    client, users, street_light, token_for
):
    """Open311 is public by design: anyone reads a request's public fields, whatever their scope; the
    description, the address and the people stay behind the scoped requests API."""
    filed = request_file(
        actor=users["resident"],
        request_type=street_light,
        description="我家水管坏了",
        address="东湖路1号",
        lon=120.00498,
        lat=30.00512,
        now=at(2026, 9, 14, 10),
    )
    other_staff = token_for(users["other_community"])  # scope 990102002001: not the request's area
    assert client.get(f"/api/cases/requests/{filed.pk}", **other_staff).status_code == 404
    for body in (
        client.get(f"/api/cases/open311/requests/{filed.pk}.json", **other_staff).json(),
        client.get("/api/cases/open311/requests.json").json(),
    ):
        assert [row["service_request_id"] for row in body] == [str(filed.pk)]
        text = str(body)
        for secret in ("水管", "东湖路", "resident", "13912345678", "30.00512", "30.005"):
            assert secret not in text
        assert set(body[0]) == {
            "service_request_id",
            "status",
            "status_notes",
            "service_name",
            "service_code",
            "agency_responsible",
            "requested_datetime",
            "updated_datetime",
            "expected_datetime",
            "lat",
            "long",
        }


def test_open311_status_filter(client, users, street_light):
    filed = request_file(actor=users["resident"], request_type=street_light, description="x", now=at(2026, 9, 14, 10))
    assert [r["service_request_id"] for r in client.get("/api/cases/open311/requests.json?status=open").json()] == [
        str(filed.pk)
    ]
    assert client.get("/api/cases/open311/requests.json?status=closed").json() == []
    assert client.get("/api/cases/open311/requests.json?status=whatever").json() == []
    assert client.get("/api/cases/open311/requests.json?service_code=other").json() == []


def test_requests_of_a_personal_kind_are_never_listed_publicly(client, users, rtype, street_light, token_for):
    """issue 12: the public feed listed 低保, disability, relief and birth requests. A kind is private unless
    its type is listed publicly; private requests are not in the list, not under their service code and
    not by their id, for anyone (staff of their scope included: they have the scoped API)."""
    assert not rtype.public_listing
    private = request_file(
        actor=users["resident"], request_type=rtype, description="x", lon=120.00498, lat=30.00512,
        now=at(2026, 9, 14, 10),
    )  # fmt: skip
    public = request_file(actor=users["resident"], request_type=street_light, description="x", now=at(2026, 9, 14, 11))
    staff = token_for(users["community"])
    listed = client.get("/api/cases/open311/requests.json", **staff).json()
    assert [r["service_request_id"] for r in listed] == [str(public.pk)]
    assert client.get("/api/cases/open311/requests.json?service_code=elderly-card").json() == []
    assert client.get(f"/api/cases/open311/requests/{private.pk}.json").status_code == 404
    assert client.get(f"/api/cases/open311/requests/{public.pk}.json").status_code == 200


def test_public_requests_show_the_day_and_about_a_kilometre(client, users, street_light):
    """The exact minute of a filing (and the deadline computed from it) and a place to ~100 m could point
    at one household: the public feed gives the day and a place rounded to 0.01 degree."""
    filed = request_file(
        actor=users["resident"], request_type=street_light, description="x", lon=120.01734, lat=30.00512,
        now=at(2026, 9, 14, 10, 37),
    )  # fmt: skip
    row = client.get(f"/api/cases/open311/requests/{filed.pk}.json").json()[0]
    assert (row["lat"], row["long"]) == (30.01, 120.02)
    assert row["requested_datetime"].startswith("2026-09-14T00:00:00")
    assert row["expected_datetime"].startswith("2026-09-17T00:00:00")
    assert "T00:00:00" in row["updated_datetime"]
