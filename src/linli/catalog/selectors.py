"""Reads of the catalogue, and compliance of a facility with the standard of its type and tier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.catalog.enums import Domain
from linli.catalog.models import Offering, ServiceItem, TierStandard
from linli.facilities.hours import OpeningHours
from linli.facilities.models import Facility
from linli.facilities.selectors import facilities_near, opening_status


def service_items(*, domain: str | None = None, q: str | None = None) -> QuerySet[ServiceItem]:
    qs = ServiceItem.objects.prefetch_related("host_types")
    if domain:
        qs = qs.filter(domain=domain)
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(code__icontains=q)
    return qs.order_by("domain", "code")


def offerings_of(facility: Facility, *, active_only: bool = True) -> QuerySet[Offering]:
    qs = facility.offerings.select_related("item")
    return qs.filter(active=True) if active_only else qs


def with_details(qs: QuerySet[Facility]) -> QuerySet[Facility]:
    """Prefetch what the public list shows: active offerings with their items (opening hours come from
    `OpeningHours`, loaded once for the whole list)."""
    return qs.prefetch_related(
        Prefetch("offerings", queryset=Offering.objects.filter(active=True).select_related("item")),
    )


def nearby_rows(lon: float, lat: float, domain: str | None, radius_m: float, limit: int) -> list[dict[str, Any]]:
    """The rows of "services near me" around a point, nearest first: each facility with its opening status
    now and its active offerings (of `domain`, if given). Shared by the API and the page."""
    found = facilities_near(lon=lon, lat=lat, radius_m=radius_m, domain=domain, limit=limit)
    detailed = {f.pk: f for f in with_details(Facility.objects.filter(pk__in=[n.facility.pk for n in found]))}
    now = timezone.now()
    today = timezone.localdate(now)
    hours = OpeningHours.for_facilities(detailed.values(), today, today)  # one calendar read for the list
    rows = []
    for near in found:
        facility = detailed[near.facility.pk]
        status = opening_status(facility, now, hours=hours)
        offerings = [o for o in facility.offerings.all() if not domain or o.item.domain == domain]
        groups = sorted({g for o in offerings for g in o.item.target_groups})
        rows.append(
            {
                "code": facility.code,
                "name": facility.name,
                "type": near.facility.facility_type.code,
                "type_name": near.facility.facility_type.name,
                "lon": facility.lon,
                "lat": facility.lat,
                "address": facility.address,
                "distance_m": round(near.distance_m),
                "open_now": status.open_now,
                "opening_status": status.text,
                "offerings": offerings,
                "target_groups": groups,
            }
        )
    return rows


@dataclass(frozen=True)
class Check:
    rule: str
    ok: bool
    message: str


@dataclass(frozen=True)
class Compliance:
    """How a facility measures up to its tier standard: each check, and one summary line."""

    standard: TierStandard | None
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def summary(self, type_name: str) -> str:
        if self.standard is None:
            return _("%(type)s: no standard is set for this type") % {"type": type_name}
        parts = [c.message for c in self.checks if c.rule == "domains"] + [
            c.message for c in self.failures if c.rule != "domains"
        ]
        return f"{type_name}: " + "; ".join(parts) if parts else f"{type_name}: " + _("meets the standard")


def _domain_label(value: str) -> str:
    return str(Domain(value).label) if value in Domain.values else value


def facility_compliance(facility: Facility) -> Compliance:
    """Item by item: domains offered, required domains and items, floor area, staffing, capacity."""
    standard = (
        TierStandard.objects.filter(facility_type_id=facility.facility_type_id)
        .prefetch_related("required_items")
        .first()
    )
    offered = list(offerings_of(facility))
    offered_items = {o.item_id for o in offered}
    offered_domains = {o.item.domain for o in offered}
    checks: list[Check] = []
    if standard is None:
        return Compliance(None, _capacity_checks(facility))
    wanted = standard.min_domains or len(standard.required_domains) or None
    if wanted:
        checks.append(
            Check(
                "domains",
                len(offered_domains) >= wanted,
                _("%(n)d of %(m)d domains offered") % {"n": len(offered_domains), "m": wanted},
            )
        )
    for domain in standard.required_domains:
        if domain not in offered_domains:
            checks.append(
                Check("required_domain", False, _("no %(domain)s service") % {"domain": _domain_label(domain)})
            )
    for item in standard.required_items.all():
        checks.append(
            Check(
                "required_item",
                item.pk in offered_items,
                _("offers %(item)s") % {"item": item.name}
                if item.pk in offered_items
                else _("no %(item)s") % {"item": item.name},
            )
        )
    if standard.min_floor_area_m2:
        area = facility.floor_area_m2
        if area is None:
            checks.append(Check("floor_area", False, _("floor area not recorded")))
        elif area < standard.min_floor_area_m2:
            checks.append(
                Check(
                    "floor_area",
                    False,
                    _("floor area %(a)d m² below the %(s)d m² standard") % {"a": area, "s": standard.min_floor_area_m2},
                )
            )
        else:
            checks.append(
                Check(
                    "floor_area",
                    True,
                    _("floor area %(a)d m² meets the %(s)d m² standard") % {"a": area, "s": standard.min_floor_area_m2},
                )
            )
    if standard.min_staff:
        staff = facility.staff_count or 0
        checks.append(
            Check(
                "staff",
                staff >= standard.min_staff,
                _("%(n)d staff of the %(m)d required") % {"n": staff, "m": standard.min_staff},
            )
        )
    return Compliance(standard, checks + _capacity_checks(facility))


def _capacity_checks(facility: Facility) -> list[Check]:
    if facility.capacity and facility.served_persons is not None:
        over = facility.served_persons > facility.capacity
        message = (
            _("over capacity: %(n)d registered for %(c)d places") if over else _("%(n)d registered for %(c)d places")
        ) % {"n": facility.served_persons, "c": facility.capacity}
        return [Check("capacity", not over, message)]
    return []
