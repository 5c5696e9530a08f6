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
"""

from __future__ import annotations

from collections.abc import Mapping
from types import NoneType, UnionType
from typing import Any, ClassVar, Self, Union, get_args, get_origin

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Schema
from pydantic import ValidationError, model_validator

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
}
NOT_VALID = gettext_noop("not a valid value")


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


class InputRefused(ApplicationError):
    """A value of the wrong type: `ApplicationError` "invalid" with the problems of `field_errors`."""


class Input(Schema):
    """Base of the typed inputs (see the module). Subclasses set `refusal`, the message of the refusal
    (the same words as their service's), and may set `model_config` (e.g. `coerce_numbers_to_str`)."""

    refusal: ClassVar[str] = gettext_noop("The input was not accepted.")

    @model_validator(mode="wrap")
    @classmethod
    def _refuse_like_a_service(cls, data: Any, handler: Any) -> Any:
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
            return handler(data)
        except ValidationError as exc:
            raise InputRefused("invalid", _(cls.refusal), {"errors": field_errors(exc, data)}) from None

    @classmethod
    def parse(cls, form: Mapping[str, Any]) -> Self:
        """The input from a page's form fields (or any mapping), refused as above when a value is bad."""
        return cls.model_validate(dict(form))

    @classmethod
    def parse_row(cls, raw: Mapping[str, Any], row: int, errors: RowErrors, *, prefix: str = "") -> Self | None:
        """The input from a file's row, or None with its problems added to `errors` (numbered `row`, each
        field named `prefix` + the field) so the import can report every bad row before refusing."""
        try:
            return cls.model_validate(dict(raw))
        except InputRefused as refused:
            for problem in refused.extra["errors"]:
                errors.add(row, prefix + problem["field"], problem["message"], problem.get("value"))
            return None

    def given(self, *, update: bool) -> dict[str, Any]:
        """The values to check: those set for an update (a partial change), every field (unset ones as
        their default) otherwise."""
        return self.model_dump(exclude_unset=update)
