"""Typed inputs of the bookings services: what a page form or an API body carries, as django-ninja
Schemas, so that the OpenAPI documents every request body.

One validation path for pages and API: the API receives the schema from ninja, a page builds the same
schema from its form with `parse`; either way a value of the wrong type (`"capacity": "many"`) is refused
as the services refuse bad input - `ApplicationError` "invalid" (HTTP 400) with every problem naming its
field - and the services then check their rules on the typed values. Blank form fields are "not given"
(None) for the fields that may be empty. Partial updates (`SessionChangeIn`, a venue's `VenueIn` on
update) change only the fields set (`model_fields_set`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import NoneType, UnionType
from typing import Annotated, Any, ClassVar, Self, Union, get_args, get_origin

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, Schema
from pydantic import ValidationError, field_validator, model_validator

from linli.core.errors import ApplicationError

# A whole number of at least 0 (seats, days, minutes ...).
Count = Annotated[int, Field(ge=0)]

_MESSAGES = {
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


def field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic's problems in the shape of `RowErrors` (row 0, the field as the input names it)."""
    out = []
    for error in exc.errors(include_url=False):
        loc = error.get("loc") or ("",)
        item: dict[str, Any] = {
            "row": 0,
            "field": str(loc[0]),
            "message": _(_MESSAGES[error["type"]]) if error["type"] in _MESSAGES else str(error["msg"]),
        }
        value = error.get("input")
        if value is not None and not isinstance(value, Mapping) and error["type"] != "missing":
            item["value"] = str(value)[:100]
        out.append(item)
    return sorted(out, key=lambda e: e["field"])


def _may_be_none(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, UnionType) and NoneType in get_args(annotation)


def _split(value: Any) -> Any:
    """A list written as text ("0,2,4", "2026-10-01，2026-10-08") becomes a list."""
    if isinstance(value, str):
        return [part.strip() for part in value.replace("，", ",").split(",") if part.strip()]
    return value


class Input(Schema):
    """Base of the typed inputs: a wrong type is refused as `ApplicationError` "invalid" naming its field,
    with `refusal` as the message; a blank text given for a field that may be empty means None."""

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
            raise ApplicationError("invalid", _(cls.refusal), {"errors": field_errors(exc)}) from None

    @classmethod
    def parse(cls, form: Mapping[str, Any]) -> Self:
        """The input from a page's form fields (or any mapping), refused as above when a value is bad."""
        return cls.model_validate(dict(form))


# Activities and sessions ------------------------------------------------------------------------------


class SessionRulesIn(Input):
    """Seats, waiting list, ages, group size and registration window: shared by every session of an
    activity."""

    capacity: Count | None = Field(None, description="seats (required, at least 1)")
    waitlist_capacity: Count | None = Field(None, description="places on the waiting list (default 0)")
    max_group_size: Count | None = Field(None, description="persons per registration, 1 to 20 (default 1)")
    min_age: Count | None = None
    max_age: Count | None = None
    opens_days_before: Count | None = Field(None, description="registration opens this many days before (14)")
    closes_hours_before: Count | None = Field(None, description="and closes this many hours before (0)")


class ActivityIn(SessionRulesIn):
    """An activity with one session (`repeat` "none", `date`) or a weekly series (`repeat` "weekly",
    `start_date`, `end_date`, `weekdays`, `excluded_dates`), each from `start_time` to `end_time`."""

    refusal: ClassVar[str] = gettext_noop("The activity was not published.")

    facility: str = Field("", description="facility code")
    title: str = ""
    description: str = ""
    domain: str | None = Field(None, description="service domain (default: the service item's)")
    item: str | None = Field(None, description="service item code")
    repeat: str | None = Field(None, description='"none" (default) or "weekly"')
    date: dt.date | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    weekdays: list[int] | None = Field(None, description="0 = Monday … 6 = Sunday")
    excluded_dates: list[dt.date] | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None

    @field_validator("weekdays", "excluded_dates", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _split(value)


class SessionChangeIn(Input):
    """A partial change of a session: only the fields given change."""

    refusal: ClassVar[str] = gettext_noop("The session was not changed.")

    capacity: Count | None = None
    waitlist_capacity: Count | None = None
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None


class SessionTimesIn(Input):
    """The date and times of a session to add to an activity."""

    refusal: ClassVar[str] = gettext_noop("The session was not added.")

    date: dt.date | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None


class SessionMoveIn(SessionTimesIn):
    """The new date and times of a session."""

    refusal: ClassVar[str] = gettext_noop("The session was not moved.")


# Venues -----------------------------------------------------------------------------------------------


class VenueIn(Input):
    """A venue's fields. Adding a venue, a field not given takes its default; changing one, only the
    fields given change (`"active": false` takes it out of booking)."""

    refusal: ClassVar[str] = gettext_noop("The venue was not saved.")

    name: str | None = None
    kind: str | None = Field(None, description="room, court or field")
    capacity: Count | None = Field(None, description="persons; empty: not limited")
    slot_minutes: Count | None = None
    min_duration_minutes: Count | None = None
    max_duration_minutes: Count | None = None
    max_days_ahead: Count | None = None
    max_active_bookings_per_person: Count | None = Field(None, description="empty: no limit")
    needs_approval: bool | None = None
    active: bool | None = None


class VenueCreateIn(VenueIn):
    facility: str = Field("", description="facility code")
