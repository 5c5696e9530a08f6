"""Registry pages: the list in scope, a facility with its compliance panel, the forms that change facilities,
opening hours, offerings and operators through the services (audited; a refusal names the field and
writes nothing)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse

from linli.catalog.models import Offering
from linli.core.models import AuditLog
from linli.facilities.models import Facility, Operator
from tests.conftest import login
from tests.facilities.conftest import _area_id, credit_code


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def page_text(response) -> str:
    """The page without tags, spaces folded: what a person reads."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def facility_form(**changes) -> dict[str, str]:
    data = {
        "code": "F990102001002-01", "name": "湖滨邻里中心", "type": "nc-community", "area_code": "990102001002",
        "lon": "120.015", "lat": "30.005", "crs": "wgs84", "floor_area_m2": "800", "operation_model": "government",
        "status": "built", "accessibility": ["step_free", "lift"],
    }  # fmt: skip
    data.update(changes)
    return data


def other_facility(registry) -> Facility:
    return Facility.objects.create(
        code="F990102002001-01", name="西山邻里中心", facility_type=registry["centre"],
        area_id=_area_id("990102002001"), area_code="990102002001", lon=120.055, lat=30.005,
    )  # fmt: skip


# List and detail --------------------------------------------------------------------------------------


def test_list_is_scoped_and_filtered(client, registry, users):
    other_facility(registry)
    login(client, users["town"])
    page = client.get(reverse("facility-list")).content.decode()
    assert "东湖邻里中心" in page and "西山邻里中心" not in page
    assert reverse("facility-create") in page  # town staff may add facilities
    client.force_login(users["district"])
    page = client.get(reverse("facility-list")).content.decode()
    assert "东湖邻里中心" in page and "西山邻里中心" in page
    page = client.get(reverse("facility-list"), {"area": "990102002000"}).content.decode()
    assert "东湖邻里中心" not in page and "西山邻里中心" in page
    page = client.get(reverse("facility-list"), {"area": "990102001001"}).content.decode()
    assert "东湖邻里中心" in page and "西山邻里中心" not in page  # a community: the same selector as the API
    page = client.get(reverse("facility-list"), {"q": "东湖", "type": "nc-community", "status": "built"}).content
    assert "东湖邻里中心" in page.decode() and "西山邻里中心" not in page.decode()
    client.force_login(users["auditor"])
    page = client.get(reverse("facility-list")).content.decode()
    assert "东湖邻里中心" in page and reverse("facility-create") not in page


def test_list_needs_a_staff_role(client, registry, users):
    assert client.get(reverse("facility-list")).status_code == 302
    login(client, users["resident"])
    assert client.get(reverse("facility-list")).status_code == 403


def test_detail_shows_compliance_item_by_item(client, registry, users):
    Offering.objects.create(facility=registry["facility"], item=registry["reading"], area_code="990102001001")
    Offering.objects.create(facility=registry["facility"], item=registry["clinic"], area_code="990102001001")
    login(client, users["district"])
    response = client.get(reverse("facility-detail", args=[registry["facility"].code]))
    assert response.status_code == 200
    text = page_text(response)
    summary = re.search(r'data-testid="compliance-summary">([^<]*)<', response.content.decode()).group(1)
    assert summary.startswith("社区级邻里中心: 2 of 4 domains offered")
    assert "no 老年助餐" in summary and "floor area 450 m² below the 600 m² standard" in summary
    assert response.content.decode().count('data-testid="compliance-check"') >= 4
    assert "2 staff of the 3 required" in text and "over capacity: 120 registered for 100 places" in text
    assert "图书借阅" in text and "健康咨询" in text  # offerings
    assert "Monday" in text  # opening hours by weekday
    assert "13800001111" in text  # district staff see the operator's phone


def test_detail_masks_operator_phone_for_the_auditor(client, registry, users):
    login(client, users["auditor"])
    text = page_text(client.get(reverse("facility-detail", args=[registry["facility"].code])))
    assert "138****1111" in text and "13800001111" not in text
    assert "赵**" in text and "赵经理" not in text  # the contact person's name is masked too


def test_detail_public_for_built_facilities_only(client, registry, users):
    code = registry["facility"].code
    assert client.get(reverse("facility-detail", args=[code])).status_code == 200  # anonymous, built
    Facility.objects.filter(code=code).update(status="planned")
    assert client.get(reverse("facility-detail", args=[code])).status_code == 404
    login(client, users["other_community"])  # staff, but not their scope
    assert client.get(reverse("facility-detail", args=[code])).status_code == 404
    client.force_login(users["community"])
    assert client.get(reverse("facility-detail", args=[code])).status_code == 200


# Create and edit --------------------------------------------------------------------------------------


def test_create_redirects_and_audits(client, registry, users):
    login(client, users["district"])
    assert client.get(reverse("facility-create")).status_code == 200
    response = client.post(reverse("facility-create"), facility_form())
    assert response.status_code == 302
    assert response["Location"] == reverse("facility-detail", args=["F990102001002-01"])
    facility = Facility.objects.get(code="F990102001002-01")
    assert facility.floor_area_m2 == 800 and facility.accessibility == ["step_free", "lift"]
    log = AuditLog.objects.get(object_type="facilities.facility", object_id=facility.code, action="create")
    assert log.actor == users["district"]


