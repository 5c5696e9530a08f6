"""iCalendar (RFC 5545) feeds of the public activities of one facility or one area, for residents'
phone calendars: `/calendar/facility/<code>.ics`, `/calendar/area/<code>.ics`. Public, no login.

Built with the `icalendar` library (escaping, folding at 75 octets, CRLF): a VCALENDAR with one VEVENT per
upcoming public session (a session not yet over at a built facility, the same ones the activity list
shows). Times are in UTC ("Z"), so no VTIMEZONE is needed and every client shows them in its own zone;
X-WR-TIMEZONE tells calendar apps which zone the feed is meant for. A session keeps its UID
(session-<id>@linli) so a client updates, never duplicates, it when the feed is read again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration, vText

from linli.areas.codes import CodeError, check_code, prefix_of
from linli.areas.models import Area
from linli.bookings import selectors
from linli.bookings.models import Session
from linli.core.errors import ApplicationError
from linli.facilities.selectors import facility_get_public

PRODID = "-//linli//Community activities//ZH"
UID_DOMAIN = "linli"
MAX_EVENTS = 2000
CONTENT_TYPE = "text/calendar; charset=utf-8"
REFRESH = dt.timedelta(hours=6)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _event(session: Session, url: str) -> Event:
    activity = session.activity
    facility = activity.facility
    location = ", ".join(part for part in (facility.name, facility.address) if part)
    details = [activity.description.strip()] if activity.description.strip() else []
    details.append(
        _("Seats: %(left)d of %(capacity)d left") % {"left": session.seats_left, "capacity": session.capacity}
    )
    if session.min_age is not None or session.max_age is not None:
        details.append(_("Ages: %(min)s-%(max)s") % {"min": session.min_age or "", "max": session.max_age or ""})
    details.append(_("Register: %(url)s") % {"url": url})
    cancelled = bool(getattr(session, "cancelled_at", None))
    event = Event()
    event.add("uid", f"session-{session.pk}@{UID_DOMAIN}")
    event.add("dtstamp", _utc(session.updated_at))
    event.add("last-modified", _utc(session.updated_at))
    event.add("dtstart", _utc(session.starts_at))
    event.add("dtend", _utc(session.ends_at))
    event.add("summary", activity.title)
    event.add("location", location)
    event.add("description", "\n".join(details))
    event.add("categories", [str(activity.get_domain_display())])
    if facility.lat is not None and facility.lon is not None:
        event.add("geo", (facility.lat, facility.lon))
    event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def calendar_feed(*, name: str, sessions: Iterable[Session], base_url: str = "") -> Calendar:
    """The VCALENDAR of `sessions`, named `name`; `base_url` (scheme and host) makes the links absolute."""
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", vText(name))
    calendar.add("x-wr-timezone", timezone.get_default_timezone_name())
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for session in sessions:
        calendar.add_component(_event(session, base_url + reverse("booking-session", args=[session.pk])))
    return calendar


def _response(request: HttpRequest, name: str, filename: str, sessions: Iterable[Session]) -> HttpResponse:
    base = f"{request.scheme}://{request.get_host()}"
    feed = calendar_feed(name=name, sessions=sessions, base_url=base)
    response = HttpResponse(feed.to_ical(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}.ics"'
    response["Cache-Control"] = "public, max-age=900"
    return response


def facility_feed(request: HttpRequest, code: str) -> HttpResponse:
    """The upcoming public sessions at a built facility; 404 for an unknown or not (yet) built one."""
    facility = facility_get_public(code=code)
    sessions = selectors.sessions_upcoming(facility=facility.code)[:MAX_EVENTS]
    return _response(request, _("Activities at %(name)s") % {"name": facility.name}, facility.code, sessions)


def area_feed(request: HttpRequest, code: str) -> HttpResponse:
    """The upcoming public sessions at built facilities anywhere in an area (its whole subtree)."""
    try:
        check_code(code)
    except CodeError as exc:
        raise ApplicationError("not_found", str(exc), {"code": code}, status=404) from exc
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise ApplicationError("not_found", _("No such area."), {"code": code}, status=404)
    sessions = selectors.sessions_upcoming(area=prefix_of(code))[:MAX_EVENTS]
    return _response(request, _("Activities in %(name)s") % {"name": area.name}, code, sessions)
