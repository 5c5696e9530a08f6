"""HSDS services and service_at_locations: an active offering at a built facility, its fees, eligibility,
taxonomy attributes and service area; filters and pages of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from linli.catalog.enums import FeeType, TargetGroup
from linli.catalog.models import Offering
from linli.facilities.enums import ConstructionStatus, LivingCircle
from linli.interop.hsds_common import (
    DEFAULT_PER_PAGE,
    Json,
    Names,
    Organization,
    area_names,
    chinese_language,
    clean,
    district_of,
    facility_organization_id,
    find_key,
    hsds_id,
    hsds_page,
    iso_moment,
    normal_id,
    not_found,
    zh_label,
)
from linli.interop.hsds_locations import (
    hsds_location,
)
from linli.interop.hsds_organizations import (
    organization_fields,
    organization_q,
)
from linli.interop.hsds_taxonomy import (
    TAXONOMIES,
    hsds_taxonomy_term,
    term_q,
)


def _published_offerings() -> QuerySet[Offering]:
    return Offering.objects.filter(active=True, facility__status=ConstructionStatus.BUILT)


def _offerings() -> QuerySet[Offering]:
    return (
        _published_offerings()
        .select_related("item", "facility__operator", "facility__facility_type")
        .prefetch_related("facility__opening_rules")
        .order_by("facility__area_code", "facility__code", "item__domain", "item__code", "pk")
    )


def _offering_filter(
    *,
    search: str | None,
    taxonomy_term_id: str | None,
    taxonomy_id: str | None,
    organization_id: str | None,
    modified_after: datetime | None,
) -> QuerySet[Offering]:
    qs = _offerings()
    if search:
        qs = qs.filter(
            Q(item__name__icontains=search)
            | Q(item__content__icontains=search)
            | Q(facility__name__icontains=search)
            | Q(facility__address__icontains=search)
            | Q(facility__operator__name__icontains=search)
        )
    if taxonomy_term_id:
        qs = qs.filter(term_q(taxonomy_term_id))
    if taxonomy_id and normal_id(taxonomy_id) not in {t.id for t in TAXONOMIES}:
        qs = qs.none()  # every service has a term of each linli taxonomy
    if organization_id:
        qs = qs.filter(organization_q(organization_id))
    if modified_after:
        if timezone.is_naive(modified_after):
            modified_after = timezone.make_aware(modified_after)
        qs = qs.filter(
            Q(updated_at__gte=modified_after)
            | Q(item__updated_at__gte=modified_after)
            | Q(facility__updated_at__gte=modified_after)
            | Q(facility__operator__updated_at__gte=modified_after)
        )
    return qs


def _offering_get(kind: str, object_id: str) -> Offering:
    pk = find_key(kind, object_id, _published_offerings().values_list("pk", flat=True))
    if pk is None:
        raise not_found(kind, object_id)
    return _offerings().get(pk=pk)


def _fee(offering: Offering) -> tuple[str, Decimal | None]:
    fee_type = offering.fee_type or offering.item.fee_type
    if fee_type == FeeType.FREE:
        return fee_type, Decimal(0)
    return fee_type, offering.fee_amount if offering.fee_amount is not None else offering.item.fee_amount


def _fees_description(offering: Offering) -> str:
    fee_type, amount = _fee(offering)
    parts = [zh_label(FeeType, fee_type)]
    if fee_type != FeeType.FREE and amount is not None:
        parts += [f"{amount} 元", offering.item.fee_unit]
    return " ".join(part for part in parts if part)


def _eligibility(offering: Offering) -> str | None:
    groups = "、".join(zh_label(TargetGroup, group) for group in offering.item.target_groups)
    return f"面向{groups}" if groups else None


def _last_modified(offering: Offering) -> str:
    stamps = [offering.updated_at, offering.item.updated_at, offering.facility.updated_at]
    if offering.facility.operator:
        stamps.append(offering.facility.operator.updated_at)
    return iso_moment(max(stamps))


def _service_fields(offering: Offering, names: Names) -> Json:
    item, facility = offering.item, offering.facility
    org: Organization = facility.operator or district_of(facility)
    return clean(
        {
            "id": hsds_id("service", offering.pk),
            "organization_id": facility_organization_id(facility),
            "name": item.name,
            "description": item.content or None,
            "status": "active",
            "fees_description": _fees_description(offering),
            "eligibility_description": _eligibility(offering),
            "minimum_age": item.min_age,
            "maximum_age": item.max_age,
            "last_modified": _last_modified(offering),
            "organization": organization_fields(org, names),
        }
    )


def _cost_options(offering: Offering) -> list[Json]:
    fee_type, amount = _fee(offering)
    option = {
        "id": hsds_id("cost_option", offering.pk),
        "service_id": hsds_id("service", offering.pk),
        "option": zh_label(FeeType, fee_type),
        "currency": "CNY",
        "amount": float(amount) if amount is not None else None,
        "amount_description": offering.item.fee_unit or None,
    }
    return [clean(option)]


def _attributes(offering: Offering) -> list[Json]:
    service_id = hsds_id("service", offering.pk)
    attributes = []
    for taxonomy in TAXONOMIES:
        value = getattr(offering.item, taxonomy.field)
        attributes.append(
            {
                "id": hsds_id("attribute", f"service:{offering.pk}:{taxonomy.code}"),
                "link_id": service_id,
                "link_entity": "service",
                "taxonomy_term_id": taxonomy.term_id(value),
                "value": value,
                "taxonomy_term": hsds_taxonomy_term(taxonomy, value),
            }
        )
    return attributes


def _service_areas(offering: Offering) -> list[Json]:
    facility_type = offering.facility.facility_type
    if not facility_type.living_circle and not facility_type.service_radius_m:
        return []
    name = zh_label(LivingCircle, facility_type.living_circle) if facility_type.living_circle else facility_type.name
    radius = facility_type.service_radius_m
    area = {
        "id": hsds_id("service_area", offering.pk),
        "service_id": hsds_id("service", offering.pk),
        "name": name,
        "description": f"{offering.facility.name}周边 {radius} 米" if radius else None,
    }
    return [clean(area)]


def _service_at_location_fields(offering: Offering) -> Json:
    return {
        "id": hsds_id("service_at_location", offering.pk),
        "service_id": hsds_id("service", offering.pk),
        "location_id": hsds_id("location", offering.facility_id),
    }


def _offering_schedules(offering: Offering) -> list[Json]:
    if not offering.schedule:
        return []
    sal_id = hsds_id("service_at_location", offering.pk)
    schedule_id = hsds_id("schedule", f"offering:{offering.pk}")
    return [{"id": schedule_id, "service_at_location_id": sal_id, "description": offering.schedule}]


def _service_full(offering: Offering, names: Names) -> Json:
    return {
        **_service_fields(offering, names),
        "languages": [chinese_language("service", offering.pk, service_id=hsds_id("service", offering.pk))],
        "cost_options": _cost_options(offering),
        "attributes": _attributes(offering),
        "service_areas": _service_areas(offering),
    }


def hsds_service(offering: Offering, *, names: Names | None = None, full: bool = True) -> Json:
    """A service; `full` nests its languages, cost, taxonomy attributes, service area and its one
    service_at_location with the location."""
    if names is None:
        names = area_names([offering.facility.area_code])
    if not full:
        return _service_fields(offering, names)
    service_at_location = {
        **_service_at_location_fields(offering),
        "schedules": _offering_schedules(offering),
        "location": hsds_location(offering.facility, names=names),
    }
    return {**_service_full(offering, names), "service_at_locations": [service_at_location]}


def hsds_service_at_location(offering: Offering, *, names: Names | None = None, full: bool = True) -> Json:
    """The offering at its facility with the location and the service, fully nested or one-to-one fields."""
    if names is None:
        names = area_names([offering.facility.area_code])
    data = _service_at_location_fields(offering)
    if not full:
        return {
            **data,
            "location": hsds_location(offering.facility, full=False),
            "service": _service_fields(offering, names),
        }
    return {
        **data,
        "schedules": _offering_schedules(offering),
        "location": hsds_location(offering.facility, names=names),
        "service": _service_full(offering, names),
    }


def _offering_page(render: Callable[[Offering, Names], Json], *, page: int, per_page: int, **filters: Any) -> Json:
    qs = _offering_filter(**filters)
    total = qs.count()
    rows = list(qs[(page - 1) * per_page : page * per_page])
    names = area_names(offering.facility.area_code for offering in rows)
    return hsds_page(total, page, per_page, [render(offering, names) for offering in rows])


def service_page(
    *,
    search: str | None = None,
    taxonomy_term_id: str | None = None,
    taxonomy_id: str | None = None,
    organization_id: str | None = None,
    modified_after: datetime | None = None,
    full: bool = False,
    minimal: bool = False,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> Json:
    """A page of services; `minimal` gives only id and last_modified."""

    def render(offering: Offering, names: Names) -> Json:
        if minimal:
            return {"id": hsds_id("service", offering.pk), "last_modified": _last_modified(offering)}
        return hsds_service(offering, names=names, full=full)

    return _offering_page(
        render,
        page=page,
        per_page=per_page,
        search=search,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        modified_after=modified_after,
    )


def service_get(service_id: str) -> Json:
    return hsds_service(_offering_get("service", service_id))


def service_at_location_page(
    *,
    search: str | None = None,
    taxonomy_term_id: str | None = None,
    taxonomy_id: str | None = None,
    organization_id: str | None = None,
    modified_after: datetime | None = None,
    full: bool = False,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> Json:
    return _offering_page(
        lambda offering, names: hsds_service_at_location(offering, names=names, full=full),
        page=page,
        per_page=per_page,
        search=search,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        modified_after=modified_after,
    )


def service_at_location_get(object_id: str) -> Json:
    return hsds_service_at_location(_offering_get("service_at_location", object_id))
