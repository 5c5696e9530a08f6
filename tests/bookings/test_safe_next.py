"""The `next` of a booking form may send the browser back to a page of this site, never to another site
(an open redirect): a foreign `next` falls back to the page's default."""

from __future__ import annotations

import pytest

from linli.bookings.models import Registration
from tests.bookings.test_venues import book, venue  # noqa: F401  (the fixture)
from tests.conftest import login

EVIL = "https://evil.example/"


def test_register_refused_goes_back_to_same_site_next_only(client, make_session, users):
    session = make_session(capacity=1)
    login(client, users["resident"])
    url = f"/activities/sessions/{session.pk}/register/"
    # persons=0 is refused: the page goes back to `next`
    assert client.post(url, {"persons": "0", "next": EVIL})["Location"] == "/activities/"
    assert client.post(url, {"persons": "0", "next": "//evil.example/x"})["Location"] == "/activities/"
    assert client.post(url, {"persons": "0", "next": "/activities/?page=2"})["Location"] == "/activities/?page=2"


@pytest.mark.parametrize(
    ("target", "expected"), [(EVIL, "/activities/mine/"), ("/activities/?q=1", "/activities/?q=1")]
)
def test_cancel_registration_next(client, make_session, users, target, expected):
    session = make_session(capacity=1)
    login(client, users["resident"])
    client.post(f"/activities/sessions/{session.pk}/register/", {"persons": "1"})
    registration = Registration.objects.get()
    response = client.post(f"/activities/registrations/{registration.pk}/cancel/", {"next": target})
    assert response.status_code == 302 and response["Location"] == expected


@pytest.mark.parametrize(
    ("target", "expected"),
    [(EVIL, "/activities/venues/mine/"), ("/activities/venues/mine/?x=1", "/activities/venues/mine/?x=1")],
)
def test_cancel_venue_booking_next(client, venue, users, target, expected):  # noqa: F811
    booking = book(users["resident"], venue, 2, "09:00", "10:00")[0]
    login(client, users["resident"])
    response = client.post(f"/activities/venues/bookings/{booking.pk}/cancel/", {"next": target})
    assert response.status_code == 302 and response["Location"] == expected


def test_secure_request_refuses_a_plain_http_next(client, make_session, users):
    session = make_session(capacity=1)
    login(client, users["resident"])
    url = f"/activities/sessions/{session.pk}/register/"
    plain = "http://testserver/activities/?page=2"
    assert client.post(url, {"persons": "0", "next": plain}, secure=True)["Location"] == "/activities/"
    assert client.post(url, {"persons": "0", "next": plain})["Location"] == plain
