"""The workbench in the browser: a resident on a phone (390 px) lands on her registrations with the
check-in code, her requests, surveys and services near home, in Chinese and without sideways scrolling;
community staff on a desktop see today's sessions and the overdue request; the auditor goes from the
recent events to the audit log, filters it and downloads the Excel file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.bookings import codes
from linli.bookings.models import Activity, Session
from linli.bookings.registrations import registration_create
from linli.cases.models import RequestType
from linli.cases.services import request_file
from linli.core.calendar import calendar_load
from linli.core.services import person_contact
from tests.e2e.conftest import log_in, shot, wait_until
from tests.facilities.conftest import registry  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)

NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.fixture
def desk(users, registry):  # noqa: F811
    calendar_load([2026])
    kind = RequestType.objects.create(
        code="elderly-card", name="老年人优待证", deadline_days=5, department="民政", handling_level="community"
    )
    centre = registry["facility"]
    now = timezone.now()
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    activity = Activity.objects.create(facility=centre, area_code=centre.area_code, title="晨练太极", domain="sports")
    starts = max(midnight, now - dt.timedelta(hours=1))
    today = Session.objects.create(
        activity=activity, area_code=centre.area_code, starts_at=starts, ends_at=starts + dt.timedelta(hours=3),
        capacity=20, opens_at=starts - dt.timedelta(days=7), closes_at=starts + dt.timedelta(hours=3),
    )  # fmt: skip
    registration = registration_create(actor=users["resident"], session_id=today.pk)
    old = timezone.make_aware(dt.datetime(2026, 9, 14, 10))
    overdue = request_file(actor=users["resident"], request_type=kind, description="逾期的办件", now=old)
    person_contact(viewer=users["community"], subject=users["resident"])
    for user in users.values():
        user.set_password("pw")
        user.save()
    return {"registration": registration, "overdue": overdue}


def test_resident_workbench_on_a_phone(new_page, desk):
    page = new_page(phone=True)
    log_in(page, "resident", "pw")
    page.goto(page.base_url + "/")
    page.wait_for_selector("[data-testid=workbench]")
    short = codes.short_code(desk["registration"].code_nonce)
    mine = page.locator("[data-panel='bookings.mine']")
    assert "晨练太极" in mine.inner_text() and short in mine.inner_text()
    assert "老年人优待证" in page.locator("[data-panel='cases.mine']").inner_text()
    assert "东湖邻里中心" in page.locator("[data-panel='catalog.near']").inner_text()
    text = page.locator("main").inner_text()
    for english in ("My registrations", "My requests", "Services near my home", "Workbench"):
        assert english not in text
    wait_until(page, NO_SIDEWAYS)
    shot(page, "workbench-resident-phone")
    mine.get_by_role("link", name="我的签到码与报名").click()
    page.wait_for_selector("[data-testid=short-code]")
    assert page.locator("[data-testid=short-code]").inner_text().strip() == short


def test_community_staff_and_auditor_workbenches(new_page, desk):
    page = new_page()
    log_in(page, "community", "pw")
    page.goto(page.base_url + "/")
    sessions = page.locator("[data-panel='bookings.sessions']")
    assert "晨练太极" in sessions.inner_text()
    assert page.locator("[data-testid=checkins-today]").inner_text().strip() == "0 / 1"
    due = page.locator("[data-panel='cases.due']")
    assert page.locator("[data-testid=requests-overdue]").inner_text().strip() == "1"
    assert "已超时" in due.inner_text()
    shot(page, "workbench-community")

    auditor = new_page(phone=True)
    log_in(auditor, "auditor", "pw")
    auditor.goto(auditor.base_url + "/")
    recent = auditor.locator("[data-panel='core.audit']")
    assert "community" in recent.inner_text() and "查看" in recent.inner_text()
    wait_until(auditor, NO_SIDEWAYS)
    recent.get_by_role("link", name="审计日志").click()
    auditor.wait_for_selector("[data-testid=audit-rows]")
    auditor.fill("input[name=actor]", "community")
    auditor.select_option("select[name=action]", "read")
    with auditor.expect_navigation():
        auditor.click("[data-testid=audit-filter] button[type=submit]")
    assert auditor.locator("[data-testid=audit-rows] tbody tr").count() == 1
    with auditor.expect_download() as download:
        auditor.click("[data-testid=audit-export]")
    assert download.value.suggested_filename.endswith(".xlsx")
    shot(auditor, "audit-log-phone")
