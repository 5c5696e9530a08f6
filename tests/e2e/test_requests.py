"""Requests in the browser (限时办结): a resident files a request on a phone; community staff find it in
their queue sorted by working time left, accept it, start it, ask the resident (the clock pauses and the
request goes to the end of the queue), resolve it; the resident confirms and rates it. A question answered
by staff and published as FAQ appears on the public FAQ page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.cases.models import Consultation, RequestType, ServiceRequest
from linli.cases.services import request_file
from linli.core.calendar import calendar_load, calendar_years
from linli.core.enums import Role
from tests.conftest import make_user
from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def calendar(transactional_db):
    """The official holidays of the weeks around today where the package knows them (deadlines count
    working days; a year it does not know yet runs on the statutory holidays, provisionally)."""
    today = timezone.localdate()
    years = {(today + dt.timedelta(days=d)).year for d in (-20, 15)} & set(calendar_years())
    if years:
        calendar_load(sorted(years))


@pytest.fixture
def types(calendar):
    def make(code: str, name: str, days: int) -> RequestType:
        return RequestType.objects.create(
            code=code, name=name, deadline_days=days, department="民政", handling_level="community"
        )

    return {
        "repair": make("repair", "公共设施报修", 1),
        "card": make("elderly-card", "老年人优待证", 3),
        "proof": make("residence-proof", "居住证明", 5),
    }


def queue_ids(page) -> list[int]:  # type: ignore[no-untyped-def]
    return [int(t) for t in page.locator("[data-testid=queue-row] td:first-child a").all_inner_texts()]


def act(page, action: str, note: str = "") -> None:  # type: ignore[no-untyped-def]
    """Press an action button of the request page (with a note) and wait for the page after it."""
    page.fill("[data-testid=actions] textarea[name=note]", note)
    with page.expect_navigation():
        page.click(f"[data-testid=do-{action}]")


def test_request_from_filing_to_rating(new_page, types, users):
    # Other requests of the community: one overdue, one due in 1 working day, one in 5.
    neighbour = make_user("neighbour", Role.RESIDENT, home="990102001001", display_name="钱大姐")
    overdue = request_file(
        actor=neighbour,
        request_type=types["repair"],
        description="楼道灯坏了",
        now=timezone.now() - dt.timedelta(days=14),
    )
    later = request_file(actor=neighbour, request_type=types["proof"], description="开居住证明")
    soon = request_file(actor=neighbour, request_type=types["repair"], description="健身器材松动")

    # The resident files on a phone.
    phone = new_page(phone=True)
    log_in(phone, "resident", "pw-resident")
    phone.goto(phone.base_url + "/requests/new/")
    phone.select_option("[data-testid=request-form] select[name=request_type]", "elderly-card")
    phone.fill("[data-testid=request-form] textarea[name=description]", "为母亲办理老年人优待证，她行动不便。")
    phone.fill("[data-testid=request-form] input[name=address]", "东湖社区3幢2单元")
    shot(phone, "50-request-form-phone")
    with phone.expect_navigation():
        phone.click("[data-testid=request-form] button[type=submit]")
    assert "办件已提交" in phone.inner_text("ul.messages")
    assert phone.inner_text("[data-testid=state]") == "已提交"
    mine = ServiceRequest.objects.get(resident=users["resident"])
    assert phone.url.endswith(f"/requests/{mine.pk}/")
    assert (mine.state, mine.filed_by, mine.request_type.code, mine.area_code, mine.level) == (
        "submitted", users["resident"], "elderly-card", "990102001001", "community"
    )  # fmt: skip
    assert mine.deadline_at > mine.submitted_at and mine.address == "东湖社区3幢2单元"
    assert phone.locator("[data-testid=actions]").count() == 0  # nothing for the resident to do yet
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "51-request-filed-phone")

    # Staff: overdue first, then by working time left.
    staff = new_page()
    log_in(staff, "community", "pw-community")
    staff.goto(staff.base_url + "/requests/")
    assert queue_ids(staff) == [overdue.pk, soon.pk, mine.pk, later.pk]
    first = staff.locator("[data-testid=queue-row]").first
    assert "overdue" in (first.get_attribute("class") or "") and "已超时" in first.inner_text()
    assert "个工作日" in staff.locator("[data-testid=queue-row]").nth(2).inner_text()
    shot(staff, "52-request-queue")

    staff.click(f"[data-testid=queue] a:text-is('{mine.pk}')")
    staff.wait_for_url(f"**/requests/{mine.pk}/")
    assert staff.inner_text("[data-testid=resident-phone]").strip()  # staff may call the resident
    act(staff, "accept")
    assert staff.inner_text("[data-testid=state]") == "已受理"
    act(staff, "start")
    assert staff.inner_text("[data-testid=state]") == "办理中"
    # Asking the resident needs a note: without one nothing changes and the page says why.
    act(staff, "ask_resident")
    assert staff.inner_text("[data-testid=errors]").strip() == "备注: 必填：请说明原因"  # the field by its label
    shot(staff, "52b-request-note-required")
    mine.refresh_from_db()
    assert mine.state == "in_progress"
    act(staff, "ask_resident", "请补充老人的身份证复印件")
    assert staff.inner_text("[data-testid=state]") == "待补充"
    mine.refresh_from_db()
    assert mine.state == "waiting" and mine.paused_at is not None and mine.handler == users["community"]
    # The clock is paused: the request goes to the end of the queue.
    staff.goto(staff.base_url + "/requests/")
    assert queue_ids(staff) == [overdue.pk, soon.pk, later.pk, mine.pk]
    assert "暂停" in staff.locator("[data-testid=queue-row]").last.inner_text()

    # The resident supplies it and resumes the request.
    phone.reload()
    assert phone.inner_text("[data-testid=state]") == "待补充"
    assert "请补充老人的身份证复印件" in phone.inner_text("[data-testid=events]")
    act(phone, "resume", "复印件已交到社区服务站")
    assert phone.inner_text("[data-testid=state]") == "办理中"
    mine.refresh_from_db()
    assert mine.state == "in_progress" and mine.paused_at is None

    staff.goto(staff.base_url + f"/requests/{mine.pk}/")
    act(staff, "resolve", "优待证已办好，可到社区服务站领取")
    assert staff.inner_text("[data-testid=state]") == "已办结"

    # The resident confirms and rates it.
    phone.reload()
    assert "优待证已办好" in phone.inner_text("dl.facts")
    act(phone, "confirm")
    assert phone.inner_text("[data-testid=state]") == "已确认"
    phone.select_option("[data-testid=rate] select[name=rating]", "4")
    phone.fill("[data-testid=rate] textarea[name=comment]", "办理很快")
    with phone.expect_navigation():
        phone.click("[data-testid=rate] button[type=submit]")
    assert phone.locator("[data-testid=rate]").count() == 0
    assert "4/5" in phone.inner_text("dl.facts")
    shot(phone, "53-request-rated-phone")
    mine.refresh_from_db()
    assert (mine.state, mine.rating, mine.rating_comment) == ("closed", 4, "办理很快")
    assert mine.closed_at is not None and mine.resolution == "优待证已办好，可到社区服务站领取"
    assert list(mine.events.order_by("at", "id").values_list("action", flat=True)) == [
        "file", "accept", "start", "ask_resident", "resume", "resolve", "confirm", "rate"
    ]  # fmt: skip
    # Closed requests leave the queue.
    staff.goto(staff.base_url + "/requests/")
    assert mine.pk not in queue_ids(staff)


def test_consultation_published_as_faq(new_page, users):
    phone = new_page(phone=True)
    log_in(phone, "resident", "pw-resident")
    phone.goto(phone.base_url + "/requests/ask/")
    phone.fill("[data-testid=ask] textarea[name=question]", "我住东湖社区3幢，老年人优待证要带什么材料？")
    with phone.expect_navigation():
        phone.click("[data-testid=ask] button[type=submit]")
    assert "尚未回答" in phone.inner_text("[data-testid=consultation]")
    asked = Consultation.objects.get(asker=users["resident"])
    assert asked.answer == "" and not asked.is_faq

    staff = new_page()
    log_in(staff, "community", "pw-community")
    staff.goto(staff.base_url + "/requests/ask/")
    card = staff.locator("[data-testid=consultation]", has_text="优待证")
    card.locator("textarea[name=answer]").fill("带身份证和户口本原件，一寸照片一张。")
    with staff.expect_navigation():
        card.locator("button[value=answer]").click()
    card = staff.locator("[data-testid=consultation]", has_text="优待证")
    card.locator("input[name=public_question]").fill("老年人优待证要带什么材料？")  # nothing personal
    with staff.expect_navigation():
        card.locator("button[value=publish]").click()
    assert staff.locator("[data-testid=consultation] button[value=withdraw]").count() == 1
    asked.refresh_from_db()
    assert asked.is_faq and asked.answered_by == users["community"]
    assert asked.public_question == "老年人优待证要带什么材料？"

    # Anyone, logged in or not, reads it on the FAQ page; the asker's address is not there.
    public = new_page(phone=True)
    public.goto(public.base_url + "/requests/faq/")
    entry = public.locator("[data-testid=faq]")
    assert entry.count() == 1
    assert entry.locator("h3").inner_text() == "老年人优待证要带什么材料？"
    assert "带身份证和户口本原件" in entry.inner_text() and "3幢" not in public.inner_text("main")
    shot(public, "54-faq-phone")
    phone.reload()
    assert "带身份证和户口本原件" in phone.inner_text("[data-testid=consultation]")
