"""The pages of needs and surveys, through the test client."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone

from linli.feedback import services
from linli.feedback.models import Need, NeedUpdate, Survey, SurveyResponse
from linli.feedback.services import QuestionInput
from tests.conftest import login
from tests.feedback.conftest import qid


def test_resident_proposes_and_neighbour_supports(client, users, area_tree, neighbours):
    login(client, users["resident"])
    response = client.post("/feedback/", {"title": "增设老年食堂", "domain": "elderly", "description": ""})
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/feedback/needs/{need.pk}/"
    login(client, neighbours["east_1"])
    page = client.get("/feedback/").content.decode()
    assert "增设老年食堂" in page
    assert 'data-testid="support"' in page
    response = client.post(f"/feedback/needs/{need.pk}/support/", {"next": "/feedback/"})
    assert response.status_code == 302
    assert need.supports.count() == 2
    page = client.get(f"/feedback/needs/{need.pk}/").content.decode()
    assert 'data-testid="supports">2<' in page
    assert "resident" not in page.split('data-testid="need-history"')[0].split("<h1>")[1]


def test_propose_form_errors(client, users, area_tree):
    login(client, users["resident"])
    response = client.post("/feedback/", {"title": "", "domain": ""})
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()
    assert not Need.objects.exists()


def test_needs_page_outside_area_is_404(client, users, area_tree):
    need = services.need_propose(actor=users["resident"], title="路灯", domain="government")
    login(client, users["resident_b"])
    assert "路灯" not in client.get("/feedback/").content.decode()
    assert client.get(f"/feedback/needs/{need.pk}/").status_code == 404
    login(client, users["other_community"])
    assert client.post(f"/feedback/needs/{need.pk}/status/", {"status": "done", "reply": "x"}).status_code == 404


def test_staff_answer_a_need(client, users, area_tree):
    need = services.need_propose(actor=users["resident"], title="路灯", domain="government")
    login(client, users["community"])
    page = client.get("/feedback/?area=990102001001&status=open").content.decode()
    assert "路灯" in page
    assert "resident" in page  # staff who may see personal data see the proposer
    response = client.post(f"/feedback/needs/{need.pk}/status/", {"status": "planned", "reply": ""})
    assert response.status_code == 400
    assert not NeedUpdate.objects.exists()
    response = client.post(f"/feedback/needs/{need.pk}/status/", {"status": "planned", "reply": "列入下季度计划"})
    assert response.status_code == 302
    login(client, users["resident"])
    page = client.get(f"/feedback/needs/{need.pk}/").content.decode()
    assert "列入下季度计划" in page


def test_resident_answers_a_survey(client, users, survey):
    login(client, users["resident"])
    page = client.get("/feedback/surveys/").content.decode()
    assert survey.title in page
    url = f"/feedback/surveys/{survey.pk}/"
    response = client.post(url, {f"q{qid(survey, 1)}": "跳舞", f"q{qid(survey, 3)}": "7"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "1. 最需要什么服务?" in page
    assert "3. 对社区服务打分" in page
    assert not SurveyResponse.objects.exists()
    data = {f"q{qid(survey, 1)}": "健身", f"q{qid(survey, 2)}": ["公园", "图书馆"], f"q{qid(survey, 3)}": "4"}
    response = client.post(url, data)
    assert response.status_code == 302
    stored = SurveyResponse.objects.get().answers.get(question__position=2)
    assert stored.choices == [1, 2]
    assert 'data-testid="answered"' in client.get(url).content.decode()


def test_closed_survey_page_refuses(client, users, area_tree):
    today = timezone.localdate()
    survey = services.survey_create(
        actor=users["community"], title="旧问卷", area_code="990102001001", opens_on=today - dt.timedelta(days=9),
        closes_on=today - dt.timedelta(days=2), questions=[QuestionInput(kind="rating", text="打分")],
    )  # fmt: skip
    login(client, users["resident"])
    page = client.get(f"/feedback/surveys/{survey.pk}/").content.decode()
    assert 'data-code="survey_closed"' in page
    assert 'data-testid="submit-answers"' not in page
    response = client.post(f"/feedback/surveys/{survey.pk}/", {f"q{qid(survey, 1)}": "5"})
    assert response.status_code == 409
    assert not SurveyResponse.objects.exists()


def test_survey_builder(client, users, area_tree):
    login(client, users["community"])
    assert client.get("/feedback/surveys/new/").status_code == 200
    today = timezone.localdate().isoformat()
    data = {
        "title": "社区活动意向",
        "area_code": "990102001001",
        "kind": "general",
        "opens_on": today,
        "closes_on": today,
        "q-1-text": "喜欢什么活动?",
        "q-1-kind": "multiple",
        "q-1-options": "书法\n太极\n合唱",
        "q-1-required": "1",
        "q-2-text": "",
        "q-2-kind": "single",
        "q-3-text": "活动打分",
        "q-3-kind": "rating",
    }
    bad = {**data, "q-3-kind": "single", "closes_on": "2000-01-01"}
    response = client.post("/feedback/surveys/new/", bad)
    assert response.status_code == 400
    page = response.content.decode()
    # Problems are named by the builder's own labels (in the user's language), not the services' field names.
    assert "选项（选择题，每行一个）: " in page and "截止日期: " in page
    assert "closes_on: " not in page
    assert not Survey.objects.exists()
    response = client.post("/feedback/surveys/new/", data)
    assert response.status_code == 302
    survey = Survey.objects.get()
    assert list(survey.questions.values_list("kind", "required", "options")) == [
        ("multiple", True, ["书法", "太极", "合唱"]),
        ("rating", False, []),
    ]
    login(client, users["resident"])
    assert client.get("/feedback/surveys/new/").status_code == 403


def test_results_page(client, users, neighbours, survey):
    services.survey_answer(
        respondent=users["resident"], survey=survey, answers={qid(survey, 1): "助餐", qid(survey, 3): 5}
    )
    services.survey_answer(
        respondent=users["resident_b"], survey=survey, answers={qid(survey, 1): "托育", qid(survey, 3): 2}
    )
    login(client, users["district"])
    response = client.get(f"/feedback/surveys/{survey.pk}/results/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "vendor/echarts/echarts.min.js" in page
    assert 'data-testid="mean">3.5<' in page
    charts = json.loads(page.split('id="chart-data" type="application/json">')[1].split("</script>")[0])
    assert charts[0]["labels"] == ["助餐", "托育", "健身"]
    assert charts[0]["counts"] == [1, 1, 0]
    assert "东湖街道" in page and "西山街道" in page
    response = client.get(f"/feedback/surveys/{survey.pk}/results/?area=990102002000")
    assert 'data-testid="respondents">1<' in response.content.decode()
    login(client, users["resident"])
    assert client.get(f"/feedback/surveys/{survey.pk}/results/").status_code == 403
    login(client, users["community"])
    assert client.get(f"/feedback/surveys/{survey.pk}/results/").status_code == 404


def test_satisfaction_page(client, users, registry):
    login(client, users["community"])
    response = client.get("/feedback/satisfaction/")
    assert response.status_code == 200
    assert 'data-testid="satisfaction-facilities"' in response.content.decode()
    login(client, users["resident"])
    assert client.get("/feedback/satisfaction/").status_code == 403


def test_staff_pages_render(client, users, survey):
    need = services.need_propose(actor=users["resident"], title="路灯", domain="government")
    login(client, users["district"])
    page = client.get("/feedback/surveys/").content.decode()
    assert survey.title in page
    assert 'data-testid="survey-new"' in page
    page = client.get(f"/feedback/surveys/{survey.pk}/").content.decode()
    assert 'data-testid="results-link"' in page
    assert 'data-testid="submit-answers"' not in page
    page = client.get(f"/feedback/needs/{need.pk}/").content.decode()
    assert 'id="answer"' in page
    login(client, users["auditor"])
    page = client.get(f"/feedback/needs/{need.pk}/").content.decode()
    assert 'id="answer"' not in page
    assert client.get("/feedback/surveys/new/").status_code == 403


def test_survey_builder_offers_only_facilities_of_the_scope(client, users, registry):
    """The facility list of the survey builder goes through the scoped facilities selector: another
    community's facility is not offered (nor named) to community staff; the district sees both."""
    from linli.areas.models import Area
    from linli.facilities.models import Facility

    Facility.objects.create(
        code="F990102002001-01", name="西山邻里中心", facility_type=registry["centre"],
        area=Area.objects.get(code="990102002001"), area_code="990102002001", lon=120.05, lat=30.005,
    )  # fmt: skip
    login(client, users["community"])
    page = client.get("/feedback/surveys/new/").content.decode()
    assert "F990102001001-01" in page and "东湖邻里中心" in page
    assert "F990102002001-01" not in page and "西山邻里中心" not in page
    login(client, users["district"])
    page = client.get("/feedback/surveys/new/").content.decode()
    assert "F990102001001-01" in page and "F990102002001-01" in page


