"""Activities in the browser: community staff publish an activity through the form; residents register
from the activity list (one on a phone), read their registration with its QR check-in code; the last seat
fills, the next resident lands on the waiting list, and a cancellation promotes them. At the door, staff
check residents in with the 6-digit code and at the kiosk with the full code; a forged code is refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from linli.bookings import codes
from linli.bookings.models import Activity, Notification, Registration, Session
from linli.core.enums import Role
from tests.conftest import make_user
from tests.e2e.conftest import log_in, shot
from tests.facilities import conftest as facilities_conftest

pytestmark = pytest.mark.django_db(transaction=True)

registry = facilities_conftest.registry  # the centre F990102001001-01 in 东湖社区 (990102001001)

TITLE = "手工编织课"


def resident(username: str, name: str):  # type: ignore[no-untyped-def]
    return make_user(username, Role.RESIDENT, home="990102001001", display_name=name)


def session_row(page, title: str):  # type: ignore[no-untyped-def]
    """The activity list's entry of the (only) session of `title`."""
    return page.locator("[data-testid=session-list] > li", has_text=title)


def register_from_list(page, title: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base_url + "/activities/")
    session_row(page, title).locator("[data-testid=register]").click()
    page.wait_for_url("**/activities/mine/")


def test_publish_register_waitlist_and_promote(new_page, registry, users):
    day = timezone.localdate() + dt.timedelta(days=3)
    staff = new_page()
    log_in(staff, "community", "pw-community")
    staff.goto(staff.base_url + "/activities/manage/")
    staff.click("[data-testid=activity-new]")
    form = staff.locator("[data-testid=activity-form]")
    form.locator("select[name=facility]").select_option("F990102001001-01")
    form.locator("input[name=title]").fill(TITLE)
    form.locator("textarea[name=description]").fill("毛线针由中心提供。")
    form.locator("select[name=domain]").select_option("culture")
    form.locator("input[name=date]").fill(day.isoformat())
    form.locator("input[name=start_time]").fill("09:30")
    form.locator("input[name=end_time]").fill("11:00")
    form.locator("input[name=capacity]").fill("2")
    form.locator("input[name=waitlist_capacity]").fill("2")
    staff.click("[data-testid=save]")
    staff.wait_for_url("**/activities/manage/")
    assert "已发布，共1个场次" in staff.inner_text("ul.messages")
    assert TITLE in staff.inner_text("[data-testid=session-table]")
    activity = Activity.objects.get(title=TITLE)
    session = Session.objects.get(activity=activity)
    assert (activity.domain, activity.facility.code, activity.created_by) == ("culture", registry["facility"].code,
                                                                               users["community"])  # fmt: skip
    assert (session.capacity, session.waitlist_capacity) == (2, 2)
    assert timezone.localtime(session.starts_at).replace(tzinfo=None) == dt.datetime.combine(day, dt.time(9, 30))
    shot(staff, "30-activity-published")

    # The first resident registers on a phone and finds the QR code on "my registrations".
    wang = resident("wang", "王阿姨")
    phone = new_page(phone=True)
    log_in(phone, "wang", "pw-wang")
    phone.goto(phone.base_url + "/activities/")
    assert "2" in session_row(phone, TITLE).locator("[data-testid=seats]").inner_text()
    shot(phone, "31-activities-phone")
    session_row(phone, TITLE).locator("[data-testid=register]").click()
    phone.wait_for_url("**/activities/mine/")
    assert "报名成功" in phone.inner_text("ul.messages")
    mine = Registration.objects.get(resident=wang)
    entry = phone.locator(f"[data-registration='{mine.pk}']")
    assert entry.get_attribute("data-status") == "confirmed"
    svg = entry.locator("[data-testid=checkin-qr] svg")
    assert svg.get_attribute("role") == "img" and svg.locator("path").count() >= 1
    assert svg.bounding_box()["width"] > 100  # a scannable size on the phone
    full = entry.locator("[data-testid=checkin-code]").inner_text().strip()
    short = entry.locator("[data-testid=short-code]").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", full) and re.fullmatch(r"\d{6}", short)
    assert (full, short) == (codes.full_code(mine.code_nonce), codes.short_code(mine.code_nonce))
    assert mine.code_hash == codes.full_hash(full)  # the database keeps only the hash of the code
    assert full in (svg.locator("title").text_content() or "")  # the QR carries the same code
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    shot(phone, "32-my-registration-qr-phone")

    # The second resident takes the last seat; the third is offered the waiting list and joins it.
    li = resident("li", "李大爷")
    second = new_page()
    log_in(second, "li", "pw-li")
    register_from_list(second, TITLE)
    assert Registration.objects.get(resident=li).status == "confirmed"
    zhao = resident("zhao", "赵叔叔")
    third = new_page()
    log_in(third, "zhao", "pw-zhao")
    third.goto(third.base_url + "/activities/")
    row = session_row(third, TITLE)
    assert "已满" in row.locator("[data-testid=seats]").inner_text()
    assert row.locator("[data-testid=register]").inner_text().strip() == "加入候补"
    row.locator("[data-testid=register]").click()
    third.wait_for_url("**/activities/mine/")
    assert "候补名单" in third.inner_text("ul.messages")
    waiting = Registration.objects.get(resident=zhao)
    entry = third.locator(f"[data-registration='{waiting.pk}']")
    assert entry.get_attribute("data-status") == "waitlisted"
    assert "候补第1位" in entry.inner_text()
    assert entry.locator("[data-testid=checkin-code]").count() == 0 and not waiting.code_nonce
    session.refresh_from_db()
    assert (session.confirmed, session.waitlisted) == (2, 1)

    # Staff read the roster: two confirmed, one waiting.
    staff.goto(staff.base_url + f"/activities/sessions/{session.pk}/")
    assert staff.inner_text("[data-testid=confirmed]").replace(" ", "") == "2/2"
    assert staff.locator("[data-testid=roster] tr[data-status=confirmed]").count() == 2
    assert staff.locator("[data-testid=roster] tr[data-status=waitlisted]").count() == 1

    # The first resident cancels on the phone: the waiting resident gets the seat, a code and a notification.
    phone.goto(phone.base_url + "/activities/mine/")
    phone.locator(f"[data-registration='{mine.pk}'] [data-testid=cancel]").click()
    phone.wait_for_selector(f"[data-registration='{mine.pk}'][data-status=cancelled]")
    assert "报名已取消" in phone.inner_text("ul.messages")
    assert phone.locator(f"[data-registration='{mine.pk}'] [data-testid=checkin-qr]").count() == 0
    waiting.refresh_from_db()
    assert waiting.status == "confirmed" and waiting.promoted_at is not None and waiting.code_nonce
    session.refresh_from_db()
    assert (session.confirmed, session.waitlisted) == (2, 0)
    assert Notification.objects.filter(user=zhao, text__contains=TITLE).count() == 1
    third.reload()
    entry = third.locator(f"[data-registration='{waiting.pk}']")
    assert entry.get_attribute("data-status") == "confirmed"
    assert entry.locator("[data-testid=checkin-qr] svg").count() == 1
    assert entry.locator("[data-testid=short-code]").inner_text().strip() == codes.short_code(waiting.code_nonce)
    assert "有名额空出" in third.inner_text("[data-testid=notifications]")
    shot(third, "33-promoted-from-waiting-list")
    staff.reload()
    assert staff.locator("[data-testid=roster] tr[data-status=confirmed]").count() == 2
    assert staff.locator("[data-testid=roster] tr[data-status=cancelled]").count() == 1


