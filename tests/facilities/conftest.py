"""A small registry on the test district: two facility types, an operator, a centre in a community."""

from __future__ import annotations

import pytest

from linli.catalog.models import ServiceItem, TierStandard
from linli.facilities.models import Facility, FacilityType, Operator
from linli.facilities.validators import credit_code_check_char


def credit_code(body: str = "91990102MA0000001") -> str:
    return body + credit_code_check_char(body)


@pytest.fixture
def registry(area_tree):
    centre = FacilityType.objects.create(
        code="nc-community", name="社区级邻里中心", family="neighbourhood_centre", tier="社区级",
        domains=["culture", "elderly", "health"], service_radius_m=500,
    )  # fmt: skip
    school = FacilityType.objects.create(code="primary-school", name="小学", family="education", domains=["education"])
    meals = ServiceItem.objects.create(code="elderly-meals", name="老年助餐", domain="elderly", min_age=60)
    reading = ServiceItem.objects.create(code="reading", name="图书借阅", domain="culture")
    clinic = ServiceItem.objects.create(code="clinic", name="健康咨询", domain="health")
    sports = ServiceItem.objects.create(code="sports", name="健身指导", domain="sports")
    meals.host_types.set([centre])
    reading.host_types.set([centre, school])
    clinic.host_types.set([centre])
    sports.host_types.set([centre])
    standard = TierStandard.objects.create(facility_type=centre, min_domains=4, min_floor_area_m2=600, min_staff=3)
    standard.required_items.set([meals])
    operator = Operator.objects.create(
        name="邻安养老服务中心", kind="social_org", credit_code=credit_code(), grade="4A", area_code="990102000000",
        contact_name="赵经理", contact_phone="13800001111",
    )  # fmt: skip
    facility = Facility.objects.create(
        code="F990102001001-01", name="东湖邻里中心", facility_type=centre, area_id=_area_id("990102001001"),
        area_code="990102001001", lon=120.005, lat=30.005, floor_area_m2=450, capacity=100, served_persons=120,
        staff_count=2, operation_model="purchase", operator=operator,
    )  # fmt: skip
    return {"centre": centre, "school": school, "meals": meals, "reading": reading, "clinic": clinic,
            "sports": sports, "operator": operator, "facility": facility}  # fmt: skip


def _area_id(code: str) -> int:
    from linli.areas.models import Area

    return Area.objects.get(code=code).pk
