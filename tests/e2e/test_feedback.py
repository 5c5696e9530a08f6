"""Needs and surveys in the browser (问需于民): a resident proposes a need on a phone, a neighbour supports it
and it climbs the ranked list; community staff build a survey with single and multiple choice, rating and
free-text questions, residents answer it, the results page draws the charts and counts; once the survey
has closed an answer is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.enums import Role
from linli.feedback.models import Answer, Need, NeedSupport, Survey, SurveyResponse
from linli.feedback.services import need_propose
from tests.conftest import make_user
from tests.e2e.conftest import log_in, shot, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def neighbour(username: str, name: str, home: str = "990102001001"):  # type: ignore[no-untyped-def]
    return make_user(username, Role.RESIDENT, home=home, display_name=name)


def ranked_titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.strip() for t in page.locator("[data-testid=need] h2").all_inner_texts()]


def test_need_proposed_supported_and_ranked(new_page, users, area_tree):
    zhang = neighbour("zhang", "张三")
    older = need_propose(actor=zhang, title="增设儿童游乐设施", domain="education")

    phone = new_page(phone=True)
    log_in(phone, "resident", "pw-resident")
    phone.goto(phone.base_url + "/feedback/")
    phone.click("[data-testid=need-propose] summary")
    form = phone.locator("[data-testid=need-propose] form")
    form.locator("input[name=title]").fill("社区食堂增加晚餐")
    form.locator("select[name=domain]").select_option("elderly")
    form.locator("textarea[name=description]").fill("很多老人晚上也需要助餐。")
    shot(phone, "60-need-propose-phone")
    with phone.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "您的需求已向邻居公开" in phone.inner_text("ul.messages")
    need = Need.objects.get(title="社区食堂增加晚餐")
    assert phone.url.endswith(f"/feedback/needs/{need.pk}/")
    assert (need.proposer, need.area_code, need.domain, need.status) == (
        users["resident"], "990102001001", "elderly", "open"
    )  # fmt: skip
    assert phone.inner_text("[data-testid=supports]") == "1"  # the proposer is the first supporter
    assert phone.locator("[data-testid=support]").count() == 0
    # Equal support: the longest waiting first.
    phone.goto(phone.base_url + "/feedback/")
    assert ranked_titles(phone) == ["增设儿童游乐设施", "社区食堂增加晚餐"]

    # A neighbour supports it; it now leads the list.
    li = neighbour("lisi", "李四")
    other = new_page()
    log_in(other, "lisi", "pw-lisi")
    other.goto(other.base_url + "/feedback/")
    card = other.locator(f"[data-testid=need][data-id='{need.pk}']")
    with other.expect_navigation():
        card.locator("[data-testid=support]").click()
    assert "已记录您的支持" in other.inner_text("ul.messages")
    assert ranked_titles(other) == ["社区食堂增加晚餐", "增设儿童游乐设施"]
    card = other.locator(f"[data-testid=need][data-id='{need.pk}']")
    assert card.locator("[data-testid=supports]").inner_text() == "2"
    assert "您已支持" in card.inner_text() and card.locator("[data-testid=support]").count() == 0
    assert NeedSupport.objects.filter(need=need).count() == 2
    assert NeedSupport.objects.filter(need=need, user=li).exists()
    assert NeedSupport.objects.filter(need=older).count() == 1

    # Staff of the community read the same ranking; a resident of another community does not see it.
    staff = new_page()
    log_in(staff, "community", "pw-community")
    staff.goto(staff.base_url + "/feedback/")
    assert ranked_titles(staff)[:2] == ["社区食堂增加晚餐", "增设儿童游乐设施"]
    assert staff.locator("[data-testid=need]").first.locator("[data-testid=supports]").inner_text() == "2"
    shot(staff, "61-needs-ranked-staff")
    phone.reload()
    assert ranked_titles(phone)[0] == "社区食堂增加晚餐"
    shot(phone, "62-needs-ranked-phone")
    stranger = new_page()
    log_in(stranger, "resident_b", "pw-resident_b")
    stranger.goto(stranger.base_url + "/feedback/")
    assert "社区食堂增加晚餐" not in stranger.inner_text("main")


QUESTIONS = [
    ("最需要什么服务？", "single", "助餐\n托育\n健身", True),
    ("常去哪里？", "multiple", "邻里中心\n公园\n图书馆", False),
    ("对社区服务打分", "rating", "", True),
    ("其他建议", "text", "", False),
]


def answer(page, survey: Survey, single: str, places: list[str], rating: str | None, text: str) -> None:  # type: ignore[no-untyped-def]
    """Fill the answer form of `survey` (the page shows it) and submit."""
    page.locator("[data-testid=question-1] label.chip", has_text=single).click()
    for place in places:
        page.locator("[data-testid=question-2] label.chip", has_text=place).click()
    if rating:
        page.locator("[data-testid=question-3] label.chip", has_text=rating).click()
    page.fill("[data-testid=question-4] textarea", text)
    with page.expect_navigation():
        page.click("[data-testid=submit-answers]")


def open_survey(page, title: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base_url + "/feedback/surveys/")
    with page.expect_navigation():
        page.locator("[data-testid=surveys-open] a", has_text=title).click()


def test_survey_built_answered_results_and_closed(new_page, users, area_tree):
    today = timezone.localdate()
    title = "邻里中心服务需求调查"
    staff = new_page()
    log_in(staff, "community", "pw-community")
    staff.goto(staff.base_url + "/feedback/surveys/")
    staff.click("[data-testid=survey-new]")
    form = staff.locator("[data-testid=survey-form]")
    form.locator("input[name=title]").fill(title)
    form.locator("select[name=area_code]").select_option("990102001001")
    form.locator("input[name=opens_on]").fill(today.isoformat())
    form.locator("input[name=closes_on]").fill((today + dt.timedelta(days=7)).isoformat())
    for n, (text, kind, options, required) in enumerate(QUESTIONS, start=1):
        form.locator(f"input[name=q-{n}-text]").fill(text)
        form.locator(f"select[name=q-{n}-kind]").select_option(kind)
        if options:
            form.locator(f"textarea[name=q-{n}-options]").fill(options)
        form.locator(f"input[name=q-{n}-required]").set_checked(required)
    assert form.locator("h2").inner_text() == "问题"  # the questions of the survey, not "咨询" (consultations)
    shot(staff, "63-survey-builder")
    with staff.expect_navigation():
        form.locator("button[type=submit].primary").click()
    assert "问卷已保存" in staff.inner_text("ul.messages")
    survey = Survey.objects.get(title=title)
    assert staff.url.endswith(f"/feedback/surveys/{survey.pk}/")
    assert (survey.area_code, survey.opens_on, survey.closes_on) == (
        "990102001001",
        today,
        today + dt.timedelta(days=7),
    )
    assert [(q.position, q.text, q.kind, q.options, q.required) for q in survey.questions.order_by("position")] == [
        (1, "最需要什么服务？", "single", ["助餐", "托育", "健身"], True),
        (2, "常去哪里？", "multiple", ["邻里中心", "公园", "图书馆"], False),
        (3, "对社区服务打分", "rating", [], True),
        (4, "其他建议", "text", [], False),
    ]  # the empty fifth block is left out

    # A resident answers on a phone; leaving out the required rating is refused first, nothing written.
    phone = new_page(phone=True)
    log_in(phone, "resident", "pw-resident")
    open_survey(phone, title)
    shot(phone, "64-survey-answer-phone")
    answer(phone, survey, "助餐", ["邻里中心", "公园"], None, "希望周末也开放")
    assert "您的回答未保存" in phone.inner_text("[data-testid=form-errors]")
    assert "必须回答" in phone.inner_text("[data-testid=question-3]")
    assert phone.locator("[data-testid=question-3]").get_attribute("class").endswith("has-error")
    assert phone.locator("[data-testid=question-1] input:checked").get_attribute("value") == "助餐"  # kept
    assert not SurveyResponse.objects.filter(survey=survey).exists()
    phone.locator("[data-testid=question-3] label.chip", has_text="4").click()
    with phone.expect_navigation():
        phone.click("[data-testid=submit-answers]")
    assert "谢谢您的回答" in phone.inner_text("ul.messages")
    assert "已回答" in phone.locator("[data-testid=surveys-open] li", has_text=title).inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    mine = SurveyResponse.objects.get(survey=survey, respondent=users["resident"])
    by_position = {a.question.position: a for a in Answer.objects.filter(response=mine).select_related("question")}
    assert by_position[1].choices == [0] and by_position[2].choices == [0, 1]
    assert by_position[3].rating == 4 and by_position[4].text == "希望周末也开放"

    # Two neighbours answer on the desktop.
    for username, name, single, places, rating, text in (
        ("wu", "吴阿姨", "助餐", ["邻里中心"], "5", ""),
        ("zheng", "郑先生", "托育", ["图书馆"], "3", "增加托育名额"),
    ):
        neighbour(username, name)
        page = new_page()
        log_in(page, username, "pw-" + username)
        open_survey(page, title)
        answer(page, survey, single, places, rating, text)
        assert "谢谢您的回答" in page.inner_text("ul.messages")
    assert SurveyResponse.objects.filter(survey=survey).count() == 3

    # The results: respondents, a drawn chart per choice and rating question, the counts, the texts.
    staff.goto(staff.base_url + f"/feedback/surveys/{survey.pk}/results/")
    wait_until(staff, "document.querySelectorAll('[data-testid=chart][data-rendered=\"1\"]').length === 3")
    assert staff.inner_text("[data-testid=respondents]") == "3"
    for position in (1, 2, 3):
        chart = staff.locator(f"[data-testid=result-{position}] [data-testid=chart]")
        assert chart.locator("canvas, svg").count() >= 1
        assert chart.bounding_box()["height"] > 100
    assert counts(staff, 1) == {"助餐": "2", "托育": "1", "健身": "0"}
    assert counts(staff, 2) == {"邻里中心": "2", "公园": "1", "图书馆": "1"}
    assert counts(staff, 3) == {"1": "0", "2": "0", "3": "1", "4": "1", "5": "1"}
    assert staff.inner_text("[data-testid=result-3] [data-testid=mean]") == "4.0"
    texts = staff.locator("[data-testid=result-4] [data-testid=texts] li > p").all_inner_texts()
    assert sorted(texts) == ["增加托育名额", "希望周末也开放"]
    shot(staff, "65-survey-results")

    # A late resident opens the survey; before they submit, it closes: the answer is refused, clearly.
    late = neighbour("feng", "冯奶奶")
    page = new_page(phone=True)
    log_in(page, "feng", "pw-feng")
    open_survey(page, title)
    Survey.objects.filter(pk=survey.pk).update(
        opens_on=today - dt.timedelta(days=7), closes_on=today - dt.timedelta(days=1)
    )
    answer(page, survey, "健身", [], "2", "")
    closed = page.locator("[data-testid=survey-closed]")
    assert closed.get_attribute("data-code") == "survey_closed"
    assert closed.inner_text().strip() == f"该问卷已于{(today - dt.timedelta(days=1)).isoformat()}截止。"
    assert page.locator("[data-testid=submit-answers]").count() == 0
    assert page.locator("[data-testid=question-1] input[disabled]").count() == 3
    shot(page, "66-survey-closed-phone")
    assert not SurveyResponse.objects.filter(survey=survey, respondent=late).exists()
    assert SurveyResponse.objects.filter(survey=survey).count() == 3


def counts(page, position: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rows = page.locator(f"[data-testid=result-{position}] table tbody tr")
    return {
        row.locator("td").nth(0).inner_text().strip(): row.locator("td").nth(1).inner_text().strip()
        for row in rows.all()
    }
