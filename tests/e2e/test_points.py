"""Points in the browser: a resident on a phone sees her balance and statement, redeems an item and gets a
code; the counter staff type the code and hand the item over; the same code typed again is refused; the
resident's page then shows it collected and her balance lower. Nothing on the pages is English."""

from __future__ import annotations

import pytest

from linli.points.enums import RedemptionStatus
from linli.points.models import CatalogueItem, Redemption
from tests.conftest import make_user
from tests.e2e.conftest import log_in, shot
from tests.points import conftest as points_conftest
from tests.points.conftest import COMMUNITY, hours_confirmed

pytestmark = pytest.mark.django_db(transaction=True)

rule = points_conftest.rule  # 东湖社区: 10 points per attendance, 5 per volunteer hour


def test_redeem_on_a_phone_and_collect_at_the_counter(new_page, rule, users):
    from linli.core.enums import Role

    resident = make_user("chen", Role.RESIDENT, home=COMMUNITY)
    resident.set_password("pw-chen-2026")
    resident.display_name = "陈阿姨"
    resident.save()
    staff = users["community"]
    staff.set_password("pw-staff-2026")
    staff.save()
    hours_confirmed(resident, "10")  # 50 points
    item = CatalogueItem.objects.create(area_code=COMMUNITY, name="食用油 1.8L", cost=40, stock=3)

    phone = new_page(phone=True)
    log_in(phone, "chen", "pw-chen-2026")
    phone.goto(phone.base_url + "/points/")
    assert phone.locator("[data-testid=balance]").inner_text() == "50"
    assert "获得" in phone.locator("[data-testid=statement]").inner_text()
    phone.goto(phone.base_url + "/points/catalogue/")
    phone.locator(f"[data-item='{item.pk}'] [data-testid=redeem]").click()
    code = phone.locator("[data-testid=redemption-code]").first.inner_text().strip()
    assert len(code) == 11 and code[5] == "-"
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shot(phone, "points-resident-code")

    desk = new_page()
    log_in(desk, "community", "pw-staff-2026")
    desk.goto(desk.base_url + "/points/manage/counter/")
    desk.fill("input[name=code]", code)
    desk.locator("[data-testid=code-form] button").click()
    assert "食用油" in desk.locator("[data-testid=found]").inner_text()
    desk.locator("[data-testid=collect]").click()
    assert "已领取" in desk.locator(".messages").inner_text()
    desk.fill("input[name=code]", code)
    desk.locator("[data-testid=code-form] button").click()
    desk.locator("[data-testid=found]").wait_for()
    assert desk.locator("[data-testid=collect]").count() == 0
    desk.fill("input[name=code]", "ZZZZZ-ZZZZZ")
    desk.locator("[data-testid=code-form] button").click()
    assert "兑换码无效" in desk.locator("[data-testid=error]").inner_text()
    shot(desk, "points-counter")
    assert Redemption.objects.get().status == RedemptionStatus.COLLECTED

    phone.goto(phone.base_url + "/points/codes/")
    assert "已领取" in phone.locator("[data-testid=codes]").inner_text()
    phone.goto(phone.base_url + "/points/")
    assert phone.locator("[data-testid=balance]").inner_text() == "10"
    body = phone.locator("main").inner_text()
    for english in ("earned", "redeemed", "points", "Redeem"):
        assert english not in body
