"""iCalendar (RFC 5545) feeds of the public activities of one facility or one area, for residents'
phone calendars: `/calendar/facility/<code>.ics`, `/calendar/area/<code>.ics`. Public, no login.

The text is written by hand (no library): a VCALENDAR with one VEVENT per upcoming public session (a session
not yet over at a built facility, the same ones the activity list shows). Times are in UTC with "Z", so no
VTIMEZONE is needed and every client shows them in its own zone; X-WR-TIMEZONE tells calendar apps which zone
the feed is meant for. A session keeps its UID (session-<id>@linli) so a client updates, never duplicates, it
when the feed is read again. Lines end in CRLF and are folded at 75 octets without splitting a UTF-8
character; TEXT values escape backslash, semicolon, comma and newline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.areas.codes import CodeError, check_code, prefix_of
from linli.areas.models import Area
from linli.bookings import selectors
from linli.bookings.models import Session
from linli.core.errors import ApplicationError
from linli.facilities.selectors import facility_get_public

PRODID = "-//linli//Community activities//ZH"
UID_DOMAIN = "linli"
MAX_EVENTS = 2000
LINE_OCTETS = 75
CONTENT_TYPE = "text/calendar; charset=utf-8"


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma escaped; any newline as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line folded (RFC 5545 3.1): at most 75 octets per physical line, continuation lines start
    with a space (which counts), never inside a UTF-8 character; lines joined by CRLF."""
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode())
        if size + octets > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1
        current.append(char)
        size += octets
    parts.append("".join(current))
    return "\r\n ".join(parts)


def utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(session: Session, url: str) -> list[str]:
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
    return [
        "BEGIN:VEVENT",
        f"UID:session-{session.pk}@{UID_DOMAIN}",
        f"DTSTAMP:{utc(session.updated_at)}",
        f"LAST-MODIFIED:{utc(session.updated_at)}",
        f"DTSTART:{utc(session.starts_at)}",
        f"DTEND:{utc(session.ends_at)}",
        f"SUMMARY:{escape_text(activity.title)}",
        f"LOCATION:{escape_text(location)}",
        f"DESCRIPTION:{escape_text(chr(10).join(details))}",
        f"CATEGORIES:{escape_text(activity.get_domain_display())}",
        *([f"GEO:{facility.lat:.6f};{facility.lon:.6f}"] if facility.lat is not None else []),
        f"URL:{url}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
    ]


def calendar_text(*, name: str, sessions: Iterable[Session], base_url: str = "") -> str:
    """The whole VCALENDAR of `sessions`, named `name`; `base_url` (scheme and host) makes the links absolute."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-TIMEZONE:{timezone.get_default_timezone_name()}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT6H",
        "X-PUBLISHED-TTL:PT6H",
    ]
    for session in sessions:
        url = base_url + reverse("booking-session", args=[session.pk])
        lines.extend(_event(session, url))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def _response(request: HttpRequest, name: str, filename: str, sessions: Iterable[Session]) -> HttpResponse:
    base = f"{request.scheme}://{request.get_host()}"
    response = HttpResponse(calendar_text(name=name, sessions=sessions, base_url=base), content_type=CONTENT_TYPE)
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