def test_need_history_and_surveys_outside_the_scope_are_not_shown(client, users, area_tree, survey):
    need = services.need_propose(actor=users["resident"], title="路灯", domain="government")
    services.need_status_set(actor=users["community"], need=need, status="planned", reply="明年春天装好")
    login(client, users["resident"])
    assert "明年春天装好" in client.get(f"/feedback/needs/{need.pk}/").content.decode()
    for outsider in ("resident_b", "other_community"):
        login(client, users[outsider])
        assert client.get(f"/feedback/needs/{need.pk}/").status_code == 404
        assert "路灯" not in client.get("/feedback/?area=990102001001").content.decode()
    today = timezone.localdate()
    local = services.survey_create(
        actor=users["community"], title="东湖社区问卷", area_code="990102001001", opens_on=today, closes_on=today,
        questions=[QuestionInput(kind="rating", text="打分")],
    )  # fmt: skip
    login(client, users["other_community"])
    assert client.get(f"/feedback/surveys/{local.pk}/").status_code == 404
    assert client.get(f"/feedback/surveys/{local.pk}/results/").status_code == 404
    assert "东湖社区问卷" not in client.get("/feedback/surveys/").content.decode()
    login(client, users["resident_b"])
    assert client.get(f"/feedback/surveys/{local.pk}/").status_code == 404
