"""Construction fixtures on the shared test district: two facility types (a 片区级 neighbourhood centre and
an A-class sports park), a project in 东湖社区 and a helper to build projects through the service."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.construction.inputs import ProjectIn
from linli.construction.services import project_create
from linli.facilities.models import FacilityType

EAST = "990102001001"  # 东湖社区, lon 120.00 .. 120.01, lat 30.00 .. 30.01
WEST = "990102002001"  # 西山社区, lon 120.05 .. 120.06


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def types(area_tree):
    centre = FacilityType.objects.create(
        code="nc-district", name="片区级邻里中心", family="neighbourhood_centre", tier="片区级", sort_order=1
    )
    park = FacilityType.objects.create(
        code="sports-park-a", name="A类社区体育公园", family="sports_park", tier="A类", sort_order=2
    )
    return {"centre": centre, "park": park}


def new_project(actor, **fields):
    data = {
        "name": "东湖片区邻里中心",
        "year": timezone.localdate().year,
        "facility_type": "nc-district",
        "area_code": EAST,
        "lon": 120.005,
        "lat": 30.005,
        "department": "区发改局",
    } | fields
    return project_create(actor=actor, project=ProjectIn(**data))


@pytest.fixture
def project(types, users):
    return new_project(users["district"])
