"""Facility changes: every bad input the registry must refuse, with the field named and nothing written;
scope; audit."""

from __future__ import annotations

import pytest
from django.utils import translation

from linli.catalog.services import offering_set
from linli.core.errors import ApplicationError
from linli.core.models import AuditLog
from linli.facilities.inputs import FacilityIn, OperatorIn
from linli.facilities.models import Facility, Operator
from linli.facilities.services import facility_create, facility_update, opening_hours_set, operator_create
from linli.facilities.validators import wgs84_to_gcj02
from tests.facilities.conftest import credit_code


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def new_facility(**changes):
    data = {
        "code": "F990102001002-01", "name": "湖滨邻里中心", "type": "nc-community", "area_code": "990102001002",
        "lon": 120.015, "lat": 30.005, "floor_area_m2": "800", "operation_model": "government",
        "status": "built", "accessibility": "step_free, 无障碍卫生间",
    }  # fmt: skip
    data.update(changes)
    return FacilityIn(**data)


def refused(call, **kwargs) -> dict[str, str]:
    with pytest.raises(ApplicationError) as exc:
        call(**kwargs)
    return {e["field"]: e["message"] for e in exc.value.extra["errors"]}


def test_create_with_labels_in_either_language(registry, users):
    facility = facility_create(actor=users["district"], facility=new_facility())
    assert facility.floor_area_m2 == 800 and facility.area.code == "990102001002"
    assert facility.accessibility == ["step_free", "accessible_toilet"]
    log = AuditLog.objects.get(object_type="facilities.facility", action="create")
    assert log.object_id == facility.code and log.actor == users["district"]


def test_gcj02_input_is_converted(registry, users):
    glon, glat = wgs84_to_gcj02(120.015, 30.005)
    facility = facility_create(actor=users["district"], facility=new_facility(lon=glon, lat=glat, crs="gcj02"))
    assert facility.lon == pytest.approx(120.015, abs=1e-7) and facility.lat == pytest.approx(30.005, abs=1e-7)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"lon": 30.005, "lat": 120.015}, "lon", "swapped"),
        ({"lon": 121.5, "lat": 31.2}, "lon", "outside the district"),
        ({"lon": 2.35, "lat": 48.85}, "lon", "outside China"),
        ({"type": "no-such-type"}, "type", "unknown facility type"),
        ({"area_code": "990102009009"}, "area_code", "no such area"),
        ({"floor_area_m2": "-5"}, "floor_area_m2", "at least 0"),
        ({"status": "demolished"}, "status", "unknown value"),
        ({"operation_model": "公建民营"}, "operator", "needs an operator"),
        ({"planned_on": "2026-05-01", "approved_on": "2026-01-01"}, "approved_on", "must not be before"),
        ({"accessibility": "teleporter"}, "accessibility", "unknown value"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(registry, users, changes, field, words):
    errors = refused(facility_create, actor=users["district"], facility=new_facility(**changes))
    assert words in errors[field]
    assert not Facility.objects.filter(code="F990102001002-01").exists()


def test_duplicate_code_is_refused(registry, users):
    errors = refused(facility_create, actor=users["district"], facility=new_facility(code="F990102001001-01"))
    assert "exists" in errors["code"]


def test_community_staff_edit_only_their_scope(registry, users):
    facility = registry["facility"]
    facility_update(actor=users["community"], facility=facility, changes=FacilityIn(floor_area_m2=620))
    facility.refresh_from_db()
    assert facility.floor_area_m2 == 620
    log = AuditLog.objects.get(action="update", object_id=facility.code)
    assert log.fields == ["floor_area_m2"] and log.detail["floor_area_m2"] == ["450", "620"]
    with pytest.raises(ApplicationError) as exc:
        facility_update(actor=users["other_community"], facility=facility, changes=FacilityIn(name="x"))
    assert exc.value.status == 403
    # Moving it out of their own scope is refused too.
    errors = refused(
        facility_update,
        actor=users["community"],
        facility=facility,
        changes=FacilityIn(area_code="990102001002"),
    )
    assert "outside your scope" in errors["area_code"]


def test_opening_hours_must_not_overlap_or_end_before_they_start(registry, users):
    facility = registry["facility"]
    with pytest.raises(ApplicationError) as exc:
        opening_hours_set(
            actor=users["district"],
            facility=facility,
            rules=[
                {"weekday": 1, "opens": "08:30", "closes": "11:30"},
                {"weekday": 1, "opens": "11:00", "closes": "17:00"},
                {"weekday": 2, "opens": "18:00", "closes": "09:00"},
            ],
        )
    messages = " | ".join(e["message"] for e in exc.value.extra["errors"])
    assert "overlaps" in messages and "before it opens" in messages
    assert not facility.opening_rules.exists()
    opening_hours_set(
        actor=users["district"], facility=facility,
        rules=[{"weekday": d, "opens": "08:30", "closes": "20:30"} for d in range(1, 7)],
        exceptions=[{"date": "2026-12-24", "closed": True, "reason": "设备检修"}],
    )  # fmt: skip
    assert facility.opening_rules.count() == 6 and facility.opening_exceptions.count() == 1


def test_an_item_the_type_cannot_host_is_refused(registry, users):
    school = Facility.objects.create(
        code="S1", name="东湖小学", facility_type=registry["school"], area=registry["facility"].area,
        area_code="990102001001", lon=120.004, lat=30.004,
    )  # fmt: skip
    with pytest.raises(ApplicationError) as exc:
        offering_set(actor=users["district"], facility=school, item=registry["meals"])
    assert exc.value.code == "cannot_host" and "小学" in exc.value.message
    assert not school.offerings.exists()
    offering_set(actor=users["district"], facility=school, item=registry["reading"], schedule="周一至周五")
    assert school.offerings.get().schedule == "周一至周五"


def test_operator_credit_code_is_checked(registry, users):
    errors = refused(
        operator_create, actor=users["district"],
        operator=OperatorIn(name="某公司", kind="company", credit_code="91990102MA00000020", area_code="990102000000"),
    )  # fmt: skip
    assert "check character" in errors["credit_code"]
    errors = refused(
        operator_create, actor=users["district"],
        operator=OperatorIn(
            name="某公司", kind="company", credit_code=credit_code(), area_code="990102000000", grade="5A"
        ),
    )  # fmt: skip
    assert "exists" in errors["credit_code"] and "graded" in errors["grade"]
    created = operator_create(
        actor=users["district"],
        operator=OperatorIn(
            **{
                "name": "新公司",
                "kind": "企业",
                "credit_code": credit_code("91990102MA0000009"),
                "area_code": "990102000000",
            }
        ),
    )
    assert created.kind == "company"
    with pytest.raises(ApplicationError):
        operator_create(
            actor=users["community"],
            operator=OperatorIn(name="x", kind="company", area_code="990102000000"),
        )
    assert Operator.objects.count() == 2


def test_a_reimported_district_boundary_is_used_at_once(registry, users):
    """The prepared district shape is cached per process; a new boundary must replace it, not be ignored."""
    from linli.areas.io import AreaRow
    from linli.areas.services import area_rows_write
    from tests.conftest import DISTRICT, square

    east = new_facility(code="F990102001002-07", lon=120.3, lat=30.05)  # outside the 0.2-degree square
    assert "outside the district" in refused(facility_create, actor=users["district"], facility=east)["lon"]
    area_rows_write(rows=[AreaRow(row=1, code=DISTRICT, name="邻里区", boundary=square(120.0, 30.0, 0.5))])
    assert facility_create(actor=users["district"], facility=east).code == "F990102001002-07"
