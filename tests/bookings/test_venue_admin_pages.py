"""Staff manage the venues of their facilities on a page and through the API: every bad field is named and
nothing is written; changes are audited; staff of another area get 404 (their scope does not hold the
facility), roles without the right to change facilities 403."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

from linli.bookings import venue_selectors, venue_services
from linli.bookings.inputs import VenueCreateIn, VenueIn
from linli.bookings.models import Venue
from linli.core.errors import ApplicationError
from linli.core.models import AuditLog
from linli.facilities.models import Facility
from tests.conftest import login


@pytest.fixture(autouse=True)
def _english(client):
    """Refusals are checked by their English wording here (pages: the language switch's cookie, or the
    page request would leave its Chinese active for the service calls after it)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def other_centre(centre):
    """A centre in community 990102002001 (outside the `community` user's scope)."""
    from linli.areas.models import Area

    return Facility.objects.create(
        code="F990102002001-01", name="西山邻里中心", facility_type=centre.facility_type,
        area_id=Area.objects.get(code="990102002001").pk, area_code="990102002001", lon=120.055, lat=30.005,
    )  # fmt: skip


GOOD = {
    "name": "多功能厅", "kind": "room", "capacity": "40", "slot_minutes": "30", "min_duration_minutes": "60",
    "max_duration_minutes": "180", "max_days_ahead": "30", "max_active_bookings_per_person": "",
    "needs_approval": "1", "active": "1",
}  # fmt: skip


