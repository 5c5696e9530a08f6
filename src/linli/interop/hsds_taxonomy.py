"""HSDS taxonomies: linli's two classifications of service items (the six domains, the service class) as
HSDS taxonomies and taxonomy terms, and their listings."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from linli.catalog.enums import Domain, ServiceClass
from linli.interop.hsds_common import (
    DEFAULT_PER_PAGE,
    Json,
    hsds_id,
    list_page,
    normal_id,
    not_found,
    text_matches,
    zh_label,
)


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
        "name": zh_label(taxonomy.choices, value),
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
    return list_page([r for r in rows if text_matches(search, r["name"], r["description"])], page, per_page)


def taxonomy_get(taxonomy_id: str) -> Json:
    for taxonomy in TAXONOMIES:
        if taxonomy.id == normal_id(taxonomy_id):
            return hsds_taxonomy(taxonomy)
    raise not_found("taxonomy", taxonomy_id)


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
        if (taxonomy_id is None or taxonomy.id == normal_id(taxonomy_id)) and parent_id is None
    ]
    return list_page([r for r in rows if text_matches(search, r["code"], r["name"], r["description"])], page, per_page)


def taxonomy_term_get(term_id: str) -> Json:
    for taxonomy, value in _terms():
        if taxonomy.term_id(value) == normal_id(term_id):
            return hsds_taxonomy_term(taxonomy, value)
    raise not_found("taxonomy_term", term_id)


def term_q(term_id: str) -> Q:
    for taxonomy, value in _terms():
        if taxonomy.term_id(value) == normal_id(term_id):
            return Q(**{f"item__{taxonomy.field}": value})
    return Q(pk__in=[])
