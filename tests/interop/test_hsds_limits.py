"""The anonymous denial of service of issue 12: `/api/hsds/organizations?full=true&per_page=200` answered
10 MB after ~30 s, and eight at once slowed every page. Now fully nested pages hold at most
`MAX_FULL_PER_PAGE` results, the same public page asked again comes from the cache, and one address gets
at most `LINLI_ANON_API_RATE` anonymous API requests per window (429 in the error shape)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.facilities.models import Facility, Operator
from linli.interop.hsds_common import MAX_FULL_PER_PAGE, MAX_PER_PAGE, per_page_of
from tests.facilities.conftest import credit_code, registry  # noqa: F401  (the fixture)


@pytest.fixture
def many_operators(registry):  # noqa: F811
    """Operators running a built facility each (the organizations HSDS publishes)."""
    centre = registry["facility"]
    for i in range(MAX_FULL_PER_PAGE + 5):
        operator = Operator.objects.create(
            name=f"运营方{i:02d}", kind="social_org", credit_code=credit_code(f"91990102MA{i + 100:07d}"),
            area_code="990102000000",
        )  # fmt: skip
        Facility.objects.create(
            code=f"F990102001001-{i + 10:02d}", name=f"站点{i}", facility_type=centre.facility_type,
            area_id=centre.area_id, area_code=centre.area_code, lon=120.005, lat=30.005, operator=operator,
        )  # fmt: skip
    return Operator.objects.count()


def test_full_pages_are_bounded(client, many_operators):
    full = client.get("/api/hsds/organizations?full=true&per_page=200").json()
    assert full["size"] == MAX_FULL_PER_PAGE and full["total_items"] >= many_operators
    assert full["total_pages"] > 1 and "contents" in full
    flat = client.get("/api/hsds/organizations?per_page=200").json()
    assert flat["size"] == min(flat["total_items"], MAX_PER_PAGE) > MAX_FULL_PER_PAGE
    assert per_page_of(500, full=True) == MAX_FULL_PER_PAGE and per_page_of(None) == 50


def test_full_ndjson_streams_everything_in_bounded_pages(client, many_operators):
    response = client.get("/api/hsds/organizations?full=true&format=ndjson")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == client.get("/api/hsds/organizations").json()["total_items"]


def test_the_same_public_page_is_served_from_the_cache(client, many_operators):
    url = "/api/hsds/organizations?full=true&page=2"
    first = client.get(url).json()
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url).json()
    assert again == first
    assert not [q for q in queries.captured_queries if "facilities_operator" in q["sql"]]
    other = client.get("/api/hsds/organizations?full=true&page=1").json()
    assert other["page_number"] == 1 and other["contents"] != first["contents"]


def test_anonymous_requests_are_limited_per_address(client, settings, registry):  # noqa: F811
    settings.LINLI_ANON_API_RATE = "5/min"
    answers = [client.get("/api/hsds/services", REMOTE_ADDR="10.0.0.1").status_code for _ in range(7)]
    assert answers == [200] * 5 + [429] * 2
    refused = client.get("/api/hsds/services", REMOTE_ADDR="10.0.0.1")
    body = refused.json()
    assert set(body) == {"code", "message", "detail"} and body["code"] == "rate_limited"
    assert 0 < int(refused["Retry-After"]) <= 60 and body["detail"]["retry_after"] == int(refused["Retry-After"])
    # another address is counted on its own; pages are not limited
    assert client.get("/api/hsds/services", REMOTE_ADDR="10.0.0.2").status_code == 200
    assert client.get("/services/", REMOTE_ADDR="10.0.0.1").status_code == 200


def test_signed_in_callers_are_not_counted_but_a_forged_token_is(client, settings, users, token_for, registry):  # noqa: F811
    settings.LINLI_ANON_API_RATE = "3/min"
    token = token_for(users["community"])
    assert all(client.get("/api/hsds/services", REMOTE_ADDR="10.0.0.3", **token).status_code == 200 for _ in range(6))
    forged = {"HTTP_AUTHORIZATION": "Bearer ll_forged"}
    answers = [client.get("/api/hsds/services", REMOTE_ADDR="10.0.0.3", **forged).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_behind_a_proxy_the_forwarded_address_is_counted(client, settings, registry):  # noqa: F811
    settings.LINLI_ANON_API_RATE = "2/min"
    settings.LINLI_NUM_PROXIES = 1
    first = [
        client.get("/api/hsds/services", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4").status_code
        for _ in range(3)
    ]
    other = client.get("/api/hsds/services", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert first == [200, 200, 429] and other.status_code == 200
