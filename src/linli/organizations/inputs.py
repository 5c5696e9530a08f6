"""Typed inputs of the organisations services, shared by the pages (`parse`) and the API bodies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from django.utils.translation import gettext_noop
from ninja import Field

from linli.core.inputs import Input


class OrganizationIn(Input):
    refusal: ClassVar[str] = gettext_noop("The organisation was not filed.")

    name: str = ""
    kind: str = Field("", description="self_governance, self_entertainment or volunteer")
    track: str | None = Field(None, description='"filed" (default) or "registered" (a social organisation)')
    grade: str | None = Field(None, description="1A to 5A, registered social organisations only")
    community: str = Field("", description="12-digit code of the community or village")
    purpose: str = ""
    leader: str | None = Field(None, description="username of the leader (staff filing for a leader)")
    guide_role: str | None = Field(None, description="party_member or grid_worker")
    guide_name: str = ""
    guide_phone: str = ""
    members_declared: int | None = Field(None, ge=0)
    documents: str = ""


class ShiftIn(Input):
    refusal: ClassVar[str] = gettext_noop("The shift was not published.")

    title: str = ""
    facility: str | None = Field(None, description="facility code (or give a place)")
    place: str = ""
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    places: int | None = Field(None, ge=0)


class SentDownIn(ShiftIn):
    refusal: ClassVar[str] = gettext_noop("The service was not scheduled.")

    service: str = Field("", description="party, cadre, doctor, legal, teacher or agriculture")
    community: str | None = Field(None, description="12-digit community or village code (default: the facility's)")


class HoursIn(Input):
    refusal: ClassVar[str] = gettext_noop("The hours were not confirmed.")

    hours: Decimal | None = Field(None, description="default: from check-in to check-out, inside the shift")
    residents_served: int | None = Field(None, ge=0)
    reason: str = Field("", description="why (a correction)")


class RatingIn(Input):
    refusal: ClassVar[str] = gettext_noop("The rating was not saved.")

    adjustment: int | None = None
    reason: str = ""
    replace: bool = Field(False, description="replace the year's rating already saved")
