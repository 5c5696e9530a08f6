"""Centre staff, from the facility page: add a venue with its booking rules (a wrong field is marked and
nothing saved), see it on the residents' booking page; create a kiosk link, open it on a fresh browser as
the door terminal, and revoke it."""

from __future__ import annotations

import pytest

from linli.bookings.models import KioskToken, Venue
from tests.bookings import conftest as bookings_conftest
from tests.e2e.conftest import log_in, shot
from tests.facilities import conftest as facilities_conftest

pytestmark = pytest.mark.django_db(transaction=True)

registry = facilities_conftest.registry
centre = bookings_conftest.centre


def test_staff_add_a_venue_and_run_a_kiosk_link(new_page, users, centre):
    staff = new_page()
    log_in(staff, "community", "pw-community")
    staff.goto(f"{staff.base_url}/facilities/{centre.code}/")
    staff.click("[data-testid=facility-venues-manage]")
    staff.click("[data-testid=venue-new]")
    form = "[data-testid=venue-form]"
    staff.fill(f"{form} input[name=name]", "乒乓球室")
    staff.select_option(f"{form} select[name=kind]", "court")
    staff.fill(f"{form} input[name=capacity]", "8")
    staff.fill(f"{form} input[name=slot_minutes]", "30")
    staff.fill(f"{form} input[name=min_duration_minutes]", "60")
    staff.fill(f"{form} input[name=max_duration_minutes]", "30")  # shorter than the shortest: refused
    staff.fill(f"{form} input[name=max_days_ahead]", "7")
    staff.check(f"{form} input[name=active]")
    staff.click("[data-testid=save]")
    staff.wait_for_selector("[data-testid=form-errors]")
    assert "不能短于最短预约时长" in staff.inner_text(form)
    assert not Venue.objects.exists()
    staff.fill(f"{form} input[name=max_duration_minutes]", "120")
    staff.click("[data-testid=save]")
    staff.wait_for_selector("[data-testid=venue-table]")
    venue = Venue.objects.get()
    assert (venue.name, venue.kind, venue.capacity, venue.max_duration_minutes) == ("乒乓球室", "court", 8, 120)
    assert "乒乓球室" in staff.inner_text("[data-testid=venue-table]")

    resident = new_page(phone=True)
    log_in(resident, "resident", "pw-resident")
    resident.goto(f"{resident.base_url}/facilities/{centre.code}/")
    resident.click("[data-testid=facility-venues]")
    resident.wait_for_selector("[data-testid=venues]")
    assert "乒乓球室" in resident.inner_text("[data-testid=venues]")

    staff.goto(f"{staff.base_url}/facilities/{centre.code}/")
    staff.click("[data-testid=facility-kiosk-links]")
    staff.fill("[data-testid=kiosk-form] input[name=name]", "大门平板")
    staff.fill("[data-testid=kiosk-form] input[name=valid_days]", "30")
    staff.click("[data-testid=kiosk-create]")
    link = staff.input_value("[data-testid=kiosk-link-url]")
    shot(staff, "22-kiosk-link-created")
    token = KioskToken.objects.get()
    assert token.name == "大门平板" and token.expires_at is not None and token.key_hash not in link

    terminal = new_page()
    terminal.goto(link)
    terminal.click("[data-testid=kiosk-open] button")
    terminal.wait_for_selector("[data-testid=kiosk]")
    assert centre.name in terminal.inner_text("h1")
    terminal.goto(f"{terminal.base_url}/activities/manage/")  # nothing else opens for the device
    assert "/login/" in terminal.url

    staff.goto(f"{staff.base_url}/activities/kiosk/{centre.code}/links/")
    with staff.expect_navigation():
        staff.click("[data-testid=kiosk-revoke]")
    assert KioskToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = terminal.goto(f"{terminal.base_url}/activities/kiosk/device/")
    assert response is not None and response.status == 403
