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

Modules: `hsds_common` (ids, labels, area names, pages), `hsds_taxonomy`, `hsds_locations`, `hsds_organizations`
(an organization's own fields and lookups), `hsds_services` (services and service_at_locations, their filters and
pages); this module nests an organization's locations and services (it sits above both) and is the interface.

Ids are uuid5(NAMESPACE, "<kind>:<key>") with the linli primary key (a district's code for a government, a code
for taxonomies), so a record always has the same id. Looking an id up scans the published keys in one query.
Planned, approved, under-construction, suspended and closed facilities and inactive offerings are not published.
Lists render a page with a constant number of queries; `full` gives nested objects, else one-to-one fields only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Prefetch, Q, QuerySet

from linli.catalog.models import Offering
from linli.facilities.enums import ConstructionStatus
from linli.facilities.models import Facility, Operator
from linli.interop.hsds_common import (
    DEFAULT_PER_PAGE,
    HSDS_VERSION,
    MAX_FULL_PER_PAGE,
    MAX_PER_PAGE,
    Json,
    Names,
    Organization,
    all_contents,
    area_names,
    district_of,
    hsds_id,
    hsds_page,
    not_found,
    per_page_of,
    text_matches,
)
from linli.interop.hsds_locations import hsds_location
from linli.interop.hsds_organizations import (
    government_districts,
    organization_fields,
    organization_find,
    organization_identifiers,
    published_operators,
)
from linli.interop.hsds_services import (
    hsds_service,
    hsds_service_at_location,
    service_at_location_get,
    service_at_location_page,
    service_get,
    service_page,
)
from linli.interop.hsds_taxonomy import (
    TAXONOMIES,
    hsds_taxonomy,
    hsds_taxonomy_term,
    taxonomy_get,
    taxonomy_page,
    taxonomy_term_get,
    taxonomy_term_page,
)

# The directory's public interface (hsds_api and the tests use these); the mapping of each kind is in its module.
__all__ = [
    "DEFAULT_PER_PAGE",
    "HSDS_VERSION",
    "MAX_FULL_PER_PAGE",
    "MAX_PER_PAGE",
    "TAXONOMIES",
    "all_contents",
    "hsds_id",
    "hsds_location",
    "hsds_organization",
    "hsds_service",
    "hsds_service_at_location",
    "hsds_taxonomy",
    "hsds_taxonomy_term",
    "organization_get",
    "organization_page",
    "per_page_of",
    "service_at_location_get",
    "service_at_location_page",
    "service_get",
    "service_page",
    "taxonomy_get",
    "taxonomy_page",
    "taxonomy_term_get",
    "taxonomy_term_page",
]


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
        names = area_names(codes if isinstance(org, Operator) else [org, *codes])
    data = organization_fields(org, names)
    if facilities is None:
        return data
    return {
        **data,
        "organization_identifiers": organization_identifiers(org),
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
        grouped[facility.operator_id or district_of(facility)].append(facility)
    return grouped


def _render_organizations(orgs: Sequence[Organization], *, full: bool, full_service: bool) -> list[Json]:
    facilities = _facilities_by_organization(orgs) if full else {}
    codes = [org for org in orgs if isinstance(org, str)]
    codes += [f.area_code for group in facilities.values() for f in group]
    names = area_names(codes)
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
    operators = published_operators()
    if search:
        operators = operators.filter(Q(name__icontains=search) | Q(description__icontains=search))
    districts = government_districts()
    district_names = area_names(districts)
    districts = [code for code in districts if text_matches(search, f"{district_names.get(code, code)}人民政府")]
    operator_count = operators.count()
    start, end = (page - 1) * per_page, page * per_page
    orgs: list[Organization] = list(operators[start:end]) if start < operator_count else []
    orgs += districts[max(start - operator_count, 0) : max(end - operator_count, 0)]
    contents = _render_organizations(orgs, full=full, full_service=full_service)
    return hsds_page(operator_count + len(districts), page, per_page, contents)


def organization_get(org_id: str, *, full_service: bool = False) -> Json:
    org = organization_find(org_id)
    if org is None:
        raise not_found("organization", org_id)
    return _render_organizations([org], full=True, full_service=full_service)[0]
