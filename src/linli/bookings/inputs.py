"""Typed inputs of the bookings services: what a page form or an API body carries, as django-ninja
Schemas on the one base `linli.core.inputs.Input`, so that the OpenAPI documents every request body.

The fields are typed strictly: the API receives the schema from ninja, a page builds the same schema from
its form with `parse`; either way a value of the wrong type (`"capacity": "many"`) is refused as the
services refuse bad input (see `Input`), and the services then check their rules on the typed values.
Partial updates (`SessionChangeIn`, a venue's `VenueIn` on update) change only the fields set
(`model_fields_set`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar

from django.utils.translation import gettext_noop
from ninja import Field
from pydantic import field_validator

from linli.core.inputs import Input

# A whole number of at least 0 (seats, days, minutes ...).
Count = Annotated[int, Field(ge=0)]


def _split(value: Any) -> Any:
    """A list written as text ("0,2,4", "2026-10-01，2026-10-08") becomes a list."""
    if isinstance(value, str):
        return [part.strip() for part in value.replace("，", ",").split(",") if part.strip()]
    return value


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
