"""The one base of the typed inputs of every app: what a page's form, an API body or a row of an imported
file carries, as a django-ninja Schema (so the OpenAPI documents every request body).

One validation path. Each app's input (`bookings.inputs.ActivityIn`, `facilities.inputs.FacilityIn` …)
derives from `Input`, which does, once for all of them:
- blank text given for a field that may be empty means "not given" (None);
- a value the field's type cannot take (`"capacity": "many"`, a list where text belongs) is refused like
  any bad input the services refuse: `ApplicationError` "invalid" (HTTP 400, not ninja's 422) with the
  input's `refusal` as the message and one problem per field, in the user's language (`field_errors`);
- `parse(form)` builds the input from a page's form fields (refused as above);
- `parse_row(raw, row, errors)` builds it from a file's row, adding its problems, with the row number, to
  the import's `RowErrors` so every bad row of a file is reported at once.
How loose the types are is the app's choice: bookings types its fields strictly (the parse refuses a wrong
type), the registry takes the values people and files really give (`int | str` …) and leaves every check
to its services. Either way the rules themselves live in the services, never here.

The bounds of every input, in one place (issue 12, M6), so that no value reaches the database that it
cannot hold or that would mislead a reader:
- `Body`, the base of every API request body and of `Input`: unknown fields refused (a misspelt field is
  not silently dropped); a yes/no where a number belongs refused (`capacity: true` was stored as 1);
  integers within the 32-bit column range (`INT_MIN`..`INT_MAX`, the range of the integer columns; a field
  with its own `le`/`ge` keeps those); dates and times between `FIRST_DAY` and `LAST_DAY` (a session on
  9999-12-31 or opening hours from 0001-01-01 are typing errors); text without `bad_text`.
- `bad_text`: a NUL byte (PostgreSQL refuses it: a 500), another control character, or a bidirectional
  control (U+202A-202E, U+2066-2069, U+200E/200F, U+061C), which makes text read differently from what it
  is. Checked in every request body by the API's parser (`raw_problems`), in every path and query string
  by `core.middleware.CleanInputMiddleware`, and in every `Body` field.
- lists: `core.pagination` bounds `limit`, `offset` and page numbers.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from types import NoneType, UnionType
from typing import Annotated, Any, ClassVar, Self, Union, get_args, get_origin

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Schema
from pydantic import ConfigDict, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from linli.core.errors import ApplicationError, RowErrors

# Pydantic's error types in the project's words; any other type is "not a valid value".
MESSAGES = {
    "missing": gettext_noop("required"),
    "int_parsing": gettext_noop("not a number"),
    "int_type": gettext_noop("not a number"),
    "int_from_float": gettext_noop("must be a whole number of at least 0"),
    "greater_than_equal": gettext_noop("must be a whole number of at least 0"),
    "date_parsing": gettext_noop("not a date (YYYY-MM-DD)"),
    "date_type": gettext_noop("not a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": gettext_noop("not a date (YYYY-MM-DD)"),
    "date_from_datetime_inexact": gettext_noop("not a date (YYYY-MM-DD)"),
    "time_parsing": gettext_noop("not a time (HH:MM)"),
    "time_type": gettext_noop("not a time (HH:MM)"),
    "datetime_parsing": gettext_noop("not a date and time (YYYY-MM-DDTHH:MM)"),
    "datetime_type": gettext_noop("not a date and time (YYYY-MM-DDTHH:MM)"),
    "datetime_from_date_parsing": gettext_noop("not a date and time (YYYY-MM-DDTHH:MM)"),
    "bool_parsing": gettext_noop("must be yes/是 or no/否"),
    "bool_type": gettext_noop("must be yes/是 or no/否"),
    "extra_forbidden": gettext_noop("not a field of this form"),
    "out_of_range": gettext_noop("out of range"),
    "date_out_of_range": gettext_noop("must lie between 1900-01-01 and 2100-12-31"),
    "bad_text": gettext_noop("contains a control character or a hidden text-direction mark"),
    "less_than_equal": gettext_noop("too large"),
    "less_than": gettext_noop("too large"),
    "greater_than": gettext_noop("too small"),
    "string_too_long": gettext_noop("too long"),
}
NOT_VALID = gettext_noop("not a valid value")
BAD_TEXT = MESSAGES["bad_text"]

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
BIGGEST_ID = 2**63 - 1  # the largest value of a database id (bigint); a larger number names nothing
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def bad_text(value: str) -> bool:
    """True when `value` holds a NUL byte, another control character (tab, newline and carriage return
    are text) or a bidirectional control."""
    return bool(_BAD_TEXT.search(value))


_ISO_DAY = re.compile(r"^\s*([+-]?\d{4,})-(\d{2})-(\d{2})")


def day_out_of_range(value: str) -> bool:
    """True when `value` is written as an ISO date or date-time (YYYY-MM-DD…) outside FIRST_DAY..LAST_DAY:
    how a query parameter is checked before its type is known (a venue's day in the year 438 answered
    slots with the zone offset of 438, +08:05:43)."""
    match = _ISO_DAY.match(value)
    return match is not None and not FIRST_DAY.year <= int(match.group(1)) <= LAST_DAY.year


def raw_problems(data: Any, path: str = "") -> list[tuple[str, str]]:
    """(field, message) for every bad value of a parsed JSON body, before any type is applied: text (keys
    included) with `bad_text`, numbers no column holds (above 2^63 - 1, not finite). Fields are named by
    their path (`rules.0.title`)."""
    problems: list[tuple[str, str]] = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and bad_text(key):
                problems.append((name, BAD_TEXT))
            problems += raw_problems(value, name)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            problems += raw_problems(value, f"{path}.{index}" if path else str(index))
    elif isinstance(data, str):
        if bad_text(data):
            problems.append((path, BAD_TEXT))
    elif isinstance(data, bool):
        pass
    elif isinstance(data, int):
        if abs(data) > BIGGEST_ID:
            problems.append((path, MESSAGES["out_of_range"]))
    elif isinstance(data, float) and not math.isfinite(data):
        problems.append((path, NOT_VALID))
    return problems


def refusal(problems: list[tuple[str, str]]) -> ApplicationError:
    """The refusal of bad input found before any form applies: 400 "invalid", one problem per field."""
    errors = RowErrors()
    for field, message in problems:
        errors.add(0, field, _(message))
    return ApplicationError("invalid", _("The input was not accepted."), {"errors": errors.errors})


def field_errors(exc: ValidationError, raw: Any = None, *, row: int = 0, prefix: str = "") -> list[dict[str, Any]]:
    """Pydantic's problems in the shape of `RowErrors`: one per field (the first pydantic names; a union
    type reports one per member), named `prefix` + the field, with the value as given in `raw` (or as
    pydantic saw it), sorted by field."""
    errors = RowErrors()
    seen: set[str] = set()
    for error in exc.errors(include_url=False):
        field = str(error["loc"][0]) if error.get("loc") else ""
        if field in seen:
            continue
        seen.add(field)
        value = raw.get(field) if isinstance(raw, Mapping) and field in raw else error.get("input")
        if isinstance(value, Mapping) or error["type"] == "missing":
            value = None
        errors.add(row, prefix + field, _(MESSAGES.get(error["type"], NOT_VALID)), value)
    return sorted(errors.errors, key=lambda e: e["field"])


def _may_be_none(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, UnionType) and NoneType in get_args(annotation)


def _kinds(annotation: Any) -> set[Any]:
    """The plain types an annotation admits (`int | None` -> {int, NoneType})."""
    if get_origin(annotation) in (Union, UnionType):
        return {kind for arg in get_args(annotation) for kind in _kinds(arg)}
    if get_origin(annotation) is Annotated:
        return _kinds(get_args(annotation)[0])
    origin = get_origin(annotation)
    return {origin or annotation}


def _has_bound(metadata: list[Any], *names: str) -> bool:
    return any(getattr(item, name, None) is not None for item in metadata for name in names)


def _problem(kind: str, field: str, value: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, MESSAGES[kind]), loc=(field,), input=value)


class InputRefused(ApplicationError):
    """A value of the wrong type: `ApplicationError` "invalid" with the problems of `field_errors`."""


class Body(Schema):
    """Base of every API request body (and of `Input`): the bounds of the module's docstring. A problem is
    a pydantic error on its field, so the API answers it like any wrong type (422 `{code: "invalid", ...}`
    naming the field), and `Input` turns it into its 400 refusal."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _validate(cls, data: Any, handler: Any) -> Any:
        return cls._bounded(data, handler)

    @classmethod
    def _bounded(cls, data: Any, handler: Any) -> Any:
        problems: list[InitErrorDetails] = []
        if isinstance(data, Mapping):
            for key, value in data.items():
                field = cls.model_fields.get(key) if isinstance(key, str) else None
                if field is None:
                    continue
                kinds = _kinds(field.annotation)
                if isinstance(value, bool) and bool not in kinds and kinds & {int, float}:
                    problems.append(_problem("int_type", key, value))
                elif isinstance(value, str) and bad_text(value):
                    problems.append(_problem("bad_text", key, value))
        if problems:
            raise ValidationError.from_exception_data(cls.__name__, problems)
        result = handler(data)
        if isinstance(result, Schema):
            for name, field in type(result).model_fields.items():
                given = getattr(result, name, None)
                for value in given if isinstance(given, list) else [given]:
                    if isinstance(value, bool) or value is None:
                        continue
                    if isinstance(value, int):
                        too_big = value > INT_MAX and not _has_bound(field.metadata, "le", "lt")
                        too_small = value < INT_MIN and not _has_bound(field.metadata, "ge", "gt")
                        if too_big or too_small:
                            problems.append(_problem("out_of_range", name, value))
                            break
                    elif isinstance(value, dt.date):  # datetimes are dates too
                        day = value.date() if isinstance(value, dt.datetime) else value
                        if not FIRST_DAY <= day <= LAST_DAY:
                            problems.append(_problem("date_out_of_range", name, str(value)))
                            break
            if problems:
                raise ValidationError.from_exception_data(cls.__name__, problems)
        return result


