"""HSDS 3.0 API (Open Referral): the directory of services, organizations and locations, read-only and public.

The endpoints and query parameters are those of the HSDS 3.0 openapi.json; the mapping is in `interop.hsds`.
Lists are pages (`page` from 1 to `MAX_PAGE`, `per_page` up to `hsds.MAX_PER_PAGE`, up to
`hsds.MAX_FULL_PER_PAGE` with `full=true`); `format=ndjson` streams every result. The directory is public and
the same for everybody, so a JSON page is kept `LINLI_PUBLIC_CACHE_SECONDS` in the cache: the same page
asked again (the usual shape of a flood) costs a cache read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from linli.core.errors import ApplicationError
from linli.core.pagination import MAX_PAGE
from linli.interop import hsds

router = Router(tags=["HSDS 3.0"], auth=None)


class PageParams(Schema):
    search: str | None = Field(None, description="Full text search.")
    page: int = Field(1, ge=1, le=MAX_PAGE, description=f"Page number of paginated result (1 to {MAX_PAGE}).")
    per_page: int | None = Field(
        None,
        ge=1,
        description=f"Results per page (default {hsds.DEFAULT_PER_PAGE}, at most {hsds.MAX_PER_PAGE}; "
        f"at most {hsds.MAX_FULL_PER_PAGE} with `full=true`).",
    )
    format: str = Field("json", description="`json` (default), or `ndjson` to stream all results without pages.")


class ServiceParams(PageParams):
    taxonomy_term_id: str | None = Field(None, description="Services with this taxonomy term.")
    taxonomy_id: str | None = Field(None, description="Services with any term of this taxonomy.")
    organization_id: str | None = Field(None, description="Services that this organization provides.")
    modified_after: datetime | None = Field(None, description="Results modified on or after this datetime.")
    full: bool = Field(False, description="Fully nested results instead of one-to-one fields.")


class ServiceListParams(ServiceParams):
    minimal: bool = Field(False, description="Only each service's id and last_modified.")


class ServiceAtLocationParams(ServiceParams):
    postcode: str | None = Field(None, description="Not supported: linli keeps no postal codes.")
    proximity: str | None = Field(None, description="Not supported: it needs a postcode.")


class OrganizationParams(PageParams):
    full: bool = Field(False, description="Fully nested organizations.")
    full_service: bool = Field(False, description="With `full`, fully nested services.")


class TaxonomyTermParams(PageParams):
    taxonomy_id: str | None = Field(None, description="Terms of this taxonomy.")
    top_only: bool = Field(False, description="Only terms without a parent (all linli terms are top-level).")
    parent_id: str | None = Field(None, description="Terms with this parent.")


def _listing(request: HttpRequest, params: PageParams, fetch: Callable[[int, int], dict[str, Any]]) -> Any:
    """One page (from the cache when the same page was asked within `LINLI_PUBLIC_CACHE_SECONDS`), or with
    `format=ndjson` every result as one JSON line (`fetch(page, per_page)` gives a page)."""
    full = bool(getattr(params, "full", False))
    if params.format == "ndjson":
        lines = (
            json.dumps(item, ensure_ascii=False) + "\n"
            for item in hsds.all_contents(lambda page: fetch(page, hsds.per_page_of(hsds.MAX_PER_PAGE, full=full)))
        )
        return StreamingHttpResponse(lines, content_type="application/x-ndjson")
    if params.format != "json":
        raise ApplicationError("bad_format", "format must be json or ndjson.", {"format": params.format})
    seconds = getattr(settings, "LINLI_PUBLIC_CACHE_SECONDS", 0)
    if not seconds:
        return fetch(params.page, hsds.per_page_of(params.per_page, full=full))
    key = "hsds:" + hashlib.sha256(f"{request.path}?{params.model_dump_json()}".encode()).hexdigest()
    result = cache.get(key)
    if result is None:
        result = fetch(params.page, hsds.per_page_of(params.per_page, full=full))
        cache.set(key, result, seconds)
    return result


@router.get("/", summary="Information about this API and its relationship with HSDS")
def api_info(request: HttpRequest) -> dict[str, Any]:
    return {"version": hsds.HSDS_VERSION, "openapi_url": request.build_absolute_uri(reverse("api:openapi-json"))}


@router.get("/services", summary="Paginated services (one-to-one fields, or fully nested with full=true)")
def service_list(request: HttpRequest, params: Query[ServiceListParams]) -> Any:
    filters = params.dict(exclude={"page", "per_page", "format"})
    return _listing(request, params, lambda page, per_page: hsds.service_page(page=page, per_page=per_page, **filters))


@router.get("/services/{id}", summary="A fully nested service")
def service_detail(request: HttpRequest, id: str) -> dict[str, Any]:
    return hsds.service_get(id)


@router.get("/organizations", summary="Paginated organizations")
def organization_list(request: HttpRequest, params: Query[OrganizationParams]) -> Any:
    filters = params.dict(exclude={"page", "per_page", "format"})
    return _listing(
        request, params, lambda page, per_page: hsds.organization_page(page=page, per_page=per_page, **filters)
    )


@router.get("/organizations/{id}", summary="A fully nested organization with its services")
def organization_detail(request: HttpRequest, id: str, full_service: bool = False) -> dict[str, Any]:
    return hsds.organization_get(id, full_service=full_service)


@router.get("/service_at_locations", summary="Paginated services at locations")
def service_at_location_list(request: HttpRequest, params: Query[ServiceAtLocationParams]) -> Any:
    if params.postcode or params.proximity:
        raise ApplicationError(
            "not_supported", "postcode and proximity are not supported: linli keeps no postal codes.", {}
        )
    filters = params.dict(exclude={"page", "per_page", "format", "postcode", "proximity"})
    return _listing(
        request, params, lambda page, per_page: hsds.service_at_location_page(page=page, per_page=per_page, **filters)
    )


@router.get("/service_at_locations/{id}", summary="A fully nested service at a location")
def service_at_location_detail(request: HttpRequest, id: str) -> dict[str, Any]:
    return hsds.service_at_location_get(id)


@router.get("/taxonomies", summary="Paginated taxonomies")
def taxonomy_list(request: HttpRequest, params: Query[PageParams]) -> Any:
    return _listing(
        request, params, lambda page, per_page: hsds.taxonomy_page(search=params.search, page=page, per_page=per_page)
    )


@router.get("/taxonomies/{id}", summary="A taxonomy")
def taxonomy_detail(request: HttpRequest, id: str) -> dict[str, Any]:
    return hsds.taxonomy_get(id)


@router.get("/taxonomy_terms", summary="Paginated taxonomy terms")
def taxonomy_term_list(request: HttpRequest, params: Query[TaxonomyTermParams]) -> Any:
    filters = params.dict(include={"search", "taxonomy_id", "parent_id"})
    return _listing(
        request, params, lambda page, per_page: hsds.taxonomy_term_page(page=page, per_page=per_page, **filters)
    )


@router.get("/taxonomy_terms/{id}", summary="A taxonomy term")
def taxonomy_term_detail(request: HttpRequest, id: str) -> dict[str, Any]:
    return hsds.taxonomy_term_get(id)
