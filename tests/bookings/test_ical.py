"""iCalendar feeds of public activities per facility and per area, read back with a small RFC 5545 parser:
structure, one event per upcoming public session, escaping, folding at 75 octets, what is left out."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import include, path
from django.utils import timezone

from linli.bookings import ical
from linli.bookings.models import Activity, Session
from linli.config.urls import urlpatterns as site_urlpatterns
from linli.facilities.models import Facility

# The feeds as the site will mount them (at /calendar/), whatever the site's urls say today.
urlpatterns = [path("calendar/", include("linli.bookings.ical_urls")), *site_urlpatterns]
pytestmark = pytest.mark.urls(__name__)

Property = tuple[str, dict[str, str], str]


def unfold(text: str) -> list[str]:
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")  # CRLF only
    return re.sub(r"\r\n[ \t]", "", text).split("\r\n")[:-1]


def split(line: str) -> Property:
    """NAME;PARAM=VALUE:value (a colon inside a quoted parameter value does not end the name)."""
    head, _sep, value = re.match(r'((?:[^:"]|"[^"]*")*):(.*)', line).group(0).partition(":")  # type: ignore[union-attr]
    name, *params = head.split(";")
    return name.upper(), dict(p.split("=", 1) for p in params), value


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def parse(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The calendar's properties and its events' properties (one value per name)."""
    stack: list[str] = []
    calendar: dict[str, str] = {}
    events: list[dict[str, str]] = []
    for line in unfold(text):
        name, _params, value = split(line)
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                events.append({})
        elif name == "END":
            assert stack.pop() == value
        elif stack == ["VCALENDAR"]:
            calendar[name] = value
        elif stack == ["VCALENDAR", "VEVENT"]:
            assert name not in events[-1], f"{name} twice"
            events[-1][name] = value
    assert stack == []
    return calendar, events


def moment(value: str) -> dt.datetime:
    assert value.endswith("Z")
    return dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)


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
    calendar, events = parse(text)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"] == ical.PRODID
    assert centre.name in unescape(calendar["X-WR-CALNAME"])
    by_uid = {e["UID"]: e for e in events}
    # Upcoming sessions only: the one already over is not in the feed, nor the one at a planned facility.
    assert set(by_uid) == {f"session-{sessions[k].pk}@linli" for k in ("soon", "later")}
    soon = by_uid[f"session-{sessions['soon'].pk}@linli"]
    assert moment(soon["DTSTART"]) == sessions["soon"].starts_at.replace(microsecond=0)
    assert moment(soon["DTEND"]) == sessions["soon"].ends_at.replace(microsecond=0)
    assert moment(soon["DTSTAMP"]) <= timezone.now()
    assert soon["STATUS"] == "CONFIRMED"
    # Escaping: commas and semicolons escaped, read back exactly.
    assert soon["SUMMARY"] == "太极拳\\, 初级\\; 第1期" and unescape(soon["SUMMARY"]) == "太极拳, 初级; 第1期"
    assert unescape(soon["LOCATION"]) == "东湖邻里中心, 东湖路1号, 3楼; 活动室"
    assert "Seats" in unescape(soon["DESCRIPTION"]) or "名额" in unescape(soon["DESCRIPTION"])
    assert soon["URL"] == f"http://testserver/activities/sessions/{sessions['soon'].pk}/"
    # Folding: no physical line over 75 octets, the long title unfolds back whole.
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    later = by_uid[f"session-{sessions['later'].pk}@linli"]
    assert unescape(later["SUMMARY"]) == "书法" * 40
    # The UID is stable: the same on a second read.
    assert parse(client.get(f"/calendar/facility/{centre.code}.ics").content.decode())[1] == events


def test_area_feed_covers_the_subtree(client, sessions):
    for code in ("990102000000", "990102001000", "990102001001"):
        response = client.get(f"/calendar/area/{code}.ics")
        assert response.status_code == 200, code
        uids = {e["UID"] for e in parse(response.content.decode())[1]}
        assert uids == {f"session-{sessions[k].pk}@linli" for k in ("soon", "later")}, code
    # The planned facility's community has a session but no public one.
    assert parse(client.get("/calendar/area/990102001002.ics").content.decode())[1] == []


def test_unknown_or_unbuilt_give_404(client, sessions):
    assert client.get("/calendar/facility/F990102001002-09.ics").status_code == 404  # planned
    assert client.get("/calendar/facility/NOPE.ics").status_code == 404
    assert client.get("/calendar/area/990102999000.ics").status_code == 404
    assert client.get("/calendar/area/12345.ics").status_code == 404


def test_cancelled_session_is_marked(sessions):
    session = Session.objects.select_related("activity__facility").get(pk=sessions["soon"].pk)
    session.cancelled_at = timezone.now()  # type: ignore[attr-defined]  # when sessions can be cancelled
    (event,) = parse(ical.calendar_text(name="x", sessions=[session]))[1]
    assert event["STATUS"] == "CANCELLED"


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [("a,b;c\\d", "a\\,b\\;c\\\\d"), ("one\ntwo\r\nthree", "one\\ntwo\\nthree"), ("", "")],
)
def test_escape_text(raw, escaped):
    assert ical.escape_text(raw) == escaped and unescape(escaped) == raw.replace("\r\n", "\n")


def test_fold_never_splits_a_character():
    line = "SUMMARY:" + "邻里中心活动" * 30 + "abc" * 20
    folded = ical.fold(line)
    physical = folded.split("\r\n")
    assert len(physical) > 3 and all(len(p.encode()) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert folded.replace("\r\n ", "") == line
    assert ical.fold("X" * 75) == "X" * 75 and ical.fold("X" * 76) == "X" * 75 + "\r\n X"