class Input(Body):
    """Base of the typed inputs (see the module). Subclasses set `refusal`, the message of the refusal
    (the same words as their service's), and may set `model_config` (e.g. `coerce_numbers_to_str`)."""

    refusal: ClassVar[str] = gettext_noop("The input was not accepted.")

    @model_validator(mode="wrap")
    @classmethod
    def _validate(cls, data: Any, handler: Any) -> Any:
        if isinstance(data, Mapping):
            data = {
                key: None
                if isinstance(value, str)
                and not value.strip()
                and key in cls.model_fields
                and _may_be_none(cls.model_fields[key].annotation)
                else value
                for key, value in data.items()
            }
        try:
            return cls._bounded(data, handler)
        except ValidationError as exc:
            raise InputRefused("invalid", _(cls.refusal), {"errors": field_errors(exc, data)}) from None

    @classmethod
    def _known(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The fields of this input in a page's form or a file's row (which carry others: the CSRF token,
        buttons, columns of other tables); an API body is taken whole, and an unknown field refused."""
        names = set(cls.model_fields) | {f.alias for f in cls.model_fields.values() if f.alias}
        return {key: value for key, value in raw.items() if key in names}

    @classmethod
    def parse(cls, form: Mapping[str, Any]) -> Self:
        """The input from a page's form fields (or any mapping), refused as above when a value is bad."""
        return cls.model_validate(cls._known(form))

    @classmethod
    def parse_row(cls, raw: Mapping[str, Any], row: int, errors: RowErrors, *, prefix: str = "") -> Self | None:
        """The input from a file's row, or None with its problems added to `errors` (numbered `row`, each
        field named `prefix` + the field) so the import can report every bad row before refusing."""
        try:
            return cls.model_validate(cls._known(raw))
        except InputRefused as refused:
            for problem in refused.extra["errors"]:
                errors.add(row, prefix + problem["field"], problem["message"], problem.get("value"))
            return None

    def given(self, *, update: bool) -> dict[str, Any]:
        """The values to check: those set for an update (a partial change), every field (unset ones as
        their default) otherwise."""
        return self.model_dump(exclude_unset=update)


def closed_rings(geometry: Mapping[str, Any]) -> dict[str, Any]:
    """A GeoJSON Polygon or MultiPolygon with every ring closed (its last position repeats its first), as
    GeoJSON requires: an unclosed ring (which shapely closes silently when checking) is stored closed, so
    every later reader (Leaflet, exports, other GIS tools) sees the same polygon that was checked."""

    def close(ring: list[Any]) -> list[Any]:
        ring = [list(position) for position in ring]
        return [*ring, ring[0]] if ring and ring[0] != ring[-1] else ring

    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return {**geometry, "coordinates": [close(ring) for ring in coordinates]}
    if kind == "MultiPolygon":
        return {**geometry, "coordinates": [[close(ring) for ring in polygon] for polygon in coordinates]}
    return dict(geometry)
