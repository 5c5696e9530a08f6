from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from linli.cases.models import RequestType
from linli.core.calendar import calendar_load


def at(*args: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def calendar2026(db):
    calendar_load([2026])


@pytest.fixture
def rtype(calendar2026) -> RequestType:
    return RequestType.objects.create(
        code="elderly-card", name="老年人优待证", deadline_days=5, department="民政", handling_level="community"
    )


@pytest.fixture
def street_light(calendar2026) -> RequestType:
    """A kind about a public place, listed in the public Open311 feed."""
    return RequestType.objects.create(
        code="street-light",
        name="路灯维修",
        deadline_days=3,
        department="城管",
        handling_level="community",
        public_listing=True,
    )
