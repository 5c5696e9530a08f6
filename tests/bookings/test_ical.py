"""iCalendar feeds of public activities per facility and per area, read back with the `icalendar` library:
structure, one event per upcoming public session, escaping, folding at 75 octets, what is left out."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import include, path
from django.utils import timezone
from icalendar import Calendar

from linli.bookings import ical
from linli.bookings.models import Activity, Session
from linli.config.urls import urlpatterns as site_urlpatterns
from linli.facilities.models import Facility

# The feeds as the site will mount them (at /calendar/), whatever the site's urls say today.
urlpatterns = [path("calendar/", include("linli.bookings.ical_urls")), *site_urlpatterns]
pytestmark = pytest.mark.urls(__name__)


def parse(text: str) -> tuple[Calendar, dict[str, dict]]:
    """The calendar and its events by UID, parsed by `icalendar` (CRLF line ends only)."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    calendar = Calendar.from_ical(text)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert len(events) == len(calendar.walk("VEVENT"))  # no UID twice
    return calendar, events


def unfolded(text: str) -> list[str]:
    return re.sub(r"\r\n[ \t]", "", text).split("\r\n")


@pytest.fixture
def sessions(make_session, centre, registry):
    planned = Facility.objects.create(
        code="F990102001002-09", name="湖滨规划中心", facility_type=registry["centre"], area_id=centre.area_id,
        area_code="990102001002", lon=120.0, lat=30.0, status="planned",
    )  # fmt: skip
    hidden = Activity.objects.create(facility=planned, area_code=planned.area_code, title="未建成", domain="sports")
    starts = timezone.now() + dt.timedelta(days=2)
    Session.objects.create(
        activity=hidden, area_code=planned.area_code, starts_at=starts, ends_at=starts + dt.timedelta(hours=1),
        capacity=5, opens_at=starts - dt.timedelta(days=3), closes_at=starts,
    )  # fmt: skip
    centre.address = "东湖路1号, 3楼; 活动室"
    centre.save(update_fields=["address"])
    return {
        "soon": make_session(title="太极拳, 初级; 第1期", starts_in=dt.timedelta(days=1)),
        "later": make_session(title="书法" * 40, starts_in=dt.timedelta(days=10)),
        "over": make_session(title="已结束", starts_in=-dt.timedelta(days=1)),
    }


def test_facility_feed(client, sessions, centre):
    response = client.get(f"/calendar/facility/{centre.code}.ics")
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    calendar, by_uid = parse(text)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"]) == ical.PRODID
    assert str(calendar["METHOD"]) == "PUBLISH" and centre.name in str(calendar["X-WR-CALNAME"])
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in unfolded(text)
    # Upcoming sessions only: the one already over is not in the feed, nor the one at a planned facility.
    assert set(by_uid) == {f"session-{sessions[k].pk}@linli" for k in ("soon", "later")}
    soon = by_uid[f"session-{sessions['soon'].pk}@linli"]
    assert soon.decoded("DTSTART") == sessions["soon"].starts_at.replace(microsecond=0)
    assert soon.decoded("DTEND") == sessions["soon"].ends_at.replace(microsecond=0)
    assert soon.decoded("DTSTART").tzinfo is not None and soon.decoded("DTSTAMP") <= timezone.now()
    assert str(soon["STATUS"]) == "CONFIRMED" and str(soon["TRANSP"]) == "OPAQUE"
    # Escaping: commas and semicolons escaped on the wire, read back exactly.
    assert "SUMMARY:太极拳\\, 初级\\; 第1期" in unfolded(text)
    assert str(soon["SUMMARY"]) == "太极拳, 初级; 第1期"
    assert str(soon["LOCATION"]) == "东湖邻里中心, 东湖路1号, 3楼; 活动室"
    description = str(soon["DESCRIPTION"])
    assert ("Seats" in description or "名额" in description) and "\n" in description
    assert str(soon["URL"]) == f"http://testserver/activities/sessions/{sessions['soon'].pk}/"
    assert soon["CATEGORIES"].cats and soon["GEO"].latitude == pytest.approx(centre.lat)
    # Folding: no physical line over 75 octets, the long title unfolds back whole.
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    later = by_uid[f"session-{sessions['later'].pk}@linli"]
    assert str(later["SUMMARY"]) == "书法" * 40
    # The UID is stable: the same events on a second read.
    again = parse(client.get(f"/calendar/facility/{centre.code}.ics").content.decode())[1]
    assert {uid: e.to_ical() for uid, e in again.items()} == {uid: e.to_ical() for uid, e in by_uid.items()}


def test_area_feed_covers_the_subtree(client, sessions):
    for code in ("990102000000", "990102001000", "990102001001"):
        response = client.get(f"/calendar/area/{code}.ics")
        assert response.status_code == 200, code
        uids = set(parse(response.content.decode())[1])
        assert uids == {f"session-{sessions[k].pk}@linli" for k in ("soon", "later")}, code
    # The planned facility's community has a session but no public one.
    assert parse(client.get("/calendar/area/990102001002.ics").content.decode())[1] == {}


def test_unknown_or_unbuilt_give_404(client, sessions):
    assert client.get("/calendar/facility/F990102001002-09.ics").status_code == 404  # planned
    assert client.get("/calendar/facility/NOPE.ics").status_code == 404
    assert client.get("/calendar/area/990102999000.ics").status_code == 404
    assert client.get("/calendar/area/12345.ics").status_code == 404


def test_cancelled_session_is_marked(sessions):
    session = Session.objects.select_related("activity__facility").get(pk=sessions["soon"].pk)
    session.cancelled_at = timezone.now()  # type: ignore[attr-defined]  # when sessions can be cancelled
    feed = ical.calendar_feed(name="x", sessions=[session]).to_ical().decode()
    (event,) = parse(feed)[1].values()
    assert str(event["STATUS"]) == "CANCELLED"
