"""A small world on the test district: neighbourhood centres of three tiers, rural centres, elderly
facilities in a village, a construction target, sessions with registrations, requests and ratings - each
figure easy to count by hand."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from linli.areas.models import Area
from linli.bookings.models import Activity, Registration, Session
from linli.facilities.models import ConstructionTarget, Facility, FacilityType, Operator
from tests.facilities.conftest import (
    credit_code,
    registry,  # noqa: F401  (the fixture)
)

TODAY = dt.date(2026, 6, 30)
_serial = itertools.count(1)


def area_id(code: str) -> int:
    return Area.objects.get(code=code).pk


def facility(ftype: FacilityType, area: str, **extra) -> Facility:
    n = next(_serial)
    return Facility.objects.create(
        code=f"T{n:04d}", name=f"设施{n}", facility_type=ftype, area_id=area_id(area), area_code=area,
        lon=120.0, lat=30.0, **extra,
    )  # fmt: skip


@pytest.fixture
def world(registry):  # noqa: F811
    """Facilities (registry's 东湖邻里中心 is a community centre run by a social organisation, built):
    - nc-district: one in 东湖街道 completed 2026-03-01, one completed 2026-08-01 (after TODAY);
    - nc-community: registry's (no completed date) + one in 西山社区 run by the government, completed 2019;
      one closed on 2026-01-10 (counted before, not after);
    - nc-estate: one planned (never counted);
    - rural-centre: one in 上村 (2020), none in 下村;
    - rural elderly: two in 上村, one market-operated;
    - construction target 2026: 2 district-area centres for the district."""
    types = {
        "nc-district": FacilityType.objects.create(
            code="nc-district", name="片区级邻里中心", family="neighbourhood_centre", tier="片区级"
        ),
        "nc-estate": FacilityType.objects.create(
            code="nc-estate", name="小区级邻里中心", family="neighbourhood_centre", tier="小区级"
        ),
        "rural-centre": FacilityType.objects.create(
            code="rural-centre", name="乡里中心", family="rural_centre", tier="村级", setting="rural"
        ),
        "rural-mutual-aid": FacilityType.objects.create(
            code="rural-mutual-aid", name="集中互助养老服务站", family="elderly_care", tier="村级", setting="rural"
        ),
        "nc-community": registry["centre"],
    }
    company = Operator.objects.create(
        name="安心物业", kind="company", credit_code=credit_code("91990102MA0000002"), area_code="990102000000"
    )
    gov = Operator.objects.create(name="西山街道办事处", kind="government", area_code="990102002000")
    facility(types["nc-district"], "990102001000", completed_on=dt.date(2026, 3, 1), operator=company)
    facility(types["nc-district"], "990102001000", completed_on=dt.date(2026, 8, 1))
    facility(types["nc-community"], "990102002001", completed_on=dt.date(2019, 5, 1), operator=gov)
    facility(
        types["nc-community"], "990102002002", completed_on=dt.date(2018, 5, 1), status="closed",
        closed_on=dt.date(2026, 1, 10),
    )  # fmt: skip
    facility(types["nc-estate"], "990102001002", status="planned")
    facility(types["rural-centre"], "990102101201", completed_on=dt.date(2020, 1, 1))
    facility(types["rural-mutual-aid"], "990102101201", completed_on=dt.date(2021, 1, 1), operation_model="market")
    facility(types["rural-mutual-aid"], "990102101201", completed_on=dt.date(2021, 1, 1))
    ConstructionTarget.objects.create(
        year=2026, facility_type=types["nc-district"], area_id=area_id("990102000000"), area_code="990102000000",
        target=2,
    )  # fmt: skip
    return {"types": types, **registry}


@pytest.fixture
def sessions(world):
    """Two sessions at 东湖邻里中心 in the year before TODAY (capacity 10 and 20) and one after it:
    5 + 10 seats taken, 3 + 6 attended."""
    from linli.core.enums import Role
    from tests.conftest import make_user

    centre = world["facility"]
    activity = Activity.objects.create(facility=centre, area_code=centre.area_code, title="太极拳", domain="sports")
    residents = [make_user(f"r{i}", Role.RESIDENT, home=centre.area_code) for i in range(12)]
    made = []
    for days_before, capacity, taken, attended in ((30, 10, 5, 3), (200, 20, 10, 6), (-10, 50, 12, 0)):
        starts = timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=days_before), dt.time(9)))
        s = Session.objects.create(
            activity=activity, area_code=centre.area_code, starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
            capacity=capacity, opens_at=starts - dt.timedelta(days=10), closes_at=starts, confirmed=taken,
        )  # fmt: skip
        for k in range(taken):
            Registration.objects.create(
                session=s, resident=residents[k % 12], area_code=s.area_code,
                status="attended" if k < attended else "confirmed",
            )  # fmt: skip
        made.append(s)
    return made
