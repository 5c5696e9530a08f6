"""linli's public directory as HSDS 3.0 (Open Referral Human Services Data Specification).

Mapping
- organization ← `facilities.Operator` that runs at least one built facility; plus one organization per district
  government ("<区>人民政府") that stands for the built facilities without an operator. The unified social credit
  code is an `organization_identifier` (scheme "CN-USCC"). An operator's contact person and phone are a person's
  data and are never published; linli keeps no public phone for an operator, so organizations carry no phones.
- location ← built `facilities.Facility`: physical, WGS-84 latitude/longitude, the facility code as external
  identifier, one address (province, city and district named from the 12-digit area code; linli keeps no postal
  codes, so `postal_code` is "", which HSDS requires), accessibility features, the facility's own phone, and the
  opening hours: `OpeningRule`s with the same hours make one weekly schedule (byday "MO,WE", opens_at/closes_at
  with the UTC offset of the server's time zone). Dated opening exceptions are not published.
- service ← an active `catalog.Offering` at a built facility (an item offered at a facility by the facility's
  operator): the item's name, its content standard as description, status "active", the fee as text and as one
  `cost_option` in CNY, the age range and target groups as eligibility, language zh, the facility type's living
  circle as service area, and as `attributes` the terms of two linli taxonomies: the six service domains and the
  service class (basic / inclusive / commercial).
- service_at_location ← the same offering at its facility (each service has exactly one); the offering's schedule
  text is its schedule description.

Ids are uuid5(NAMESPACE, "<kind>:<key>") with the linli primary key (a district's code for a government, a code
for taxonomies), so a record always has the same id. Looking an id up scans the published keys in one query.
Planned, approved, under-construction, suspended and closed facilities and inactive offerings are not published.
Lists render a page with a constant number of queries; `full` gives nested objects, else one-to-one fields only.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from linli.areas.codes import SEGMENTS
from linli.areas.models import Area
from linli.catalog.enums import Domain, FeeType, ServiceClass, TargetGroup
from linli.catalog.models import Offering
from linli.core.errors import ApplicationError
from linli.facilities.enums import Accessibility, ConstructionStatus, LivingCircle, OperatorKind
from linli.facilities.models import Facility, Operator

NAMESPACE = uuid.UUID("0ca78e29-dabc-4cfa-a090-bd5c461f4dee")
HSDS_VERSION = "3.0"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
CREDIT_CODE_SCHEME = "CN-USCC"

Json = dict[str, Any]
Names = Mapping[str, str]
Organization = Operator | str
"""An operator, or the 12-digit code of a district whose government runs facilities without an operator."""


def hsds_id(kind: str, key: object) -> str:
    """The stable HSDS id of the linli record `key` of `kind`."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def _normal_id(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _zh(label: object) -> str:
    """The Chinese name of a label written "english (中文)"."""
    text = str(label)
    match = re.search(r"\(([^()]+)\)\s*$", text)
    return match.group(1) if match else text


def _label(choices: type[models.TextChoices], value: str) -> str:
    return _zh(dict(choices.choices).get(value, value))


def _clean(data: Json) -> Json:
    """Drop optional fields that have no value (HSDS has no nulls)."""
    return {key: value for key, value in data.items() if value is not None}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _chinese(kind: str, key: object, **link: str) -> Json:
    return {"id": hsds_id("language", f"{kind}:{key}:zh"), **link, "name": "中文", "code": "zh"}


# Taxonomies


@dataclass(frozen=True)
class Taxonomy:
    """A linli classification of service items, published as an HSDS taxonomy."""

    code: str
    name: str
    description: str
    choices: type[models.TextChoices]
    field: str

    @property
    def id(self) -> str:
        return hsds_id("taxonomy", self.code)

    def term_id(self, value: str) -> str:
        return hsds_id("taxonomy_term", f"{self.code}:{value}")


TAXONOMIES = (
    Taxonomy(
        code="linli-domain",
        name="六大服务领域",
        description="The six service domains of linli (文化、体育、养老、卫健、教育、政务).",
        choices=Domain,
        field="domain",
    ),
    Taxonomy(
        code="linli-service-class",
        name="服务类别",
        description="Basic public, inclusive or commercial service (基本公共服务、普惠性服务、商业化服务).",
        choices=ServiceClass,
        field="service_class",
    ),
)


def hsds_taxonomy(taxonomy: Taxonomy) -> Json:
    return {"id": taxonomy.id, "name": taxonomy.name, "description": taxonomy.description, "version": "1"}


