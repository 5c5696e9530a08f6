"""Typed inputs of the construction services: what a page form, an API body or a row of the targets
sheet carries (django-ninja Schemas on `linli.core.inputs.Input`). Types are strict: a wrong type is
refused naming the field; every rule (order of stages, dates, amounts, scope) lives in the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, ClassVar

from django.utils.translation import gettext_noop
from ninja import Field

from linli.core.inputs import Input

Count = Annotated[int, Field(ge=0)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class ProjectIn(Input):
    """A project's fields. Creating one needs name, year, facility_type, area_code, lon, lat and
    department; an update changes only the fields sent. `planned_<stage>` is the planned completion date of
    that stage (立项, 用地, 设计, 施工, 验收, 投入运营)."""

    refusal: ClassVar[str] = gettext_noop("The project was not saved.")

    name: str | None = Field(None, description="at most 100 characters")
    year: int | None = Field(None, description="the year of the construction tasks it belongs to")
    facility_type: str | None = Field(None, description="facility type code (type and tier)")
    area_code: str | None = Field(None, description="12-digit code of the community or village")
    lon: float | None = Field(None, description="longitude, WGS-84")
    lat: float | None = Field(None, description="latitude, WGS-84")
    address: str | None = None
    floor_area_m2: Count | None = None
    department: str | None = Field(None, description="the responsible department, at most 64 characters")
    description: str | None = None
    planned_approval: dt.date | None = None
    planned_land: dt.date | None = None
    planned_design: dt.date | None = None
    planned_construction: dt.date | None = None
    planned_acceptance: dt.date | None = None
    planned_operation: dt.date | None = None


class FromSitingIn(Input):
    """A project from a proposed site of a siting run: location, type, area and the run's reference come
    from the run; the rest is given here."""

    refusal: ClassVar[str] = gettext_noop("The project was not saved.")

    run_id: int = Field(description="the siting run")
    site: int = Field(ge=1, description="the site's rank in the run (1 = the first)")
    name: str | None = Field(None, description="default: the type and the community")
    year: int | None = Field(None, description="default: this year")
    department: str | None = Field(None, description="the responsible department")
    planned_operation: dt.date | None = None


class ForFacilityIn(Input):
    """A project for a facility the registry has as planned, approved or under construction: name, type,
    area and place come from the registry."""

    refusal: ClassVar[str] = gettext_noop("The project was not saved.")

    facility: str = Field(description="the facility's code")
    year: int | None = Field(None, description="default: this year")
    department: str | None = Field(None, description="the responsible department")


class StageIn(Input):
    refusal: ClassVar[str] = gettext_noop("The stage was not completed.")

    stage: str = Field(description="approval, land, design, construction, acceptance or operation")
    completed_on: dt.date = Field(description="the day it was completed (not in the future)")


class FundingIn(Input):
    refusal: ClassVar[str] = gettext_noop("The funding was not saved.")

    source: str = Field(description="fiscal, special_bond, policy_finance or social_capital")
    needed: Money = Field(description="amount needed, 10,000 yuan")
    secured: Money = Field(Decimal(0), description="amount secured (到位), at most the amount needed")
    note: str = ""


class LandIn(Input):
    refusal: ClassVar[str] = gettext_noop("The land procedure was not saved.")

    kind: str = Field(description="quota, use_change or idle_property")
    status: str = Field(description="not_started, in_progress or done")
    started_on: dt.date | None = None
    done_on: dt.date | None = None
    note: str = ""


class DelayReasonIn(Input):
    refusal: ClassVar[str] = gettext_noop("The reason was not saved.")

    stage: str = Field(description="the late stage")
    reason: str = Field(description="why it is late, at most 500 characters")


class TargetIn(Input):
    """One of the year's construction targets (建设任务): how many facilities of a type an area completes."""

    refusal: ClassVar[str] = gettext_noop("The target was not saved.")

    year: int = Field(description="the year")
    area_code: str = Field(description="12-digit code of the district, sub-district or town")
    facility_type: str = Field(description="facility type code")
    target: Count = Field(description="facilities to complete that year")
