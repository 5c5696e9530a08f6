"""Organisations in the browser, leaders and residents on a phone: a leader files an organisation and submits
it, community staff approve it from the review queue, a resident asks to join and the leader accepts, the
leader publishes a shift, the resident signs up, and after the shift the leader confirms the hours (more
than the shift's length refused, in Chinese, naming the field). Phone pages do not scroll sideways."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.organizations.models import HoursRecord, Membership, Organization, Shift
from tests.e2e.conftest import log_in, shot, wait_until
from tests.organizations.conftest import COMMUNITY, leader, move_to_past  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "东湖银龄互助队"
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def test_file_review_join_shift_and_confirm_hours(new_page, area_tree, users, leader):  # noqa: F811
    lead = new_page(phone=True)
    log_in(lead, "leader", "pw-leader")
    lead.goto(lead.base_url + "/organizations/new/")
    form = lead.locator("[data-testid=org-form]")
    form.locator("input[name=name]").fill(NAME)
    form.locator("select[name=kind]").select_option("volunteer")
    form.locator("input[name=community]").fill(COMMUNITY)
    form.locator("textarea[name=purpose]").fill("低龄老人帮助高龄老人")
    form.locator("input[name=guide_name]").fill("赵红梅")
    form.locator("input[name=guide_phone]").fill("13600002222")
    form.locator("button[type=submit]").click()
    lead.locator("[data-testid=submit]").click()
    wait_until(lead, "document.querySelector('[data-testid=state]').textContent.includes('审核中')")
    assert lead.evaluate(NO_SIDEWAYS)
    org = Organization.objects.get(name=NAME)

    staff = new_page()
    log_in(staff, "community", "pw-community")
    staff.goto(staff.base_url + "/organizations/review/")
    staff.locator("[data-testid=review-queue] tr", has_text=NAME).locator("button").click()
    wait_until(staff, "!document.body.textContent.includes('" + NAME + "')")
    org.refresh_from_db()
    assert org.state == "approved"

    resident = new_page(phone=True)
    log_in(resident, "resident", "pw-resident")
    resident.goto(resident.base_url + "/organizations/")
    resident.locator("[data-testid=nearby] .card", has_text=NAME).locator("button").click()
    wait_until(resident, "document.body.textContent.includes('申请中')")
    assert resident.evaluate(NO_SIDEWAYS)

    lead.goto(lead.base_url + f"/organizations/{org.pk}/")
    lead.locator("[data-testid=roster] li", has_text="resident").locator("button", has_text="同意").click()
    wait_until(lead, "!document.querySelector('[data-testid=roster]').textContent.includes('申请加入')")
    assert Membership.objects.get(organization=org, person=users["resident"]).state == "active"

    starts = timezone.localtime() + dt.timedelta(days=2)
    lead.goto(lead.base_url + f"/organizations/{org.pk}/shifts/new/")
    shift_form = lead.locator("[data-testid=shift-form]")
    shift_form.locator("input[name=title]").fill("高龄老人探访")
    shift_form.locator("input[name=place]").fill("东湖社区服务中心")
    shift_form.locator("input[name=starts_at]").fill(starts.strftime("%Y-%m-%dT09:00"))
    shift_form.locator("input[name=ends_at]").fill(starts.strftime("%Y-%m-%dT11:00"))
    shift_form.locator("input[name=places]").fill("6")
    shift_form.locator("button[type=submit]").click()
    lead.wait_for_url("**/organizations/shifts/*/")
    shift = Shift.objects.get(organization=org)

    resident.goto(resident.base_url + f"/organizations/shifts/{shift.pk}/")
    resident.locator("[data-testid=signup]").click()
    wait_until(resident, "document.querySelector('[data-testid=taken]').textContent.startsWith('1/')")

    move_to_past(shift)
    lead.goto(lead.base_url + f"/organizations/shifts/{shift.pk}/")
    confirm = lead.locator("[data-testid=confirm-form]")
    confirm.locator("input[name=hours]").fill("2.5")
    confirm.locator("button[type=submit]").click()
    wait_until(lead, "document.querySelector('.messages').textContent.includes('时长不能超过班次时长')")
    assert HoursRecord.objects.count() == 0
    lead.locator("[data-testid=confirm-form] input[name=hours]").fill("2")
    lead.locator("[data-testid=confirm-form] button[type=submit]").click()
    wait_until(lead, "!!document.querySelector('[data-testid=confirmed]')")
    assert HoursRecord.objects.get().hours == Decimal(2)
    assert lead.evaluate(NO_SIDEWAYS)
    shot(lead, "organizations-confirm-hours-phone")

    resident.goto(resident.base_url + "/organizations/")
    wait_until(resident, "document.querySelector('[data-testid=total-hours]').textContent.trim() === '2.00'")
    assert resident.evaluate(NO_SIDEWAYS)
    shot(resident, "organizations-resident-phone")
