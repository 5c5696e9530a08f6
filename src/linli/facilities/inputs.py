"""Typed inputs of the registry's services: one object per change, built alike by a page's form, an API
body and a row of an imported file, and checked by one service (`facility_check`, `operator_check` …).

The fields take the values people and files really give (a number typed as text, a date as a cell, a
list as "a,b") so that every check, and its message naming the field, stays in the service. For an
update only the fields set when the object was built are changed (`given`), as with a JSON merge patch.
The base, `linli.core.inputs.Input`, is every app's: blank text is None, a file's row is parsed with
`parse_row`, a value of no kind the field takes is refused naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from django.utils.translation import gettext_noop
from pydantic import BeforeValidator, ConfigDict, Field

from linli.core.inputs import Input
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


class ServiceInput(Input):
    """Base of the registry's inputs: numbers given for text are taken as text, unknown fields are ignored;
    a value of no kind the field takes (a list where text belongs …) is refused by name as "not a valid
    value" (see `Input`)."""

    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore")


class FacilityIn(ServiceInput):
    """A facility as given: type and operator by code (the operator by its credit code), area by 12-digit
    code, coordinates in WGS-84 or, with `crs` "gcj02", in GCJ-02."""

    refusal: ClassVar[str] = gettext_noop("The facility was not saved.")

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

    refusal: ClassVar[str] = gettext_noop("The operator was not saved.")

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
