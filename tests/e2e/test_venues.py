"""Venue booking in the browser: a resident books a room of the centre on a phone and finds it under their
bookings; a neighbour's overlapping booking is refused, naming the booked time; a booking of a venue that
needs approval waits in the staff queue until approved; cancelling frees the slots again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.bookings.models import Notification, Venue, VenueBooking
from linli.core.enums import Role
from linli.facilities.models import OpeningRule
from tests.conftest import make_user
from tests.e2e.conftest import log_in, shot
from tests.facilities import conftest as facilities_conftest

pytestmark = pytest.mark.django_db(transaction=True)

registry = facilities_conftest.registry  # the centre F990102001001-01 in 东湖社区 (990102001001)


@pytest.fixture
def rooms(registry):
    """The centre opens 08:00-21:00 every day; a hall booked freely and a dance room booked with staff
    approval, both in 30-minute slots, 60 to 180 minutes, up to 30 days ahead."""
    centre = registry["facility"]
    for weekday in range(7):
        OpeningRule.objects.create(facility=centre, weekday=weekday, opens=dt.time(8), closes=dt.time(21))
    common = {"facility": centre, "area_code": centre.area_code, "slot_minutes": 30, "min_duration_minutes": 60,
              "max_duration_minutes": 180, "max_days_ahead": 30}  # fmt: skip
    return {
        "hall": Venue.objects.create(name="多功能厅", kind="room", capacity=40, **common),
        "dance": Venue.objects.create(name="舞蹈室", kind="room", capacity=20, needs_approval=True, **common),
    }


def local(day: dt.date, time: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.fromisoformat(time)))


def book(page, venue: Venue, start: str, end: str, group: str = "") -> None:  # type: ignore[no-untyped-def]
    form = page.locator(f"[data-venue='{venue.pk}'] form")
    form.locator("input[name=start]").fill(start)
    form.locator("input[name=end]").fill(end)
    form.locator("input[name=group_name]").fill(group)
    form.locator("[data-testid=book]").click()


def free_slots(page, venue: Venue) -> list[str]:  # type: ignore[no-untyped-def]
    slots = page.locator(f"[data-venue='{venue.pk}'] [data-testid=slots] span[data-free='1']")
    return [s.strip() for s in slots.all_inner_texts()]


def test_book_refuse_overlap_approve_and_cancel(new_page, rooms, registry, users):
    hall, dance = rooms["hall"], rooms["dance"]
    centre = registry["facility"]
    day = timezone.localdate() + dt.timedelta(days=2)
    url = f"/activities/venues/at/{centre.code}/?date={day.isoformat()}"

    # A resident books the hall on a phone.
    phone = new_page(phone=True)
    log_in(phone, "resident", "pw-resident")
    phone.goto(phone.base_url + url)
    assert phone.inner_text("[data-testid=venue-day]").startswith(day.isoformat())
    assert {"09:00", "09:30", "10:00"} <= set(free_slots(phone, hall))
    shot(phone, "40-venues-phone")
    book(phone, hall, "09:00", "10:30", "书法社")
    phone.wait_for_url("**/activities/venues/mine/")
    assert "已预约1次。" in phone.inner_text("ul.messages")
    booking = VenueBooking.objects.get(venue=hall)
    assert (booking.booker, booking.status, booking.group_name) == (users["resident"], "approved", "书法社")
    assert (booking.starts_at, booking.ends_at) == (local(day, "09:00"), local(day, "10:30"))
    entry = phone.locator(f"[data-testid=venue-bookings] [data-booking='{booking.pk}']")
    assert entry.get_attribute("data-status") == "approved"
    assert "多功能厅" in entry.inner_text() and "09:00–10:30" in entry.inner_text() and "书法社" in entry.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "41-venue-mine-phone")
    # The booked slots are no longer free.
    phone.goto(phone.base_url + url)
    free = free_slots(phone, hall)
    assert not {"09:00", "09:30", "10:00"} & set(free) and "10:30" in free

    # A neighbour asks for 10:00-11:00 of the same hall: refused, naming the booked time; nothing is written.
    neighbour = make_user("neighbour", Role.RESIDENT, home="990102001001", display_name="钱大姐")
    other = new_page()
    log_in(other, "neighbour", "pw-neighbour")
    other.goto(other.base_url + url)
    book(other, hall, "10:00", "11:00", "太极队")
    other.wait_for_selector("ul.messages li.error")
    message = other.inner_text("ul.messages li.error")
    assert "已被预约" in message and "09:00–10:30" in message, message
    assert "/activities/venues/at/" in other.url and f"date={day.isoformat()}" in other.url
    assert VenueBooking.objects.filter(booker=neighbour).count() == 0
    shot(other, "42-venue-overlap-refused")

    # The dance room needs approval: the booking waits in the staff queue.
    book(other, dance, "14:00", "15:00", "太极队")
    other.wait_for_url("**/activities/venues/mine/")
    assert "等待中心工作人员审核" in other.inner_text("ul.messages")
    pending = VenueBooking.objects.get(venue=dance)
    assert (pending.booker, pending.status) == (neighbour, "pending")
    assert other.locator(f"[data-booking='{pending.pk}']").get_attribute("data-status") == "pending"

    staff = new_page()
    log_in(staff, "community", "pw-community")
    staff.goto(staff.base_url + "/activities/venues/queue/")
    row = staff.locator(f"[data-testid=venue-queue] tr[data-booking='{pending.pk}']")
    assert "舞蹈室" in row.inner_text() and "太极队" in row.inner_text() and "14:00–15:00" in row.inner_text()
    assert staff.locator("[data-testid=venue-queue] tr[data-booking]").count() == 1  # the hall needs no approval
    shot(staff, "43-venue-queue")
    row.locator("[data-testid=approve]").click()
    staff.wait_for_selector("ul.messages li.success")
    assert "已通过1个预约" in staff.inner_text("ul.messages")
    assert staff.locator("[data-testid=venue-queue] tr[data-booking]").count() == 0
    assert "没有待审核的预约" in staff.inner_text("[data-testid=venue-queue]")
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == ("approved", users["community"]) and pending.decided_at
    assert Notification.objects.filter(user=neighbour, text__contains="舞蹈室").count() == 1
    other.goto(other.base_url + "/activities/venues/mine/")
    assert other.locator(f"[data-booking='{pending.pk}']").get_attribute("data-status") == "approved"

    # The resident cancels the hall: the slots are free again, the neighbour can now have them.
    phone.goto(phone.base_url + "/activities/venues/mine/")
    phone.locator(f"[data-booking='{booking.pk}'] [data-testid=venue-cancel]").click()
    phone.wait_for_selector(f"[data-booking='{booking.pk}'][data-status=cancelled]")
    assert "已取消1个预约" in phone.inner_text("ul.messages")
    assert phone.locator(f"[data-booking='{booking.pk}'] [data-testid=venue-cancel]").count() == 0
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancelled_at is not None
    other.goto(other.base_url + url)
    assert {"09:00", "09:30", "10:00"} <= set(free_slots(other, hall))
    book(other, hall, "10:00", "11:00", "太极队")
    other.wait_for_url("**/activities/venues/mine/")
    assert VenueBooking.objects.get(venue=hall, booker=neighbour).status == "approved"
