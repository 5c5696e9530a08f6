"""Typed inputs of the registry's services: one object per change, built alike by a page's form, an API
body and a row of an imported file, and checked by one service (`facility_check`, `operator_check` …).

The fields take the values people and files really give (a number typed as text, a date as a cell, a
list as "a,b") so that every check, and its message naming the field, stays in the service. For an
update only the fields set when the object was built are changed (`given`), as with a JSON merge patch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from django.utils.translation import gettext as _
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from linli.core.errors import RowErrors
from linli.core.parsing import text


def _number_as_text(value: Any) -> Any:
    """A number where text belongs (a code typed in a number cell) as its text, 990102001001.0 as
    "990102001001"."""
    return text(value) if isinstance(value, int | float | Decimal) and not isinstance(value, bool) else value


def _whole_number(value: Any) -> Any:
    """A count given as 700.0 is 700; any other non-integer number is kept as text for the service to refuse
    by name."""
    if isinstance(value, float | Decimal):
        try:
            return int(value) if value == int(value) else str(value)
        except (OverflowError, ValueError):  # infinity, not a number
            return str(value)
    return value


Text = Annotated[str | None, BeforeValidator(_number_as_text)]
Count = Annotated[int | str | None, BeforeValidator(_whole_number)]
Day = dt.datetime | dt.date | str | None

InputT = TypeVar("InputT", bound="ServiceInput")


class ServiceInput(BaseModel):
    """Base of the typed inputs: numbers given for text are taken as text, unknown fields are ignored."""

    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore")

    def given(self, *, update: bool) -> dict[str, Any]:
        """The raw values to check: those set for an update, every field (unset ones as None) otherwise."""
        return self.model_dump(exclude_unset=update)


def parse_input(
    model: type[InputT], raw: Mapping[str, Any], row: int, errors: RowErrors, *, prefix: str = ""
) -> InputT | None:
    """`raw` values (a file's row) as `model`, or None with a problem per field that has a value of the
    wrong kind (a list where a text belongs …) added to `errors`, named `prefix` + the field."""
    try:
        return model.model_validate(dict(raw))
    except ValidationError as exc:
        for field in dict.fromkeys(str(e["loc"][0]) if e["loc"] else "" for e in exc.errors()):
            errors.add(row, prefix + field, _("not a valid value"), raw.get(field))
        return None


class FacilityIn(ServiceInput):
    """A facility as given: type and operator by code (the operator by its credit code), area by 12-digit
    code, coordinates in WGS-84 or, with `crs` "gcj02", in GCJ-02."""

    code: Text = Field(None, description="facility code, at most 32 characters")
    name: Text = None
    type: Text = Field(None, description="facility type code")
    area_code: Text = Field(None, description="12-digit code of the community or village")
    lon: float | str | None = None
    lat: float | str | None = None
    crs: Text = Field(None, description="wgs84 (default) or gcj02")
    address: Text = None
    floor_area_m2: Count = None
    capacity: Count = None
    beds: Count = None
    served_persons: Count = None
    staff_count: Count = None
    operation_model: Text = None
    operator: Text = Field(None, description="the operator's unified social credit code")
    status: Text = None
    planned_on: Day = None
    approved_on: Day = None
    construction_started_on: Day = None
    completed_on: Day = None
    closed_on: Day = None
    accessibility: list[str] | str | None = None
    closed_on_public_holidays: bool | str | None = None
    phone: Text = None
    description: Text = None


class OperatorIn(ServiceInput):
    """An operator (a company or social organisation that runs facilities)."""

    name: Text = None
    kind: Text = None
    credit_code: Text = Field(None, description="18-character unified social credit code")
    grade: Text = Field(None, description="social-organisation grade (1A … 5A)")
    area_code: Text = Field(None, description="12-digit code of the registered area")
    address: Text = None
    contact_name: Text = None
    contact_phone: Text = None
    website: Text = None
    description: Text = None
