"""Typed inputs of the catalogue's services (see `facilities.inputs`): built alike by a page's form, an
API body and a row of an imported file; lists may come as lists or as text separated by commas or 、."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.utils.translation import gettext_noop
from pydantic import Field

from linli.facilities.inputs import Count, ServiceInput, Text

Codes = list[str] | str | None


class ServiceItemIn(ServiceInput):
    """A service item of the catalogue; `host_types` are facility type codes."""

    refusal: ClassVar[str] = gettext_noop("The service item was not saved.")

    code: Text = Field(None, description="at most 64 letters, digits, - and _")
    name: Text = None
    domain: Text = None
    service_class: Text = None
    content: Text = None
    duration_minutes: Count = None
    frequency: Text = None
    facility_requirement: Text = None
    equipment: Text = None
    staffing: Text = None
    target_groups: Codes = None
    min_age: Count = None
    max_age: Count = None
    fee_type: Text = None
    fee_amount: Text = Field(None, description="yuan, a decimal number")
    fee_unit: Text = None
    host_types: Codes = Field(None, description="codes of the facility types that can host it")


class FacilityTypeIn(ServiceInput):
    """The editable fields of a facility type (its code stays: facilities and files refer to it)."""

    refusal: ClassVar[str] = gettext_noop("The facility type was not saved.")

    name: Text = None
    name_en: Text = None
    family: Text = None
    tier: Text = None
    setting: Text = None
    living_circle: Text = None
    service_radius_m: Count = None
    domains: Codes = None
    age_groups: Codes = None
    has_beds: bool | str | None = None
    sort_order: Count = None
    description: Text = None


class TierStandardIn(ServiceInput):
    """What a facility of a type and tier must offer and have; `required_items` are service item codes."""

    refusal: ClassVar[str] = gettext_noop("The standard was not saved.")

    required_domains: Codes = None
    min_domains: Count = None
    required_items: Codes = None
    min_floor_area_m2: Count = None
    recommended_floor_area_m2: Count = None
    min_staff: Count = None
    source: Text = None


class OfferingIn(ServiceInput):
    """How a facility offers an item. Creating or replacing one, a field not given takes its default (no
    schedule, the item's fee, active); updating one from a file, it keeps its value."""

    refusal: ClassVar[str] = gettext_noop("The offering was not saved.")

    schedule: Text = Field(None, description="when, in words; at most 200 characters")
    fee_type: Text = Field(None, description="blank: the item's fee type")
    fee_amount: Decimal | Text = Field(None, description="yuan, 0 to 999999.99")
    active: bool | Text = None
