"""Shared pieces of the HSDS 3.0 mapping (see `linli.interop.hsds`): stable ids, labels, the area names of
addresses, lookups by id and the HSDS Page wrapper."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from django.db import models

from linli.areas.codes import SEGMENTS
from linli.areas.models import Area
from linli.core.errors import ApplicationError
from linli.facilities.models import Facility, Operator

NAMESPACE = uuid.UUID("0ca78e29-dabc-4cfa-a090-bd5c461f4dee")
HSDS_VERSION = "3.0"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_FULL_PER_PAGE = 20
CREDIT_CODE_SCHEME = "CN-USCC"
Json = dict[str, Any]
Names = Mapping[str, str]
Organization = Operator | str
"""An operator, or the 12-digit code of a district whose government runs facilities without an operator."""


def hsds_id(kind: str, key: object) -> str:
    """The stable HSDS id of the linli record `key` of `kind`."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def normal_id(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _zh(label: object) -> str:
    """The Chinese name of a label written "english (中文)"."""
    text = str(label)
    match = re.search(r"\(([^()]+)\)\s*$", text)
    return match.group(1) if match else text


def zh_label(choices: type[models.TextChoices], value: str) -> str:
    return _zh(dict(choices.choices).get(value, value))


def clean(data: Json) -> Json:
    """Drop optional fields that have no value (HSDS has no nulls)."""
    return {key: value for key, value in data.items() if value is not None}


def iso_moment(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def chinese_language(kind: str, key: object, **link: str) -> Json:
    return {"id": hsds_id("language", f"{kind}:{key}:zh"), **link, "name": "中文", "code": "zh"}


def text_matches(search: str | None, *texts: str) -> bool:
    return not search or any(search.lower() in text.lower() for text in texts)


def _ancestor_codes(code: str) -> list[str]:
    """The code of every area above `code`, and `code` itself."""
    return [code[:end].ljust(12, "0") for _level, start, end in SEGMENTS if code[start:end].strip("0")]


def area_names(codes: Iterable[str]) -> dict[str, str]:
    wanted = {ancestor for code in codes for ancestor in _ancestor_codes(code)}
    return dict(Area.objects.filter(code__in=wanted).values_list("code", "name"))


def find_key(kind: str, wanted: str, keys: Iterable[Any]) -> Any:
    """The key whose HSDS id of `kind` is `wanted`, or None."""
    normal = normal_id(wanted)
    if normal is None:
        return None
    return next((key for key in keys if hsds_id(kind, key) == normal), None)


def not_found(kind: str, value: str) -> ApplicationError:
    return ApplicationError("not_found", f"No {kind} with id {value} in the directory.", {"id": value}, status=404)


def district_of(facility: Facility) -> str:
    return facility.area_code[:6] + "000000"


def facility_organization_id(facility: Facility) -> str:
    if facility.operator_id:
        return hsds_id("organization", facility.operator_id)
    return hsds_id("government", district_of(facility))


def per_page_of(requested: int | None, *, full: bool = False) -> int:
    """The page size: the default when not given, at most MAX_PER_PAGE (MAX_FULL_PER_PAGE for fully nested
    results, which weigh ~50 KB each: 200 of them made one anonymous request answer 10 MB)."""
    return min(requested or DEFAULT_PER_PAGE, MAX_FULL_PER_PAGE if full else MAX_PER_PAGE)


def hsds_page(total: int, page: int, per_page: int, contents: list[Json]) -> Json:
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


def list_page(rows: list[Json], page: int, per_page: int) -> Json:
    return hsds_page(len(rows), page, per_page, rows[(page - 1) * per_page : page * per_page])


def all_contents(fetch: Callable[[int], Json]) -> Iterator[Json]:
    """Every result of a paged listing, page after page (`fetch(page_number)` returns one page)."""
    page = 1
    while True:
        result = fetch(page)
        yield from result["contents"]
        if result["last_page"]:
            return
        page += 1