def test_create_and_edit_on_the_page(client, centre, users):
    login(client, users["community"])
    form = client.get(f"/activities/venues/manage/new/?facility={centre.code}")
    assert form.status_code == 200 and b'data-testid="venue-form"' in form.content
    saved = client.post("/activities/venues/manage/new/", {**GOOD, "facility": centre.code})
    assert saved.status_code == 302
    venue = Venue.objects.get()
    assert (venue.facility, venue.area_code, venue.name, venue.capacity) == (centre, centre.area_code, "多功能厅", 40)
    assert venue.needs_approval and venue.active and venue.max_active_bookings_per_person is None
    created = AuditLog.objects.get(object_type="bookings.venue", action="create")
    assert created.object_id == str(venue.pk) and created.actor == users["community"]

    listing = client.get(f"/activities/venues/manage/?facility={centre.code}")
    assert listing.status_code == 200 and f'data-venue="{venue.pk}"'.encode() in listing.content

    # unchecked boxes: no approval, not bookable
    edit = {**GOOD, "name": "大会议室", "capacity": "60", "max_active_bookings_per_person": "2"}
    del edit["needs_approval"], edit["active"]
    assert client.post(f"/activities/venues/manage/{venue.pk}/edit/", edit).status_code == 302
    venue.refresh_from_db()
    assert (venue.name, venue.capacity, venue.max_active_bookings_per_person) == ("大会议室", 60, 2)
    assert not venue.needs_approval and not venue.active
    changed = AuditLog.objects.get(object_type="bookings.venue", action="update")
    assert set(changed.fields) == {"name", "capacity", "max_active_bookings_per_person", "needs_approval", "active"}
    assert changed.detail["name"] == ["多功能厅", "大会议室"]
    # a venue taken out of booking is no longer on the public page, but staff still list it
    assert not venue_selectors.venues_of_facility(facility=centre).exists()
    assert f'data-venue="{venue.pk}"'.encode() in client.get("/activities/venues/manage/").content


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"name": ""}, "name", "required"),
        ({"kind": "pool"}, "kind", "unknown value"),
        ({"capacity": "0"}, "capacity", "at least 1"),
        ({"capacity": "many"}, "capacity", "not a number"),
        ({"slot_minutes": "7"}, "slot_minutes", "divide a day"),
        ({"slot_minutes": "2"}, "slot_minutes", "5 to 1440"),
        ({"min_duration_minutes": "45"}, "min_duration_minutes", "30-minute slots"),
        ({"max_duration_minutes": "30"}, "max_duration_minutes", "shortest"),
        ({"max_days_ahead": "0"}, "max_days_ahead", "1 to 366"),
        ({"max_active_bookings_per_person": "0"}, "max_active_bookings_per_person", "at least 1"),
        ({"needs_approval": "maybe"}, "needs_approval", "yes"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(centre, users, changes, field, words):
    with pytest.raises(ApplicationError) as info:
        venue_services.venue_create(
            actor=users["community"], facility=centre, data=VenueCreateIn.parse({**GOOD, **changes})
        )
    errors = {e["field"]: e["message"] for e in info.value.extra["errors"]}
    assert field in errors and words in errors[field], errors
    assert not Venue.objects.exists() and not AuditLog.objects.filter(object_type="bookings.venue").exists()


def test_bad_input_on_the_page_and_on_update(client, centre, users):
    login(client, users["community"])
    page = client.post("/activities/venues/manage/new/", {**GOOD, "facility": centre.code, "slot_minutes": "7"})
    assert page.status_code == 400 and b'data-field="slot_minutes"' in page.content
    assert not Venue.objects.exists()
    venue = venue_services.venue_create(actor=users["community"], facility=centre, data=VenueCreateIn.parse(GOOD))
    venue_services.venue_create(
        actor=users["community"], facility=centre, data=VenueCreateIn.parse({**GOOD, "name": "乒乓球室"})
    )
    with pytest.raises(ApplicationError) as info:  # one field changed, checked against the others kept
        venue_services.venue_update(
            actor=users["community"], venue=venue, data=VenueIn.parse({"min_duration_minutes": 240})
        )
    assert info.value.extra["errors"][0]["field"] == "max_duration_minutes"
    with pytest.raises(ApplicationError) as info:
        venue_services.venue_update(actor=users["community"], venue=venue, data=VenueIn.parse({"name": "乒乓球室"}))
    assert "already has a venue of this name" in info.value.extra["errors"][0]["message"]
    venue.refresh_from_db()
    assert (venue.name, venue.min_duration_minutes) == ("多功能厅", 60)
    assert AuditLog.objects.filter(object_type="bookings.venue", action="update").count() == 0


def test_scope_and_role_refusals(client, centre, other_centre, users):
    theirs = venue_services.venue_create(actor=users["district"], facility=other_centre, data=VenueCreateIn.parse(GOOD))
    # the service: staff of another area, a resident
    for who, status in (("community", 403), ("resident", 403), ("auditor", 403)):
        with pytest.raises(ApplicationError) as info:
            venue_services.venue_create(
                actor=users[who], facility=other_centre, data=VenueCreateIn.parse({**GOOD, "name": "x"})
            )
        assert info.value.status == status
        with pytest.raises(ApplicationError) as info:
            venue_services.venue_update(actor=users[who], venue=theirs, data=VenueIn.parse({"name": "y"}))
        assert info.value.status == status
    assert Venue.objects.count() == 1 and Venue.objects.get().name == GOOD["name"]
    # the pages: the other area's venue and facility do not exist for community staff
    login(client, users["community"])
    assert client.get(f"/activities/venues/manage/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/activities/venues/manage/{theirs.pk}/edit/", {**GOOD, "name": "y"}).status_code == 404
    assert client.get(f"/activities/venues/manage/?facility={other_centre.code}").status_code == 404
    refused = client.post("/activities/venues/manage/new/", {**GOOD, "facility": other_centre.code, "name": "z"})
    assert refused.status_code == 400 and b'data-field="facility"' in refused.content
    assert f'data-venue="{theirs.pk}"'.encode() not in client.get("/activities/venues/manage/").content
    assert Venue.objects.count() == 1
    # a resident may not open the staff pages at all; the town above both sees its own only
    login(client, users["resident"])
    assert client.get("/activities/venues/manage/").status_code == 403
    assert client.get(f"/activities/venues/manage/{theirs.pk}/edit/").status_code == 403
    login(client, users["town"])
    assert client.get(f"/activities/venues/manage/{theirs.pk}/edit/").status_code == 404


def test_api_create_and_update(client, centre, other_centre, users, token_for):
    staff = token_for(users["community"])
    body = {**GOOD, "facility": centre.code, "needs_approval": False, "capacity": 12}
    created = client.post("/api/bookings/venues/", body, content_type="application/json", **staff)
    assert created.status_code == 201, created.json()
    venue_id = created.json()["id"]
    assert created.json()["capacity"] == 12 and created.json()["needs_approval"] is False
    bad = client.post("/api/bookings/venues/", {**body, "name": ""}, content_type="application/json", **staff)
    assert bad.status_code == 400 and bad.json()["detail"]["errors"][0]["field"] == "name"
    elsewhere = {**body, "facility": other_centre.code}
    assert client.post("/api/bookings/venues/", elsewhere, content_type="application/json", **staff).status_code == 404
    resident = token_for(users["resident"])
    assert client.post("/api/bookings/venues/", body, content_type="application/json", **resident).status_code == 403
    changed = client.patch(
        f"/api/bookings/venues/{venue_id}", {"active": False}, content_type="application/json", **staff
    )
    assert changed.status_code == 200 and changed.json()["active"] is False and changed.json()["capacity"] == 12
    other = token_for(users["other_community"])
    refused = client.patch(
        f"/api/bookings/venues/{venue_id}", {"active": True}, content_type="application/json", **other
    )
    assert refused.status_code == 404
    assert Venue.objects.count() == 1 and not Venue.objects.get().active


def test_staff_links(client, centre, users):
    venue = venue_services.venue_create(actor=users["community"], facility=centre, data=VenueCreateIn.parse(GOOD))
    login(client, users["community"])
    page = client.get(f"/activities/venues/at/{centre.code}/")
    assert b'data-testid="venue-manage"' in page.content and b'data-testid="kiosk-links"' in page.content
    assert b'data-testid="venues-manage"' in client.get("/activities/manage/").content
    login(client, users["resident"])
    assert b'data-testid="venue-manage"' not in client.get(f"/activities/venues/at/{centre.code}/").content
    assert venue.pk


def test_the_facility_page_links_to_venues_and_kiosk_links(client, centre, users):
    page = f"/facilities/{centre.code}/"
    assert b"facility-venues" not in client.get(page).content  # no venue yet: nothing to book
    venue_services.venue_create(actor=users["community"], facility=centre, data=VenueCreateIn.parse(GOOD))
    public = client.get(page).content
    assert b'data-testid="facility-venues"' in public and f"/activities/venues/at/{centre.code}/".encode() in public
    assert b"facility-kiosk-links" not in public
    login(client, users["community"])
    staff = client.get(page).content
    assert b'data-testid="facility-venues-manage"' in staff
    assert f"/activities/kiosk/{centre.code}/links/".encode() in staff
