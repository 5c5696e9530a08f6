"""Layouts seen in a real browser: a phone (390 px) never scrolls sideways on the pages residents use; on a
desktop (1366 px) the staff navigation stays on one row of its own; the scenario form shows its whole
type table; the activity form's radio buttons and checkboxes sit beside their labels."""

from __future__ import annotations

import pytest

from linli.demo.services import demo_load
from linli.demo.users import DEMO_PASSWORD
from linli.facilities.models import Facility
from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)

SCROLL_WIDTH = "document.documentElement.scrollWidth"


@pytest.fixture
def demo(transactional_db):
    return demo_load()


def test_phone_and_desktop_layouts(new_page, demo):
    facility = Facility.objects.filter(area_code__startswith="990102001001").order_by("code").first()
    phone = new_page(phone=True)
    for path in ("/", "/services/", "/activities/", f"/facilities/{facility.code}/", "/requests/faq/"):
        phone.goto(phone.base_url + path)
        assert phone.evaluate(SCROLL_WIDTH) <= 390, path
    log_in(phone, "resident", DEMO_PASSWORD)
    for path in (f"/facilities/{facility.code}/", "/requests/", "/activities/mine/", "/feedback/"):
        phone.goto(phone.base_url + path)
        assert phone.evaluate(SCROLL_WIDTH) <= 390, path
    shot(phone, "30-phone-facility")

    desk = new_page()
    desk.set_viewport_size({"width": 1366, "height": 900})
    log_in(desk, "district", DEMO_PASSWORD)
    desk.goto(desk.base_url + "/areas/")
    tops = desk.evaluate(
        "[...document.querySelectorAll('[data-testid=staff-nav] a')].map(a => a.getBoundingClientRect().top)"
    )
    assert len(tops) >= 7 and max(tops) - min(tops) < 2  # one row
    public = desk.evaluate(
        "[...document.querySelectorAll('header .nav:not(.nav-staff) > a')].map(a => a.getBoundingClientRect().top)"
    )
    assert max(public) - min(public) < 2
    assert desk.evaluate(SCROLL_WIDTH) <= 1366

    desk.goto(desk.base_url + "/planning/new/")
    clipped = desk.evaluate(
        "(() => { const t = document.querySelector('[data-testid=type-table]');"
        " return t.scrollWidth - t.closest('.table-wrap').clientWidth; })()"
    )
    assert clipped <= 0  # every column (living circle, distance) is visible without scrolling

    desk.goto(desk.base_url + "/activities/new/")
    gaps = desk.evaluate(
        "[...document.querySelectorAll('form input[type=radio], form input[type=checkbox]')].map(i => {"
        " const label = i.closest('label'); const text = label.getBoundingClientRect();"
        " const box = i.getBoundingClientRect(); return [text.width, Math.abs(box.top - text.top)]; })"
    )
    assert gaps and all(width < 200 and dy < 12 for width, dy in gaps), gaps
    shot(desk, "31-activity-form")


def test_services_near_me_says_when_the_location_is_refused(new_page, area_tree):
    phone = new_page(phone=True)  # no geolocation permission granted: the browser refuses
    phone.goto(phone.base_url + "/services/")
    assert phone.locator("[data-testid=locate-notice]").is_hidden()
    phone.click("#locate")
    phone.wait_for_selector("[data-testid=locate-notice]", state="visible")
    assert "社区或村" in phone.inner_text("[data-testid=locate-notice]")
    assert phone.evaluate(SCROLL_WIDTH) <= 390
