"""The one rule "a facility type may host a service item" (`ServiceItem.host_types`), and what it
forbids: offering an item at a facility whose type cannot host it, requiring it in the type's standard,
changing a facility's type away from what it offers, removing a host type while its facilities offer the
item. Forms, the API, the Excel import and the standards all ask here.

facilities sits below catalog and cannot import it: `CatalogConfig.ready` adds `type_change_problems` to
`facilities.services.TYPE_CHANGE_CHECKS`, which `facility_check` runs when a facility's type changes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _

from linli.catalog.models import Offering, ServiceItem
from linli.facilities.models import FacilityType


class Hosting:
    """Which facility types may host which items, each item's hosts read once (from the prefetch cache
    when `host_types` was prefetched): one object serves a whole file."""

    def __init__(self) -> None:
        self._hosts: dict[int, frozenset[int]] = {}

    def hosts(self, item: ServiceItem) -> frozenset[int]:
        if item.pk not in self._hosts:
            self._hosts[item.pk] = frozenset(t.pk for t in item.host_types.all())
        return self._hosts[item.pk]

    def may_host(self, facility_type: FacilityType, item: ServiceItem) -> bool:
        return facility_type.pk in self.hosts(item)

    def problem(self, facility_type: FacilityType, item: ServiceItem) -> str | None:
        """Why a facility of `facility_type` cannot offer `item`, or None when it can."""
        if self.may_host(facility_type, item):
            return None
        return _("%(type)s cannot host %(item)s") % {"type": facility_type.name, "item": item.name}


def host_problem(facility_type: FacilityType, item: ServiceItem) -> str | None:
    """Why a facility of `facility_type` cannot offer `item` (or its standard require it), or None."""
    return Hosting().problem(facility_type, item)


def type_change_problems(changes: Mapping[int, FacilityType]) -> dict[int, str]:
    """For facilities (by pk) whose type would become the one given: why not, when the new type cannot host
    every item the facility offers (active or not). One query for all of them."""
    hosting = Hosting()
    stranded: dict[int, list[str]] = {}
    offerings = Offering.objects.filter(facility_id__in=list(changes)).select_related("item")
    for offering in offerings.prefetch_related("item__host_types").order_by("facility_id", "item__code"):
        if not hosting.may_host(changes[offering.facility_id], offering.item):
            stranded.setdefault(offering.facility_id, []).append(offering.item.name)
    return {
        pk: _("%(type)s cannot host what this facility offers: %(items)s")
        % {"type": changes[pk].name, "items": "、".join(names[:5])}
        for pk, names in stranded.items()
    }


def host_removal_problem(item: ServiceItem, hosts: Iterable[FacilityType]) -> str | None:
    """Why the item's host types cannot become `hosts`: a facility of a removed type still offers it. Only
    the types removed by the change count (an offering the old hosts did not allow either is not this
    change's doing)."""
    if item.pk is None:
        return None
    removed = {t.pk for t in item.host_types.all()} - {t.pk for t in hosts}
    if not removed:
        return None
    stranded = Offering.objects.filter(item=item, facility__facility_type__in=removed).select_related("facility")
    names = [o.facility.name for o in stranded.order_by("facility__code")[:5]]
    if not names:
        return None
    return _("Facilities of a removed type still offer this item: %(names)s") % {"names": "、".join(names)}