def _session_running_now(centre) -> Session:  # type: ignore[no-untyped-def]
    """A session of today that has begun (at most an hour ago, never before midnight) and runs two more
    hours, registration still open: check-in is allowed now, also with the 6-digit code of today."""
    now = timezone.now()
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    starts = max(midnight, now - dt.timedelta(hours=1))
    activity = Activity.objects.create(facility=centre, area_code=centre.area_code, title="广场舞", domain="sports")
    return Session.objects.create(
        activity=activity,
        area_code=centre.area_code,
        starts_at=starts,
        ends_at=now + dt.timedelta(hours=2),
        capacity=10,
        waitlist_capacity=0,
        opens_at=now - dt.timedelta(days=7),
        closes_at=now + dt.timedelta(hours=1),
    )


def _codes_of(page, registration: Registration) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    page.goto(page.base_url + "/activities/mine/")
    entry = page.locator(f"[data-registration='{registration.pk}']")
    return (
        entry.locator("[data-testid=checkin-code]").inner_text().strip(),
        entry.locator("[data-testid=short-code]").inner_text().strip(),
    )


def test_checkin_at_the_desk_and_the_kiosk(new_page, registry, users):
    centre = registry["facility"]
    session = _session_running_now(centre)
    people = {}
    for username, name in (("sun", "孙奶奶"), ("zhou", "周爷爷")):
        user = resident(username, name)
        page = new_page()
        log_in(page, username, "pw-" + username)
        page.goto(page.base_url + f"/activities/sessions/{session.pk}/")
        page.click("[data-testid=register]")
        page.wait_for_url("**/activities/mine/")
        registration = Registration.objects.get(resident=user, session=session)
        assert registration.status == "confirmed"
        people[username] = (registration, *_codes_of(page, registration))

    # At the desk: the 6-digit code of today.
    staff = new_page()
    log_in(staff, "community", "pw-community")
    staff.goto(staff.base_url + "/activities/checkin/")
    sun, _sun_full, sun_short = people["sun"]
    staff.fill("[data-testid=checkin-form] input[name=code]", sun_short)
    staff.click("[data-testid=checkin-form] button[type=submit]")
    staff.wait_for_selector("[data-testid=checkin-ok]")
    assert "孙奶奶" in staff.inner_text("[data-testid=checkin-ok]") and "广场舞" in staff.inner_text(
        "[data-testid=checkin-ok]"
    )
    sun.refresh_from_db()
    assert sun.status == "attended" and sun.checked_in_by == users["community"] and sun.checked_in_at is not None
    shot(staff, "34-checkin-desk")
    # The same code again is refused, naming when it was used.
    staff.fill("[data-testid=checkin-form] input[name=code]", sun_short)
    staff.click("[data-testid=checkin-form] button[type=submit]")
    staff.wait_for_selector("[data-testid=checkin-error]")
    assert "已于" in staff.inner_text("[data-testid=checkin-error]")

    # The kiosk at the centre's door (opened by staff, on a tablet): the full code, typed with spaces.
    kiosk = new_page(phone=True)
    log_in(kiosk, "community", "pw-community")
    kiosk.goto(kiosk.base_url + f"/activities/kiosk/{centre.code}/")
    assert kiosk.locator("[data-testid=kiosk] h1").inner_text() == centre.name
    assert kiosk.locator("nav").count() == 0  # nothing else can be reached from it
    zhou, zhou_full, _zhou_short = people["zhou"]
    kiosk.fill("input[name=code]", zhou_full.replace("-", " ").lower())
    kiosk.click("[data-testid=kiosk] button[type=submit]")
    kiosk.wait_for_selector("[data-testid=checkin-ok]")
    assert "周爷爷" in kiosk.inner_text("[data-testid=checkin-ok]")
    zhou.refresh_from_db()
    assert zhou.status == "attended"
    shot(kiosk, "35-kiosk-ok")

    # A forged code - well-formed, but not one linli issued - is refused clearly, and nothing changes.
    before = list(Registration.objects.order_by("pk").values_list("status", "checked_in_at"))
    for forged in ("ABCD-EFGH-JKLM", "123456"):
        if forged in (zhou_full, people["sun"][2], people["zhou"][2]):  # pragma: no cover - 1 in a million
            continue
        kiosk.fill("input[name=code]", forged)
        kiosk.click("[data-testid=kiosk] button[type=submit]")
        kiosk.wait_for_selector("[data-testid=checkin-error]")
        assert kiosk.inner_text("[data-testid=checkin-error]").strip() == "该签到码无效。"
        assert kiosk.locator("[data-testid=checkin-ok]").count() == 0
    shot(kiosk, "36-kiosk-forged")
    assert list(Registration.objects.order_by("pk").values_list("status", "checked_in_at")) == before
    # The roster shows both as checked in.
    staff.goto(staff.base_url + f"/activities/sessions/{session.pk}/")
    assert staff.locator("[data-testid=roster] tr[data-status=attended]").count() == 2
