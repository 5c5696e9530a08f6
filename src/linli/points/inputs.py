"""Typed inputs of the points pages and API (one validation path, `core.inputs.Input`); the rules
themselves live in the services."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.utils.translation import gettext_noop
from ninja import Field

from linli.core.inputs import Input


class RuleIn(Input):
    refusal: ClassVar[str] = gettext_noop("The rule was not saved.")

    area_code: str = Field(description="community code, or a sub-district's or the district's for their default")
    per_attendance: int = 0
    per_hour: int = 0
    daily_cap: int | None = None
    monthly_cap: int | None = None
    domains: list[str] = Field(default_factory=list, description="activity domains that earn; empty: all")
    valid_days: int = 365


class ItemIn(Input):
    refusal: ClassVar[str] = gettext_noop("The item was not saved.")

    area_code: str | None = Field(None, description="community code (on creation)")
    name: str | None = None
    description: str | None = None
    kind: str | None = None
    cost: int | None = None
    stock: int | None = None
    operator_id: int | None = None
    price_yuan: Decimal | None = None
    active: bool | None = None


class AdjustIn(Input):
    refusal: ClassVar[str] = gettext_noop("The adjustment was not made.")

    resident_id: int
    area_code: str
    amount: int = Field(description="points; negative takes points back")
    memo: str