def test_create_from_gcj02_coordinates(client, registry, users):
    from linli.facilities.validators import wgs84_to_gcj02

    glon, glat = wgs84_to_gcj02(120.015, 30.005)
    login(client, users["district"])
    response = client.post(reverse("facility-create"), facility_form(lon=str(glon), lat=str(glat), crs="gcj02"))
    assert response.status_code == 302
    assert Facility.objects.get(code="F990102001002-01").lon == pytest.approx(120.015, abs=1e-6)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"lon": "30.005", "lat": "120.015"}, "lon", "swapped"),
        ({"code": "F990102001001-01"}, "code", "exists"),
        ({"floor_area_m2": "-5"}, "floor_area_m2", "at least 0"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_create_with_bad_data_shows_the_field_error_and_keeps_input(client, registry, users, changes, field, words):
    login(client, users["district"])
    before = AuditLog.objects.count()
    response = client.post(reverse("facility-create"), facility_form(**changes))
    assert response.status_code == 400
    page = response.content.decode()
    errors = re.findall(rf'data-testid="field-error" data-field="{field}">([^<]*)<', page)
    assert errors and words in errors[0]
    assert 'value="湖滨邻里中心"' in page or field == "name"  # what was typed is kept
    assert not Facility.objects.filter(code="F990102001002-01").exists()
    assert AuditLog.objects.count() == before


def test_several_problems_are_shown_at_once(client, registry, users):
    login(client, users["district"])
    response = client.post(reverse("facility-create"), facility_form(name="", floor_area_m2="x", type="nope"))
    page = response.content.decode()
    for field in ("name", "floor_area_m2", "type"):
        assert f'data-field="{field}"' in page and f'data-testid="field-error" data-field="{field}"' in page


def test_community_staff_pick_only_their_areas(client, registry, users):
    login(client, users["community"])
    page = client.get(reverse("facility-create")).content.decode()
    assert 'value="990102001001"' in page and 'value="990102001002"' not in page
    response = client.post(reverse("facility-create"), facility_form(area_code="990102001002"))
    assert response.status_code == 400 and not Facility.objects.filter(code="F990102001002-01").exists()


def test_edit_changes_only_what_was_changed(client, registry, users):
    facility = registry["facility"]
    login(client, users["community"])
    form = client.get(reverse("facility-edit", args=[facility.code]))
    assert form.status_code == 200 and 'value="450"' in form.content.decode()
    data = facility_form(
        code=facility.code, name=facility.name, area_code="990102001001", lon=str(facility.lon),
        lat=str(facility.lat), floor_area_m2="650", operation_model="purchase", operator=facility.operator.credit_code,
        capacity="100", served_persons="120", staff_count="2", accessibility=[],
    )  # fmt: skip
    response = client.post(reverse("facility-edit", args=[facility.code]), data)
    assert response.status_code == 302
    facility.refresh_from_db()
    assert facility.floor_area_m2 == 650
    log = AuditLog.objects.get(object_type="facilities.facility", object_id=facility.code, action="update")
    assert log.fields == ["floor_area_m2"] and log.detail["floor_area_m2"] == ["450", "650"]


def test_community_staff_cannot_edit_another_community(client, registry, users):
    login(client, users["other_community"])
    url = reverse("facility-edit", args=[registry["facility"].code])
    assert client.get(url).status_code == 404
    assert client.post(url, facility_form(floor_area_m2="1")).status_code == 404
    client.force_login(users["auditor"])  # sees it, may not change it
    assert client.get(url).status_code == 403
    registry["facility"].refresh_from_db()
    assert registry["facility"].floor_area_m2 == 450


# Opening hours ----------------------------------------------------------------------------------------


def hours(*rules, exceptions=()) -> dict[str, str]:
    data = {"rule-count": str(len(rules)), "exc-count": str(len(exceptions))}
    for i, (weekday, opens, closes) in enumerate(rules):
        data |= {f"rule-{i}-weekday": str(weekday), f"rule-{i}-opens": opens, f"rule-{i}-closes": closes}
    for i, (date, closed, reason) in enumerate(exceptions):
        data |= {f"exc-{i}-date": date, f"exc-{i}-reason": reason}
        if closed:
            data[f"exc-{i}-closed"] = "1"
    return data


def test_opening_hours_saved_and_shown(client, registry, users):
    facility = registry["facility"]
    login(client, users["community"])
    assert client.get(reverse("facility-hours", args=[facility.code])).status_code == 200
    day = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    data = hours((0, "08:30", "11:30"), (0, "14:00", "17:30"), (1, "", ""), exceptions=[(day, True, "消防检查")])
    response = client.post(reverse("facility-hours", args=[facility.code]), data)
    assert response.status_code == 302
    assert facility.opening_rules.count() == 2 and facility.opening_exceptions.get().reason == "消防检查"
    assert AuditLog.objects.filter(object_id=facility.code, fields=["opening_hours"]).exists()
    text = page_text(client.get(reverse("facility-detail", args=[facility.code])))
    assert "08:30–11:30, 14:00–17:30" in text and "消防检查" in text


def test_overlapping_hours_are_refused_with_the_message(client, registry, users):
    facility = registry["facility"]
    login(client, users["community"])
    data = hours((2, "08:00", "12:00"), (2, "11:00", "15:00"), (3, "10:00", "09:00"))
    response = client.post(reverse("facility-hours", args=[facility.code]), data)
    assert response.status_code == 400
    text = page_text(response)
    assert "on Wednesday, 11:00-15:00 overlaps 08:00-12:00" in text
    assert "closes at 09:00, before it opens at 10:00" in text
    assert 'value="11:00"' in response.content.decode()  # the rows typed are kept
    assert facility.opening_rules.count() == 0


# Offerings --------------------------------------------------------------------------------------------


def test_offering_added_and_removed(client, registry, users):
    facility = registry["facility"]
    login(client, users["community"])
    page = client.get(reverse("facility-offerings", args=[facility.code])).content.decode()
    assert 'value="elderly-meals"' in page
    url = reverse("facility-offerings", args=[facility.code])
    response = client.post(url, {"item": "elderly-meals", "schedule": "每天 11:00-12:30", "fee_type": "subsidised"})
    assert response.status_code == 302
    offering = Offering.objects.get(facility=facility, item=registry["meals"])
    assert offering.schedule == "每天 11:00-12:30" and offering.fee_type == "subsidised"
    assert client.post(url, {"remove": "elderly-meals"}).status_code == 302
    assert not Offering.objects.filter(facility=facility).exists()
    assert AuditLog.objects.filter(object_id=facility.code, action="delete", fields=["offerings"]).exists()


def test_offering_of_an_item_the_type_cannot_host_is_refused(client, registry, users):
    school = Facility.objects.create(
        code="S990102001001-01", name="东湖小学", facility_type=registry["school"], area_id=_area_id("990102001001"),
        area_code="990102001001", lon=120.004, lat=30.004,
    )  # fmt: skip
    login(client, users["district"])
    page = client.get(reverse("facility-offerings", args=[school.code])).content.decode()
    assert 'value="elderly-meals"' not in page  # only items the type can host are offered
    response = client.post(reverse("facility-offerings", args=[school.code]), {"item": "elderly-meals"})
    assert response.status_code == 400
    assert "小学 cannot host 老年助餐" in page_text(response)
    assert not Offering.objects.filter(facility=school).exists()


# Operators --------------------------------------------------------------------------------------------


def operator_form(**changes) -> dict[str, str]:
    data = {
        "name": "乐龄社工服务社", "kind": "social_org", "credit_code": credit_code("52990102MJ0000002"),
        "grade": "3A", "area_code": "990102000000", "contact_name": "钱社工", "contact_phone": "13900002222",
    }  # fmt: skip
    data.update(changes)
    return data


def test_operator_phone_masked_for_auditor_shown_to_district(client, registry, users):
    login(client, users["auditor"])
    text = page_text(client.get(reverse("operator-list")))
    assert "邻安养老服务中心" in text and "138****1111" in text and "13800001111" not in text
    assert "赵**" in text and "赵经理" not in text
    assert reverse("operator-create") not in text
    client.force_login(users["district"])
    text = page_text(client.get(reverse("operator-list")))
    assert "13800001111" in text and "赵经理" in text


def test_operator_create_and_edit(client, registry, users):
    login(client, users["district"])
    response = client.post(reverse("operator-create"), operator_form())
    assert response.status_code == 302
    operator = Operator.objects.get(name="乐龄社工服务社")
    assert AuditLog.objects.filter(object_type="facilities.operator", object_id=str(operator.pk), action="create")
    page = client.get(reverse("operator-edit", args=[operator.pk])).content.decode()
    assert 'value="13900002222"' in page
    response = client.post(reverse("operator-edit", args=[operator.pk]), operator_form(contact_phone="13900003333"))
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.contact_phone == "13900003333"
    log = AuditLog.objects.get(object_type="facilities.operator", object_id=str(operator.pk), action="update")
    assert log.fields == ["contact_phone"]


def test_operator_credit_code_error_shown(client, registry, users):
    login(client, users["district"])
    bad = credit_code("52990102MJ0000002")[:-1] + "0"
    if bad == credit_code("52990102MJ0000002"):
        bad = bad[:-1] + "1"
    response = client.post(reverse("operator-create"), operator_form(credit_code=bad))
    assert response.status_code == 400
    errors = re.findall(r'data-testid="field-error" data-field="credit_code">([^<]*)<', response.content.decode())
    assert errors and "check character" in errors[0]
    assert 'value="乐龄社工服务社"' in response.content.decode()
    assert not Operator.objects.filter(name="乐龄社工服务社").exists()


def test_operators_are_changed_by_district_staff_only(client, registry, users):
    login(client, users["town"])
    assert client.get(reverse("operator-create")).status_code == 403
    assert client.get(reverse("operator-edit", args=[registry["operator"].pk])).status_code == 403
