"""The one rule "a facility type may host a service item" (catalog.hosting), as every path applies it:
offering an item, changing a facility's type, changing an item's host types, the import."""

from __future__ import annotations

import pytest
from django.utils import translation

from linli.catalog.hosting import Hosting, host_problem, host_removal_problem, type_change_problems
from linli.catalog.inputs import ServiceItemIn
from linli.catalog.models import Offering
from linli.catalog.services import service_item_update
from linli.core.errors import ApplicationError
from linli.facilities.inputs import FacilityIn
from linli.facilities.models import Facility
from linli.facilities.services import TYPE_CHANGE_CHECKS, facility_update
from tests.facilities import conftest as facilities_conftest

registry = facilities_conftest.registry


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_a_type_hosts_the_items_that_name_it(registry):
    assert host_problem(registry["school"], registry["reading"]) is None
    assert host_problem(registry["school"], registry["meals"]) == "小学 cannot host 老年助餐"
    hosting = Hosting()
    assert hosting.may_host(registry["centre"], registry["meals"]) and not hosting.may_host(
        registry["school"], registry["meals"]
    )


def test_the_catalogue_hands_its_rule_to_the_facility_checks():
    assert type_change_problems in TYPE_CHANGE_CHECKS


def test_a_facility_cannot_change_to_a_type_that_cannot_host_its_offerings(registry, users):
    facility = registry["facility"]
    Offering.objects.create(facility=facility, item=registry["meals"], area_code=facility.area_code)
    Offering.objects.create(facility=facility, item=registry["reading"], area_code=facility.area_code)
    with pytest.raises(ApplicationError) as exc:
        facility_update(actor=users["district"], facility=facility, changes=FacilityIn(type="primary-school"))
    [error] = exc.value.extra["errors"]
    assert error["field"] == "type"
    assert error["message"] == "小学 cannot host what this facility offers: 老年助餐"  # reading it could host
    facility.refresh_from_db()
    assert facility.facility_type == registry["centre"]


def test_removing_a_host_type_is_refused_only_for_the_types_removed(registry, users):
    """The page's service once refused any change of host types while some facility offered the item
    outside its hosts, even when the change removed nothing; the import refused only the removed types. The
    import was right: an offering the old hosts did not allow either is not this change's doing."""
    school = Facility.objects.create(
        code="S990102001001-01", name="东湖小学", facility_type=registry["school"],
        area_id=facilities_conftest._area_id("990102001001"), area_code="990102001001", lon=120.004, lat=30.004,
    )  # fmt: skip
    meals = registry["meals"]
    Offering.objects.create(facility=school, item=meals, area_code=school.area_code)  # stale: a school is no host
    assert host_removal_problem(meals, [registry["centre"]]) is None
    service_item_update(
        actor=users["district"], item=meals, changes=ServiceItemIn(name="老年助餐(新)", host_types=["nc-community"])
    )
    meals.refresh_from_db()
    assert meals.name == "老年助餐(新)"
    Offering.objects.create(facility=registry["facility"], item=meals, area_code="990102001001")
    with pytest.raises(ApplicationError) as exc:
        service_item_update(actor=users["district"], item=meals, changes=ServiceItemIn(host_types=[]))
    assert exc.value.code == "still_offered" and "东湖邻里中心" in exc.value.message
    assert list(meals.host_types.all()) == [registry["centre"]]


def test_an_imported_type_change_is_refused_the_same_way(registry, users):
    from linli.interop.services import registry_import

    facility = registry["facility"]
    Offering.objects.create(facility=facility, item=registry["meals"], area_code=facility.area_code)
    rows = [(2, {"code": facility.code, "type": "primary-school"})]
    with pytest.raises(ApplicationError) as exc:
        registry_import(actor=users["district"], kind="facilities", sheets={"facilities": rows}, source="t.xlsx")
    [error] = exc.value.extra["errors"]
    assert (error["row"], error["field"]) == (2, "type")
    assert error["message"] == "小学 cannot host what this facility offers: 老年助餐"
