"""The purchase of services in the browser (Chinese): the district buyer moves a project through its first
steps (a skipped step is refused naming it), sets a target and publishes a tender; an operator submits a
sealed bid from its workspace; the buyer sees that a bid exists but not its price; a resident on a phone
reads the public page and votes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.e2e.conftest import log_in, shot
from tests.procurement.conftest import buy, registry  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


def test_buyer_steps_tender_and_sealed_bid(new_page, buy):  # noqa: F811
    project = buy["project"]
    staff = new_page()
    log_in(staff, "district", "pw-district")
    staff.goto(f"{staff.base_url}/procurement/projects/{project.pk}/")
    advance = staff.locator("[data-testid=advance]")
    advance.locator("select[name=stage]").select_option("tender")
    advance.locator("button[type=submit]").click()
    assert "不能跳过“目标确立”" in staff.locator("[data-testid=errors]").inner_text()
    advance = staff.locator("[data-testid=advance]")
    advance.locator("select[name=stage]").select_option("targets")
    advance.locator("button[type=submit]").click()
    staff.wait_for_selector("text=已进入下一步")
    targets = staff.locator("[data-testid=targets]")
    targets.locator("select[name=metric]").select_option("sessions")
    targets.locator("input[name=target]").fill("8")
    targets.locator("button[type=submit]").click()
    staff.wait_for_selector("text=目标已保存")
    assert "每月开展场次" in staff.locator("[data-testid=targets]").inner_text()
    advance = staff.locator("[data-testid=advance]")
    advance.locator("select[name=stage]").select_option("tender")
    advance.locator("button[type=submit]").click()
    staff.wait_for_selector("[data-testid=tender-form]")
    form = staff.locator("[data-testid=tender-form]")
    form.locator("textarea[name=notice]").fill("东湖社区居家养老服务采购公告")
    now = timezone.localtime()
    form.locator("input[name=opens_at]").fill((now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=closes_at]").fill((now + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=weight_credit]").fill("30")
    form.locator("button[type=submit]").click()
    assert "必须为 100%" in staff.locator("[data-testid=errors]").inner_text()
    form = staff.locator("[data-testid=tender-form]")
    form.locator("input[name=weight_credit]").fill("20")
    form.locator("button[type=submit]").click()
    staff.wait_for_selector("text=招标已发布")

    op = new_page()
    log_in(op, "operator", "pw-operator")
    op.goto(op.base_url + "/procurement/operator/")
    tenders = op.locator("[data-testid=open-tenders]")
    tenders.locator("input[name=price]").fill("276543")
    tenders.locator("textarea[name=proposal]").fill("我们的服务方案")
    tenders.locator("button[type=submit]").click()
    op.wait_for_selector("text=投标已提交")
    assert "截止前密封" in op.locator("[data-testid=my-bids]").inner_text()

    staff.goto(f"{staff.base_url}/procurement/projects/{project.pk}/")
    bids = staff.locator("[data-testid=bids]").inner_text()
    assert "密封" in bids and "276543" not in bids and "邻安" not in bids
    shot(staff, "procurement-project")


def test_resident_votes_on_the_public_page_on_a_phone(new_page, buy):  # noqa: F811
    phone = new_page(phone=True)
    log_in(phone, "resident", "pw-resident")
    phone.goto(f"{phone.base_url}/procurement/public/{buy['project'].pk}/")
    phone.locator("button[value=support]").click()
    phone.wait_for_selector("text=您的意见已记录")
    phone.locator("button[value=oppose]").click()
    assert "已对该项目表决" in phone.locator("[data-testid=errors]").inner_text()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 400
