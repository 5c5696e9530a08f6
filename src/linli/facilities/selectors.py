"""Reads of the registry: facilities in scope, the public directory near a point, opening status now,
and each facility's compliance with the standard of its type and tier."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.areas.codes import CodeError, check_code, prefix_of
from linli.areas.models import Area
from linli.core.errors import ApplicationError
from linli.core.models import AreaOwnedQuerySet
from linli.core.permissions import Perm, has_perm, require
from linli.engine.network import bounding_box, haversine
from linli.facilities.enums import ConstructionStatus
from linli.facilities.hours import OpeningHours
from linli.facilities.models import Facility, FacilityType, OpeningException, OpeningRule, Operator

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


def facilities_visible(*, viewer: AnyUser) -> AreaOwnedQuerySet[Facility]:
    """Every facility (any status) in the viewer's scope: the staff view."""
    require(viewer, Perm.AREA_VIEW)
    return Facility.objects.visible_to(viewer).select_related("facility_type", "area", "operator")


def facilities_filtered(
    *,
    viewer: AnyUser,
    type: str | None = None,
    status: str | None = None,
    area: str | None = None,
    q: str | None = None,
) -> QuerySet[Facility]:
    """The facility list of the API and of the page: facilities in the viewer's scope of a type, a status,
    inside an area (a 12-digit code: the area and everything below it) and whose name, code or address
    contains `q`; by area, then code."""
    qs = facilities_visible(viewer=viewer)
    if type:
        qs = qs.filter(facility_type__code=type)
    if status:
        qs = qs.filter(status=status)
    if area:
        try:
            check_code(area)
        except CodeError as exc:
            raise ApplicationError("invalid", str(exc), {"field": "area", "value": area}) from exc
        qs = qs.filter(area_code__startswith=prefix_of(area))
    if q and q.strip():
        words = q.strip()
        qs = qs.filter(Q(name__icontains=words) | Q(code__icontains=words) | Q(address__icontains=words))
    return qs.order_by("area_code", "code")


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


def search_point(lon: float | None, lat: float | None, area: str | None) -> tuple[float, float]:
    """The point to search from: given, or the centre of a community or village."""
    if lon is not None and lat is not None:
        return lon, lat
    if area:
        found = Area.objects.filter(code=area).values_list("centroid_lon", "centroid_lat").first()
        if found is None or found[0] is None or found[1] is None:
            raise ApplicationError("not_found", _("No such area."), {"field": "area", "code": area}, status=404)
        return float(found[0]), float(found[1])
    raise ApplicationError("invalid", _("Give lon and lat, or an area code."), {"field": "lon"})


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
    x0, y0, x1, y1 = bounding_box(lon, lat, radius_m)
    qs = facilities_public().filter(lon__gte=x0, lon__lte=x1, lat__gte=y0, lat__lte=y1)
    if domain:
        # Types are few: which of them serve the domain is decided here, portably across databases.
        type_ids = [t.pk for t in FacilityType.objects.only("domains") if domain in t.domains]
        qs = qs.filter(
            Q(offerings__item__domain=domain, offerings__active=True) | Q(facility_type__in=type_ids)
        ).distinct()
    candidates = list(qs)
    metres = haversine(lon, lat, [f.lon for f in candidates], [f.lat for f in candidates])
    found = [Nearby(f, float(d)) for f, d in zip(candidates, metres, strict=True)]
    found = [n for n in found if n.distance_m <= radius_m]
    found.sort(key=lambda n: n.distance_m)
    return found[:limit]


@dataclass(frozen=True)
class OpeningStatus:
    open_now: bool
    text: str
    reason: str = ""


def opening_status(
    facility: Facility, now: dt.datetime | None = None, hours: OpeningHours | None = None
) -> OpeningStatus:
    """ "Open until 21:00", "Opens at 14:00", "Closed today: public holiday" … at `now` (local time).
    `hours` (from `OpeningHours.for_facilities`, covering today) answers for a list without a query per
    facility; without it the facility's hours of today are loaded."""
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    if hours is None:
        hours = OpeningHours.for_facilities([facility], today, today)
    spans = hours.spans(facility.pk, today)
    closure = hours.closure(facility.pk, today) if not spans else None
    if closure is not None and closure.kind == "holiday":
        return OpeningStatus(False, _("Closed today: %(reason)s") % {"reason": closure.reason}, "holiday")
    if closure is not None:
        reason = closure.reason
        return OpeningStatus(
            False, _("Closed today: %(reason)s") % {"reason": reason} if reason else _("Closed today"), reason
        )
    return _status_from_spans(spans, now.time())


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
