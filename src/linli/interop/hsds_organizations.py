"""HSDS organizations: an operator that runs a built facility, or the government of a district for the
built facilities without an operator; their one-to-one fields, identifiers and lookups by id."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr

from linli.facilities.enums import ConstructionStatus, OperatorKind
from linli.facilities.models import Facility, Operator
from linli.interop.hsds_common import (
    CREDIT_CODE_SCHEME,
    Json,
    Names,
    Organization,
    clean,
    find_key,
    hsds_id,
    zh_label,
)


def published_operators() -> QuerySet[Operator]:
    built = Facility.objects.filter(operator=OuterRef("pk"), status=ConstructionStatus.BUILT)
    return Operator.objects.filter(Exists(built)).order_by("name", "pk")


def government_districts() -> list[str]:
    """Codes of the districts with built facilities that have no operator."""
    prefixes = (
        Facility.objects.filter(status=ConstructionStatus.BUILT, operator__isnull=True)
        .annotate(district=Substr("area_code", 1, 6))
        .order_by("district")
        .values_list("district", flat=True)
        .distinct()
    )
    return [prefix + "000000" for prefix in prefixes]


def organization_find(org_id: str) -> Organization | None:
    pk = find_key("organization", org_id, published_operators().values_list("pk", flat=True))
    if pk is not None:
        return Operator.objects.get(pk=pk)
    code: str | None = find_key("government", org_id, government_districts())
    return code


def organization_q(org_id: str) -> Q:
    """The offerings of the organization with this id (none when there is no such organization)."""
    org = organization_find(org_id)
    if isinstance(org, Operator):
        return Q(facility__operator=org)
    if org is not None:
        return Q(facility__operator__isnull=True, facility__area_code__startswith=org[:6])
    return Q(pk__in=[])


def organization_fields(org: Organization, names: Names) -> Json:
    if isinstance(org, Operator):
        kind = zh_label(OperatorKind, org.kind)
        return clean(
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
        "legal_status": zh_label(OperatorKind, OperatorKind.GOVERNMENT),
    }


def organization_identifiers(org: Organization) -> list[Json]:
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