def hsds_taxonomy_term(taxonomy: Taxonomy, value: str) -> Json:
    return {
        "id": taxonomy.term_id(value),
        "code": value,
        "name": _label(taxonomy.choices, value),
        "description": str(dict(taxonomy.choices.choices).get(value, value)),
        "taxonomy": taxonomy.code,
        "taxonomy_id": taxonomy.id,
        "language": "zh",
        "taxonomy_detail": hsds_taxonomy(taxonomy),
    }


def _terms() -> list[tuple[Taxonomy, str]]:
    return [(taxonomy, value) for taxonomy in TAXONOMIES for value in taxonomy.choices.values]


def taxonomy_page(*, search: str | None = None, page: int = 1, per_page: int = DEFAULT_PER_PAGE) -> Json:
    rows = [hsds_taxonomy(t) for t in TAXONOMIES]
    return _list_page([r for r in rows if _matches(search, r["name"], r["description"])], page, per_page)


def taxonomy_get(taxonomy_id: str) -> Json:
    for taxonomy in TAXONOMIES:
        if taxonomy.id == _normal_id(taxonomy_id):
            return hsds_taxonomy(taxonomy)
    raise _not_found("taxonomy", taxonomy_id)


def taxonomy_term_page(
    *,
    search: str | None = None,
    taxonomy_id: str | None = None,
    parent_id: str | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> Json:
    """All linli terms are top-level: `top_only` changes nothing, a `parent_id` matches none."""
    rows = [
        hsds_taxonomy_term(taxonomy, value)
        for taxonomy, value in _terms()
        if (taxonomy_id is None or taxonomy.id == _normal_id(taxonomy_id)) and parent_id is None
    ]
    return _list_page([r for r in rows if _matches(search, r["code"], r["name"], r["description"])], page, per_page)


def taxonomy_term_get(term_id: str) -> Json:
    for taxonomy, value in _terms():
        if taxonomy.term_id(value) == _normal_id(term_id):
            return hsds_taxonomy_term(taxonomy, value)
    raise _not_found("taxonomy_term", term_id)


def _matches(search: str | None, *texts: str) -> bool:
    return not search or any(search.lower() in text.lower() for text in texts)


# Published records and their lookups


def _published_offerings() -> QuerySet[Offering]:
    return Offering.objects.filter(active=True, facility__status=ConstructionStatus.BUILT)


def _offerings() -> QuerySet[Offering]:
    return (
        _published_offerings()
        .select_related("item", "facility__operator", "facility__facility_type")
        .prefetch_related("facility__opening_rules")
        .order_by("facility__area_code", "facility__code", "item__domain", "item__code", "pk")
    )


def _facilities() -> QuerySet[Facility]:
    """Built facilities with their opening rules and (only) their active offerings."""
    return (
        Facility.objects.filter(status=ConstructionStatus.BUILT)
        .select_related("operator", "facility_type")
        .prefetch_related(
            "opening_rules",
            Prefetch("offerings", queryset=Offering.objects.filter(active=True).select_related("item").order_by("pk")),
        )
    )


def _operators() -> QuerySet[Operator]:
    built = Facility.objects.filter(operator=OuterRef("pk"), status=ConstructionStatus.BUILT)
    return Operator.objects.filter(Exists(built)).order_by("name", "pk")


def _government_districts() -> list[str]:
    """Codes of the districts with built facilities that have no operator."""
    prefixes = (
        Facility.objects.filter(status=ConstructionStatus.BUILT, operator__isnull=True)
        .annotate(district=Substr("area_code", 1, 6))
        .order_by("district")
        .values_list("district", flat=True)
        .distinct()
    )
    return [prefix + "000000" for prefix in prefixes]


def _ancestor_codes(code: str) -> list[str]:
    """The code of every area above `code`, and `code` itself."""
    return [code[:end].ljust(12, "0") for _level, start, end in SEGMENTS if code[start:end].strip("0")]


def _area_names(codes: Iterable[str]) -> dict[str, str]:
    wanted = {ancestor for code in codes for ancestor in _ancestor_codes(code)}
    return dict(Area.objects.filter(code__in=wanted).values_list("code", "name"))


def _find(kind: str, wanted: str, keys: Iterable[Any]) -> Any:
    """The key whose HSDS id of `kind` is `wanted`, or None."""
    normal = _normal_id(wanted)
    if normal is None:
        return None
    return next((key for key in keys if hsds_id(kind, key) == normal), None)


def _not_found(kind: str, value: str) -> ApplicationError:
    return ApplicationError("not_found", f"No {kind} with id {value} in the directory.", {"id": value}, status=404)


def _organization_find(org_id: str) -> Organization | None:
    pk = _find("organization", org_id, _operators().values_list("pk", flat=True))
    if pk is not None:
        return Operator.objects.get(pk=pk)
    code: str | None = _find("government", org_id, _government_districts())
    return code


def _organization_q(org_id: str) -> Q:
    """The offerings of the organization with this id (none when there is no such organization)."""
    org = _organization_find(org_id)
    if isinstance(org, Operator):
        return Q(facility__operator=org)
    if org is not None:
        return Q(facility__operator__isnull=True, facility__area_code__startswith=org[:6])
    return Q(pk__in=[])


def _term_q(term_id: str) -> Q:
    for taxonomy, value in _terms():
        if taxonomy.term_id(value) == _normal_id(term_id):
            return Q(**{f"item__{taxonomy.field}": value})
    return Q(pk__in=[])


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
        qs = qs.filter(_term_q(taxonomy_term_id))
    if taxonomy_id and _normal_id(taxonomy_id) not in {t.id for t in TAXONOMIES}:
        qs = qs.none()  # every service has a term of each linli taxonomy
    if organization_id:
        qs = qs.filter(_organization_q(organization_id))
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
    pk = _find(kind, object_id, _published_offerings().values_list("pk", flat=True))
    if pk is None:
        raise _not_found(kind, object_id)
    return _offerings().get(pk=pk)


# Organizations


def _district_of(facility: Facility) -> str:
    return facility.area_code[:6] + "000000"


def _organization_id(facility: Facility) -> str:
    if facility.operator_id:
        return hsds_id("organization", facility.operator_id)
    return hsds_id("government", _district_of(facility))


def _organization_fields(org: Organization, names: Names) -> Json:
    if isinstance(org, Operator):
        kind = _label(OperatorKind, org.kind)
        return _clean(
            {
                "id": hsds_id("organization", org.pk),
                "name": org.name,
                "description": org.description or kind,
                "website": org.website or None,
                "legal_status": kind,
            }
        )
    district = names.get(org, org)
    return {
        "id": hsds_id("government", org),
        "name": f"{district}人民政府",
        "description": f"{district}人民政府直接运营的公共服务设施。",
        "legal_status": _label(OperatorKind, OperatorKind.GOVERNMENT),
    }


def _identifiers(org: Organization) -> list[Json]:
    if not isinstance(org, Operator) or not org.credit_code:
        return []
    org_id = hsds_id("organization", org.pk)
    return [
        {
            "id": hsds_id("organization_identifier", f"{org.pk}:{CREDIT_CODE_SCHEME}"),
            "organization_id": org_id,
            "identifier_scheme": CREDIT_CODE_SCHEME,
            "identifier_type": "统一社会信用代码 (Unified Social Credit Code, GB 32100-2015)",
            "identifier": org.credit_code,
        }
    ]


def hsds_organization(
    org: Organization,
    *,
    names: Names | None = None,
    facilities: Sequence[Facility] | None = None,
    full_service: bool = False,
) -> Json:
    """An organization; with its built `facilities` (from `_facilities()`) fully nested: identifiers, locations
    and services (one-to-one fields, or fully nested with `full_service`)."""
    if names is None:
        codes = [facility.area_code for facility in facilities or []]
        names = _area_names(codes if isinstance(org, Operator) else [org, *codes])
    data = _organization_fields(org, names)
    if facilities is None:
        return data
    return {
        **data,
        "organization_identifiers": _identifiers(org),
        "locations": [hsds_location(facility, names=names) for facility in facilities],
        "services": [
            hsds_service(offering, names=names, full=full_service)
            for facility in facilities
            for offering in facility.offerings.all()
        ],
    }


def _facilities_by_organization(orgs: Sequence[Organization]) -> dict[int | str, list[Facility]]:
    q = Q(operator_id__in=[org.pk for org in orgs if isinstance(org, Operator)])
    for org in orgs:
        if isinstance(org, str):
            q |= Q(operator__isnull=True, area_code__startswith=org[:6])
    grouped: dict[int | str, list[Facility]] = defaultdict(list)
    for facility in _facilities().filter(q):
        grouped[facility.operator_id or _district_of(facility)].append(facility)
    return grouped


def _render_organizations(orgs: Sequence[Organization], *, full: bool, full_service: bool) -> list[Json]:
    facilities = _facilities_by_organization(orgs) if full else {}
    codes = [org for org in orgs if isinstance(org, str)]
    codes += [f.area_code for group in facilities.values() for f in group]
    names = _area_names(codes)
    return [
        hsds_organization(
            org,
            names=names,
            facilities=facilities.get(org.pk if isinstance(org, Operator) else org, []) if full else None,
            full_service=full_service,
        )
        for org in orgs
    ]


def organization_page(
    *,
    search: str | None = None,
    full: bool = False,
    full_service: bool = False,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> Json:
    """Operators by name, then district governments by code."""
    operators = _operators()
    if search:
        operators = operators.filter(Q(name__icontains=search) | Q(description__icontains=search))
    districts = _government_districts()
    district_names = _area_names(districts)
    districts = [code for code in districts if _matches(search, f"{district_names.get(code, code)}人民政府")]
    operator_count = operators.count()
    start, end = (page - 1) * per_page, page * per_page
    orgs: list[Organization] = list(operators[start:end]) if start < operator_count else []
    orgs += districts[max(start - operator_count, 0) : max(end - operator_count, 0)]
    contents = _render_organizations(orgs, full=full, full_service=full_service)
    return _page(operator_count + len(districts), page, per_page, contents)


def organization_get(org_id: str, *, full_service: bool = False) -> Json:
    org = _organization_find(org_id)
    if org is None:
        raise _not_found("organization", org_id)
    return _render_organizations([org], full=True, full_service=full_service)[0]


# Locations


def _time(value: time) -> str:
    offset = timezone.localtime().strftime("%z")
    return f"{value:%H:%M}{offset[:3]}:{offset[3:]}"


def _opening_schedules(facility: Facility) -> list[Json]:
    location_id = hsds_id("location", facility.pk)
    days: dict[tuple[time, time], list[int]] = defaultdict(list)
    for rule in facility.opening_rules.all():
        days[(rule.opens, rule.closes)].append(rule.weekday)
    utc_offset = timezone.localtime().utcoffset()
    hours = utc_offset.total_seconds() / 3600 if utc_offset else 0.0
    zone = int(hours) if hours.is_integer() else hours
    notes = "法定节假日闭馆" if facility.closed_on_public_holidays else None
    return [
        _clean(
            {
                "id": hsds_id("schedule", f"{facility.pk}:{opens:%H:%M}-{closes:%H:%M}"),
                "location_id": location_id,
                "freq": "WEEKLY",
                "wkst": "MO",
                "byday": ",".join(WEEKDAYS[day] for day in sorted(set(weekdays))),
                "opens_at": _time(opens),
                "closes_at": _time(closes),
                "timezone": zone,
                "description": "、".join(WEEKDAY_NAMES[day] for day in sorted(set(weekdays)))
                + f" {opens:%H:%M}-{closes:%H:%M}",
                "notes": notes,
            }
        )
        for (opens, closes), weekdays in days.items()
    ]


def _address(facility: Facility, names: Names) -> Json:
    code = facility.area_code
    starts = {end: start for _level, start, end in SEGMENTS}

    def name_at(end: int) -> str:
        return names.get(code[:end].ljust(12, "0"), "") if code[starts[end] : end].strip("0") else ""

    return _clean(
        {
            "id": hsds_id("address", facility.pk),
            "location_id": hsds_id("location", facility.pk),
            "address_1": facility.address or facility.name,
            "address_2": (name_at(9) + name_at(12)) or None,
            "city": name_at(4),
            "region": name_at(6),
            "state_province": name_at(2),
            "postal_code": "",
            "country": "CN",
            "address_type": "physical",
        }
    )


def _location_fields(facility: Facility) -> Json:
    return {
        "id": hsds_id("location", facility.pk),
        "location_type": "physical",
        "organization_id": _organization_id(facility),
        "name": facility.name,
        "description": facility.description or facility.facility_type.name,
        "latitude": facility.lat,
        "longitude": facility.lon,
        "external_identifier": facility.code,
        "external_identifier_type": "linli facility code (设施编码)",
    }


def hsds_location(facility: Facility, *, names: Names | None = None, full: bool = True) -> Json:
    """A physical location; `full` adds address, languages, accessibility, phone and opening hours."""
    data = _location_fields(facility)
    if not full:
        return data
    if names is None:
        names = _area_names([facility.area_code])
    location_id = data["id"]
    phone = {"id": hsds_id("phone", f"location:{facility.pk}"), "location_id": location_id, "type": "voice"}
    return {
        **data,
        "languages": [_chinese("location", facility.pk, location_id=location_id)],
        "addresses": [_address(facility, names)],
        "accessibility": [
            {
                "id": hsds_id("accessibility", f"{facility.pk}:{feature}"),
                "location_id": location_id,
                "description": _label(Accessibility, feature),
                "details": str(dict(Accessibility.choices).get(feature, feature)),
            }
            for feature in facility.accessibility
        ],
        "phones": [{**phone, "number": facility.phone}] if facility.phone else [],
        "schedules": _opening_schedules(facility),
    }


# Services


def _fee(offering: Offering) -> tuple[str, Decimal | None]:
    fee_type = offering.fee_type or offering.item.fee_type
    if fee_type == FeeType.FREE:
        return fee_type, Decimal(0)
    return fee_type, offering.fee_amount if offering.fee_amount is not None else offering.item.fee_amount


def _fees_description(offering: Offering) -> str:
    fee_type, amount = _fee(offering)
    parts = [_label(FeeType, fee_type)]
    if fee_type != FeeType.FREE and amount is not None:
        parts += [f"{amount} 元", offering.item.fee_unit]
    return " ".join(part for part in parts if part)


def _eligibility(offering: Offering) -> str | None:
    groups = "、".join(_label(TargetGroup, group) for group in offering.item.target_groups)
    return f"面向{groups}" if groups else None


def _last_modified(offering: Offering) -> str:
    stamps = [offering.updated_at, offering.item.updated_at, offering.facility.updated_at]
    if offering.facility.operator:
        stamps.append(offering.facility.operator.updated_at)
    return _iso(max(stamps))


def _service_fields(offering: Offering, names: Names) -> Json:
    item, facility = offering.item, offering.facility
    org: Organization = facility.operator or _district_of(facility)
    return _clean(
        {
            "id": hsds_id("service", offering.pk),
            "organization_id": _organization_id(facility),
            "name": item.name,
            "description": item.content or None,
            "status": "active",
            "fees_description": _fees_description(offering),
            "eligibility_description": _eligibility(offering),
            "minimum_age": item.min_age,
            "maximum_age": item.max_age,
            "last_modified": _last_modified(offering),
            "organization": _organization_fields(org, names),
        }
    )


def _cost_options(offering: Offering) -> list[Json]:
    fee_type, amount = _fee(offering)
    option = {
        "id": hsds_id("cost_option", offering.pk),
        "service_id": hsds_id("service", offering.pk),
        "option": _label(FeeType, fee_type),
        "currency": "CNY",
        "amount": float(amount) if amount is not None else None,
        "amount_description": offering.item.fee_unit or None,
    }
    return [_clean(option)]


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
    name = _label(LivingCircle, facility_type.living_circle) if facility_type.living_circle else facility_type.name
    radius = facility_type.service_radius_m
    area = {
        "id": hsds_id("service_area", offering.pk),
        "service_id": hsds_id("service", offering.pk),
        "name": name,
        "description": f"{offering.facility.name}周边 {radius} 米" if radius else None,
    }
    return [_clean(area)]


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
        "languages": [_chinese("service", offering.pk, service_id=hsds_id("service", offering.pk))],
        "cost_options": _cost_options(offering),
        "attributes": _attributes(offering),
        "service_areas": _service_areas(offering),
    }


def hsds_service(offering: Offering, *, names: Names | None = None, full: bool = True) -> Json:
    """A service; `full` nests its languages, cost, taxonomy attributes, service area and its one
    service_at_location with the location."""
    if names is None:
        names = _area_names([offering.facility.area_code])
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
        names = _area_names([offering.facility.area_code])
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
    names = _area_names(offering.facility.area_code for offering in rows)
    return _page(total, page, per_page, [render(offering, names) for offering in rows])


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


# Pages


def per_page_of(requested: int | None) -> int:
    """The page size: the default when not given, at most MAX_PER_PAGE."""
    return min(requested or DEFAULT_PER_PAGE, MAX_PER_PAGE)


def _page(total: int, page: int, per_page: int, contents: list[Json]) -> Json:
    """The HSDS Page wrapper; `size` is the number of results on this page."""
    total_pages = math.ceil(total / per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def _list_page(rows: list[Json], page: int, per_page: int) -> Json:
    return _page(len(rows), page, per_page, rows[(page - 1) * per_page : page * per_page])


def all_contents(fetch: Callable[[int], Json]) -> Iterator[Json]:
    """Every result of a paged listing, page after page (`fetch(page_number)` returns one page)."""
    page = 1
    while True:
        result = fetch(page)
        yield from result["contents"]
        if result["last_page"]:
            return
        page += 1
