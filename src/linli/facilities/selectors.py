"""Reads of the registry: facilities in scope, the public directory near a point, opening status now,
and each facility's compliance with the standard of its type and tier."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError
from linli.core.models import AreaOwnedQuerySet, CalendarDay
from linli.core.permissions import Perm, has_perm, require
from linli.facilities.enums import ConstructionStatus
from linli.facilities.models import Facility, FacilityType, OpeningException, OpeningRule, Operator

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

EARTH_RADIUS_M = 6_371_008.8


def facilities_visible(*, viewer: AnyUser) -> AreaOwnedQuerySet[Facility]:
    """Every facility (any status) in the viewer's scope: the staff view."""
    require(viewer, Perm.AREA_VIEW)
    return Facility.objects.visible_to(viewer).select_related("facility_type", "area", "operator")


def facility_get(*, viewer: AnyUser, code: str) -> Facility:
    """A facility for staff; 404 outside their scope. Built facilities are public: anyone may read those
    through `facility_get_public`."""
    facility = facilities_visible(viewer=viewer).filter(code=code).first()
    if facility is None:
        raise ApplicationError("not_found", _("No such facility."), {"code": code}, status=404)
    return facility


def facilities_public() -> QuerySet[Facility]:
    """What residents and the public see: built facilities."""
    return Facility.objects.filter(status=ConstructionStatus.BUILT).select_related("facility_type", "operator", "area")


def facility_get_public(*, code: str) -> Facility:
    facility = facilities_public().filter(code=code).first()
    if facility is None:
        raise ApplicationError("not_found", _("No such facility."), {"code": code}, status=404)
    return facility


def facility_for_viewer(*, viewer: AnyUser, code: str) -> Facility:
    """Staff see any facility in scope; everyone else the public ones."""
    if has_perm(viewer, Perm.AREA_VIEW):
        found = facilities_visible(viewer=viewer).filter(code=code).first()
        if found is not None:
            return found
    return facility_get_public(code=code)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Nearby:
    facility: Facility
    distance_m: float


def facilities_near(
    *, lon: float, lat: float, radius_m: float = 3000, domain: str | None = None, limit: int = 50
) -> list[Nearby]:
    """Built facilities within `radius_m` (straight line) of a point, nearest first, optionally only those
    offering a service item of `domain` (or whose type serves it)."""
    if radius_m <= 0:
        raise ApplicationError("invalid", _("The radius must be positive."), {"field": "radius_m"})
    dlat = radius_m / 111_320.0
    dlon = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    qs = facilities_public().filter(lon__gte=lon - dlon, lon__lte=lon + dlon, lat__gte=lat - dlat, lat__lte=lat + dlat)
    if domain:
        # Types are few: which of them serve the domain is decided here, portably across databases.
        type_ids = [t.pk for t in FacilityType.objects.only("domains") if domain in t.domains]
        qs = qs.filter(
            Q(offerings__item__domain=domain, offerings__active=True) | Q(facility_type__in=type_ids)
        ).distinct()
    found = [Nearby(f, distance_m(lon, lat, f.lon, f.lat)) for f in qs]
    found = [n for n in found if n.distance_m <= radius_m]
    found.sort(key=lambda n: n.distance_m)
    return found[:limit]


def with_details(qs: QuerySet[Facility]) -> QuerySet[Facility]:
    """Prefetch what the public list shows: hours, exceptions, active offerings with their items."""
    from linli.catalog.models import Offering

    return qs.prefetch_related(
        "opening_rules",
        "opening_exceptions",
        Prefetch("offerings", queryset=Offering.objects.filter(active=True).select_related("item")),
    )


@dataclass(frozen=True)
class OpeningStatus:
    open_now: bool
    text: str
    reason: str = ""


def _holiday(day: dt.date) -> CalendarDay | None:
    return CalendarDay.objects.filter(date=day).first()


def opening_status(facility: Facility, now: dt.datetime | None = None) -> OpeningStatus:
    """ "Open until 21:00", "Opens at 14:00", "Closed today: public holiday" … at `now` (local time)."""
    now = timezone.localtime(now or timezone.now())
    today, time = now.date(), now.time()
    exceptions = [e for e in facility.opening_exceptions.all() if e.date == today]
    if exceptions:
        if any(e.closed for e in exceptions):
            reason = next((e.reason for e in exceptions if e.closed and e.reason), "")
            return OpeningStatus(
                False, _("Closed today: %(reason)s") % {"reason": reason} if reason else _("Closed today"), reason
            )
        spans = sorted((e.opens, e.closes) for e in exceptions if e.opens and e.closes)
    else:
        # Only facilities that close on holidays need the calendar: no query for the others.
        calendar_day = _holiday(today) if facility.closed_on_public_holidays else None
        if calendar_day is not None and calendar_day.kind == CalendarDay.Kind.HOLIDAY:
            name = calendar_day.name or _("public holiday")
            return OpeningStatus(False, _("Closed today: %(reason)s") % {"reason": name}, "holiday")
        weekday = today.weekday()
        spans = sorted((r.opens, r.closes) for r in facility.opening_rules.all() if r.weekday == weekday)
    return _status_from_spans(spans, time)


def _status_from_spans(spans: list[tuple[Any, Any]], time: dt.time) -> OpeningStatus:
    if not spans:
        return OpeningStatus(False, _("Closed today"))
    for opens, closes in spans:
        if opens <= time < closes:
            return OpeningStatus(True, _("Open until %(time)s") % {"time": closes.strftime("%H:%M")})
    later = [opens for opens, _closes in spans if opens > time]
    if later:
        return OpeningStatus(False, _("Opens at %(time)s") % {"time": later[0].strftime("%H:%M")})
    return OpeningStatus(False, _("Closed for today"))


WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


def opening_rules_by_day(facility: Facility) -> list[tuple[int, list[OpeningRule]]]:
    rules: dict[int, list[OpeningRule]] = {d: [] for d in range(7)}
    for rule in facility.opening_rules.all():
        rules[rule.weekday].append(rule)
    return list(rules.items())


def upcoming_exceptions(facility: Facility, days: int = 60) -> list[OpeningException]:
    today = timezone.localdate()
    return [e for e in facility.opening_exceptions.all() if today <= e.date <= today + dt.timedelta(days=days)]


def facility_types() -> QuerySet[FacilityType]:
    return FacilityType.objects.all()


def operators_visible(*, viewer: AnyUser) -> QuerySet[Operator]:
    """Operators are public bodies of the directory (HSDS publishes them): everyone may list them; what
    differs by role is their contact phone, masked by the views for roles that may not see it."""
    return Operator.objects.all().order_by("name")
