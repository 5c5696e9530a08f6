"""Surveys: creating them, answering once while open, refusing invalid answers by question, results per
question and per area, satisfaction per facility and service item, and who sees respondents' names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from linli.core.errors import ApplicationError
from linli.core.models import AuditLog
from linli.feedback import selectors, services
from linli.feedback.models import Answer, Survey, SurveyResponse
from linli.feedback.services import QuestionInput
from tests.feedback.conftest import qid, questions


def answer(user, survey, single="助餐", multiple=None, rating=4, text="", **kwargs):
    values = {qid(survey, 1): single, qid(survey, 2): multiple or [], qid(survey, 3): rating, qid(survey, 4): text}
    return services.survey_answer(respondent=user, survey=survey, answers=values, **kwargs)


def refused(user, survey, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as exc:
        answer(user, survey, **kwargs)
    return exc.value


# Creating -------------------------------------------------------------------------------------------------


def test_create_with_questions(survey):
    assert survey.area_code == "990102000000"
    rows = list(survey.questions.values_list("position", "kind", "required", "options"))
    assert rows == [
        (1, "single", True, ["助餐", "托育", "健身"]),
        (2, "multiple", False, ["邻里中心", "公园", "图书馆"]),
        (3, "rating", True, []),
        (4, "text", False, []),
    ]


def test_create_refuses_bad_questions_by_number(users, area_tree):
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as exc:
        services.survey_create(
            actor=users["community"],
            title="",
            area_code="990102001001",
            opens_on=today,
            closes_on=today - dt.timedelta(days=1),
            questions=[
                QuestionInput(kind="single", text="只有一个选项", options=["是"]),
                QuestionInput(kind="essay", text="类型不对"),
                QuestionInput(kind="rating", text=""),
                QuestionInput(kind="multiple", text="重复", options=["a", "a"]),
            ],
        )
    problems = {(e["row"], e["field"]) for e in exc.value.extra["errors"]}
    assert problems == {(0, "title"), (0, "closes_on"), (1, "options"), (2, "kind"), (3, "text"), (4, "options")}
    assert not Survey.objects.exists()


def test_create_only_in_scope_and_by_staff(users, area_tree):
    today = timezone.localdate()
    kwargs = {"title": "t", "opens_on": today, "closes_on": today, "questions": questions()}
    with pytest.raises(ApplicationError) as exc:
        services.survey_create(actor=users["community"], area_code="990102002001", **kwargs)
    assert exc.value.status == 403
    for who in ("resident", "auditor"):
        with pytest.raises(ApplicationError) as exc:
            services.survey_create(actor=users[who], area_code="990102001001", **kwargs)
        assert exc.value.status == 403
    assert not Survey.objects.exists()


def test_satisfaction_survey_gets_the_standard_questions(users, registry):
    today = timezone.localdate()
    survey = services.survey_create(
        actor=users["community"],
        title="东湖邻里中心满意度",
        area_code="990102001001",
        opens_on=today,
        closes_on=today,
        kind="satisfaction",
        facility_code="F990102001001-01",
        service_item_code="elderly-meals",
        questions=[QuestionInput(kind="text", text="助餐口味如何?", required=False)],
    )
    qs = list(survey.questions.all())
    assert survey.facility == registry["facility"]
    assert survey.service_item == registry["meals"]
    assert qs[0].overall and qs[0].kind == "rating" and qs[0].required
    assert sum(q.overall for q in qs) == 1
    assert [q.kind for q in qs[:4]] == ["rating"] * 4
    assert qs[-1].text == "助餐口味如何?"
    with pytest.raises(ApplicationError) as exc:
        services.survey_create(
            actor=users["community"],
            title="无对象",
            area_code="990102001001",
            opens_on=today,
            closes_on=today,
            kind="satisfaction",
            questions=[],
        )
    assert [e["field"] for e in exc.value.extra["errors"]] == ["facility"]


# Answering ------------------------------------------------------------------------------------------------


def test_answer_once(users, survey):
    response = answer(users["resident"], survey, multiple=["公园", "邻里中心"], text="希望多办活动")
    assert response.area_code == "990102001001"
    stored = {a.question.position: a for a in response.answers.select_related("question")}
    assert stored[1].choices == [0]
    assert stored[2].choices == [0, 1]
    assert stored[3].rating == 4
    assert stored[4].text == "希望多办活动"
    error = refused(users["resident"], survey)
    assert error.code == "already_answered"
    assert SurveyResponse.objects.count() == 1


def test_optional_questions_may_be_left_out(users, survey):
    response = services.survey_answer(
        respondent=users["resident"], survey=survey, answers={qid(survey, 1): "托育", qid(survey, 3): "5"}
    )
    assert sorted(response.answers.values_list("question__position", flat=True)) == [1, 3]


def test_closed_and_not_yet_open_surveys_refuse(users, survey):
    error = refused(users["resident"], survey, today=survey.closes_on + dt.timedelta(days=1))
    assert error.code == "survey_closed"
    assert survey.closes_on.isoformat() in error.message
    error = refused(users["resident"], survey, today=survey.opens_on - dt.timedelta(days=1))
    assert error.code == "survey_not_open"
    # The last day is still open.
    answer(users["resident"], survey, today=survey.closes_on)


def test_residents_outside_the_area_cannot_answer(users, area_tree):
    today = timezone.localdate()
    survey = services.survey_create(
        actor=users["community"],
        title="东湖社区",
        area_code="990102001001",
        opens_on=today,
        closes_on=today,
        questions=questions(),
    )
    error = refused(users["resident_b"], survey)
    assert error.status == 404
    error = refused(users["operator"], survey)
    assert error.code == "no_home_area"


@pytest.mark.parametrize(
    ("kwargs", "position", "message"),
    [
        ({"single": "跳舞"}, 1, "not one of the options"),
        ({"single": ["助餐", "托育"]}, 1, "choose only one option"),
        ({"single": ""}, 1, "an answer is required"),
        ({"multiple": ["公园", "商场"]}, 2, "not one of the options"),
        ({"rating": 0}, 3, "a rating is a whole number from 1 to 5"),
        ({"rating": 6}, 3, "a rating is a whole number from 1 to 5"),
        ({"rating": "3.5"}, 3, "a rating is a whole number from 1 to 5"),
        ({"rating": True}, 3, "a rating is a whole number from 1 to 5"),
        ({"rating": None}, 3, "an answer is required"),
        ({"text": "x" * 2001}, 4, "at most 2000 characters"),
    ],
)
def test_invalid_answers_refused_naming_the_question(users, survey, kwargs, position, message):
    with translation.override("en"):
        error = refused(users["resident"], survey, **kwargs)
    assert error.code == "invalid_answers"
    [problem] = error.extra["errors"]
    question = survey.questions.get(position=position)
    assert problem["row"] == position
    assert problem["field"] == f"q{question.pk}"
    assert problem["message"] == f"{position}. {question.text}: {message}"
    assert not SurveyResponse.objects.exists()
    assert not Answer.objects.exists()


def test_unknown_question_refused(users, survey):
    values = {qid(survey, 1): "助餐", qid(survey, 3): 3, 999999: "?"}
    with pytest.raises(ApplicationError) as exc:
        services.survey_answer(respondent=users["resident"], survey=survey, answers=values)
    assert exc.value.extra["errors"][0]["field"] == "answers"
    assert not SurveyResponse.objects.exists()


def test_surveys_for_a_resident_are_those_open_for_their_area(users, area_tree, survey):
    today = timezone.localdate()
    other = services.survey_create(
        actor=users["other_community"],
        title="西山社区",
        area_code="990102002001",
        opens_on=today,
        closes_on=today,
        questions=questions(),
    )
    services.survey_create(
        actor=users["district"],
        title="已结束",
        area_code="990102000000",
        opens_on=today - dt.timedelta(days=10),
        closes_on=today - dt.timedelta(days=1),
        questions=questions(),
    )
    assert [s.title for s in selectors.surveys_for_resident(viewer=users["resident"])] == [survey.title]
    assert {s.title for s in selectors.surveys_for_resident(viewer=users["resident_b"])} == {survey.title, other.title}
    answer(users["resident"], survey)
    assert [s.answered for s in selectors.surveys_for_resident(viewer=users["resident"])] == [True]
    with pytest.raises(ApplicationError) as exc:
        selectors.survey_get(viewer=users["resident"], survey_id=other.pk)
    assert exc.value.status == 404
    assert {s.title for s in selectors.surveys_visible(viewer=users["other_community"])} == {"西山社区"}


# Results --------------------------------------------------------------------------------------------------


@pytest.fixture
def answered(users, neighbours, survey):
    """Five answers: three in 东湖街道 (two communities), one in 西山街道, one in 青石镇."""
    answer(users["resident"], survey, single="助餐", multiple=["邻里中心", "公园"], rating=5, text="增加助餐点")
    answer(neighbours["east_1"], survey, single="助餐", multiple=["公园"], rating=4)
    answer(neighbours["lakeside"], survey, single="托育", multiple=[], rating=3, text="托育太贵")
    answer(users["resident_b"], survey, single="健身", multiple=["公园", "图书馆"], rating=2)
    answer(neighbours["village"], survey, single="助餐", multiple=["图书馆"], rating=5)
    return survey


def test_results_counts_percentages_and_mean(users, answered):
    results = selectors.survey_results(viewer=users["district"], survey_id=answered.pk)
    assert results.respondents == 5
    single, multiple, rating, text = results.questions
    assert single.answered == 5
    assert single.options == [("助餐", 3, 60.0), ("托育", 1, 20.0), ("健身", 1, 20.0)]
    # Multiple choice: percentages of those who answered the question (4), an answer may choose several.
    assert multiple.answered == 4
    assert multiple.options == [("邻里中心", 1, 25.0), ("公园", 3, 75.0), ("图书馆", 2, 50.0)]
    assert rating.mean == 3.8
    assert rating.ratings == [(1, 0, 0.0), (2, 1, 20.0), (3, 1, 20.0), (4, 1, 20.0), (5, 2, 40.0)]
    assert [t for t, _who, _area in text.texts] == ["增加助餐点", "托育太贵"]


def test_results_roll_up_to_the_areas_below(users, answered):
    results = selectors.survey_results(viewer=users["district"], survey_id=answered.pk)
    rating_id = qid(answered, 3)
    rows = [(r.area.code, r.respondents, r.percent, r.means[rating_id]) for r in results.areas]
    assert rows == [
        ("990102001000", 3, 60.0, 4.0),
        ("990102002000", 1, 20.0, 2.0),
        ("990102101000", 1, 20.0, 5.0),
    ]


def test_results_for_one_area(users, answered):
    results = selectors.survey_results(viewer=users["district"], survey_id=answered.pk, area_code="990102001000")
    assert results.respondents == 3
    assert results.questions[0].options == [("助餐", 2, 66.7), ("托育", 1, 33.3), ("健身", 0, 0.0)]
    assert results.questions[2].mean == 4.0
    with pytest.raises(ApplicationError) as exc:
        selectors.survey_results(viewer=users["district"], survey_id=answered.pk, area_code="880102001000")
    assert exc.value.status == 404


def test_results_of_a_town_survey_roll_up_to_communities(users, neighbours):
    today = timezone.localdate()
    survey = services.survey_create(
        actor=users["town"], title="东湖街道", area_code="990102001000", opens_on=today, closes_on=today,
        questions=questions(),
    )  # fmt: skip
    answer(users["resident"], survey, rating=5)
    answer(neighbours["east_1"], survey, rating=2)
    answer(neighbours["lakeside"], survey, rating=4)
    rows = selectors.survey_results(viewer=users["town"], survey_id=survey.pk).areas
    assert [(r.area.name, r.respondents, r.means[qid(survey, 3)]) for r in rows] == [
        ("东湖社区", 2, 3.5),
        ("湖滨社区", 1, 4.0),
    ]
    with pytest.raises(ApplicationError) as exc:
        answer(users["resident_b"], survey)
    assert exc.value.status == 404


def test_results_only_for_staff_of_the_scope(users, answered):
    with pytest.raises(ApplicationError) as exc:
        selectors.survey_results(viewer=users["resident"], survey_id=answered.pk)
    assert exc.value.status == 403
    # The district survey is not in a community's scope.
    with pytest.raises(ApplicationError) as exc:
        selectors.survey_results(viewer=users["community"], survey_id=answered.pk)
    assert exc.value.status == 404


def test_free_text_names_only_for_personal_data_roles(users, answered):
    named = selectors.survey_results(viewer=users["district"], survey_id=answered.pk).questions[3].texts
    assert named == [("增加助餐点", "resident", "990102001001"), ("托育太贵", "王五", "990102001002")]
    assert AuditLog.objects.filter(object_type="feedback.survey", action="read", fields=["respondent"]).count() == 1
    anonymous = selectors.survey_results(viewer=users["auditor"], survey_id=answered.pk).questions[3].texts
    assert anonymous == [("增加助餐点", None, "990102001001"), ("托育太贵", None, "990102001002")]
    assert AuditLog.objects.filter(object_type="feedback.survey", action="read").count() == 1


def test_satisfaction_per_facility_and_item(users, registry, neighbours):
    today = timezone.localdate()

    def satisfaction(**subject):
        return services.survey_create(
            actor=users["community"], title="满意度", area_code="990102001001", opens_on=today, closes_on=today,
            kind="satisfaction", questions=[], **subject,
        )  # fmt: skip

    def rate(user, survey, overall):
        qs = list(survey.questions.all())
        values = {q.pk: overall if q.overall else 4 for q in qs if q.kind == "rating"}
        services.survey_answer(respondent=user, survey=survey, answers=values)

    centre = satisfaction(facility_code="F990102001001-01")
    meals = satisfaction(facility_code="F990102001001-01", service_item_code="elderly-meals")
    rate(users["resident"], centre, 5)
    rate(neighbours["east_1"], centre, 2)
    rate(users["resident"], meals, 4)
    [facility] = selectors.satisfaction_by_facility(viewer=users["community"])
    assert (facility.code, facility.surveys, facility.count, facility.mean) == ("F990102001001-01", 2, 3, 3.67)
    [item] = selectors.satisfaction_by_item(viewer=users["community"])
    assert (item.code, item.name, item.count, item.mean) == ("elderly-meals", "老年助餐", 1, 4.0)
    assert selectors.satisfaction_by_facility(viewer=users["other_community"]) == []


# API ------------------------------------------------------------------------------------------------------


def test_api_list_answer_results(client, users, survey, token_for):
    listing = client.get("/api/feedback/surveys", **token_for(users["resident"])).json()
    assert [(s["id"], s["answered"]) for s in listing["items"]] == [(survey.pk, False)]
    detail = client.get(f"/api/feedback/surveys/{survey.pk}", **token_for(users["resident"])).json()
    assert [q["kind"] for q in detail["questions"]] == ["single", "multiple", "rating", "text"]
    url = f"/api/feedback/surveys/{survey.pk}/answers"
    bad = {"answers": [{"question": qid(survey, 1), "value": "跳舞"}, {"question": qid(survey, 3), "value": 9}]}
    response = client.post(url, bad, content_type="application/json", **token_for(users["resident"]))
    assert response.status_code == 400
    assert [e["row"] for e in response.json()["detail"]["errors"]] == [1, 3]
    good = {"answers": [{"question": qid(survey, 1), "value": "健身"}, {"question": qid(survey, 3), "value": 5}]}
    response = client.post(url, good, content_type="application/json", **token_for(users["resident"]))
    assert response.status_code == 201, response.content
    response = client.post(url, good, content_type="application/json", **token_for(users["resident"]))
    assert response.status_code == 409
    results = client.get(f"/api/feedback/surveys/{survey.pk}/results", **token_for(users["district"])).json()
    assert results["respondents"] == 1
    assert results["questions"][0]["options"][2] == {"option": "健身", "count": 1, "percent": 100.0}
    assert results["areas"][0]["respondents"] == 1
    response = client.get(f"/api/feedback/surveys/{survey.pk}/results", **token_for(users["resident"]))
    assert response.status_code == 403


def test_api_create(client, users, area_tree, token_for):
    today = timezone.localdate().isoformat()
    body = {
        "title": "东湖社区需求",
        "area_code": "990102001001",
        "opens_on": today,
        "closes_on": today,
        "questions": [{"kind": "rating", "text": "打分"}],
    }
    response = client.post(
        "/api/feedback/surveys", body, content_type="application/json", **token_for(users["community"])
    )
    assert response.status_code == 201, response.content
    assert response.json()["questions"][0]["required"] is True
    body["area_code"] = "990102002001"
    response = client.post(
        "/api/feedback/surveys", body, content_type="application/json", **token_for(users["community"])
    )
    assert response.status_code == 403
