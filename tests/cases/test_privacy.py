"""Personal data in requests and consultations (issue 12): each test plays the attack and checks that it no
longer succeeds."""

from __future__ import annotations

import pytest

from linli.cases.consultations import consultation_answer, consultation_ask, consultation_publish
from linli.cases.models import Consultation, RequestType, ServiceRequest
from linli.cases.services import request_file
from linli.core.errors import ApplicationError
from linli.core.models import AuditLog, User


def post(client, url, data, auth):
    return client.post(url, data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **auth)


# Enumerating user ids --------------------------------------------------------------------------------


def test_filing_for_someone_does_not_tell_who_exists(client, users, rtype, token_for):
    """A resident naming an existing person and a missing one gets the same 403; staff naming a person
    outside their scope and a missing one get the same 400."""
    missing = User.objects.order_by("-pk").first().pk + 1000
    outsider = users["resident_b"].pk  # lives in another community

    def file(who, resident_id):
        body = {"request_type": "elderly-card", "description": "代办", "resident_id": resident_id}
        return post(client, "/api/cases/requests", body, token_for(who))

    by_resident = [file(users["resident"], pk) for pk in (outsider, missing)]
    assert [r.status_code for r in by_resident] == [403, 403]
    assert by_resident[0].json() == by_resident[1].json()

    by_staff = [file(users["community"], pk) for pk in (outsider, missing)]
    assert [r.status_code for r in by_staff] == [400, 400]
    shapes = [r.json()["detail"]["errors"] for r in by_staff]
    assert [[(e["field"], e["message"]) for e in errors] for errors in shapes] == [
        [("resident", "not a resident of your area")]
    ] * 2
    assert ServiceRequest.objects.count() == 0
    # Filing for oneself by id still works, and staff still file for a resident of their scope.
    assert file(users["resident"], users["resident"].pk).status_code == 201
    assert file(users["community"], users["resident"].pk).status_code == 201


def test_transfer_does_not_tell_who_exists(client, users, rtype, token_for):
    filed = request_file(actor=users["resident"], request_type=rtype, description="办证")
    missing = User.objects.order_by("-pk").first().pk + 1000
    staff = token_for(users["community"])
    url = f"/api/cases/requests/{filed.pk}/transfer"
    answers = [post(client, url, {"handler_id": pk}, staff) for pk in (users["other_community"].pk, missing)]
    assert [a.status_code for a in answers] == [400, 400]
    assert [[e["field"] for e in a.json()["detail"]["errors"]] for a in answers] == [["handler"], ["handler"]]
    assert {e["message"] for a in answers for e in a.json()["detail"]["errors"]} == {
        "does not handle requests of this area at this level"
    }
    moved = post(client, url, {"handler_id": users["town"].pk}, staff)
    assert moved.status_code == 200 and moved.json()["handler"] == "town"


@pytest.mark.parametrize("handler", ["abc", "99999999"])
def test_transfer_page_refuses_a_handler_that_is_not_a_person(client, users, rtype, handler):
    """The page used to ignore an unknown handler silently (and transfer to nobody)."""
    filed = request_file(actor=users["resident"], request_type=rtype, description="办证")
    client.force_login(users["community"])
    page = client.post(f"/requests/{filed.pk}/", {"do": "transfer", "department": "民政", "handler": handler})
    filed.refresh_from_db()
    assert filed.handler_id is None
    assert page.status_code == 400


# The audit row of a request's page -------------------------------------------------------------------


def test_request_detail_logs_exactly_the_fields_shown(client, users, rtype, token_for):
    """The request page and API show the resident's phone, not their ID number: the audit row said both."""
    filed = request_file(actor=users["resident"], request_type=rtype, description="办证")
    api = client.get(f"/api/cases/requests/{filed.pk}", **token_for(users["community"]))
    assert api.json()["resident_phone"] == "13912345678" and "990102198001011234" not in api.content.decode()
    client.force_login(users["community"])
    page = client.get(f"/requests/{filed.pk}/")
    assert "13912345678" in page.content.decode() and "990102198001011234" not in page.content.decode()
    rows = AuditLog.objects.filter(actor=users["community"], object_type="core.user")
    assert [(row.object_id, row.fields) for row in rows] == [(str(users["resident"].pk), ["phone"])] * 2


def test_nothing_shown_nothing_logged(client, users, rtype):
    users["resident"].phone = ""
    users["resident"].save()
    filed = request_file(actor=users["resident"], request_type=rtype, description="办证")
    client.force_login(users["community"])
    assert client.get(f"/requests/{filed.pk}/").status_code == 200
    assert not AuditLog.objects.filter(object_type="core.user").exists()


# Which request types are public --------------------------------------------------------------------


def test_a_request_type_is_private_unless_listed_publicly(client, users, calendar2026, token_for):
    district = token_for(users["district"])
    made = post(client, "/api/cases/types", {"code": "relief", "name": "临时救助", "deadline_days": 10}, district)
    assert made.status_code == 201 and made.json()["public_listing"] is False
    patched = client.patch(
        "/api/cases/types/relief", {"public_listing": True}, content_type="application/json", **district
    )
    assert patched.json()["public_listing"] is True
    client.force_login(users["district"])
    form = {"code": "drain", "name": "下水道疏通", "deadline_days": "2", "handling_level": "community"}
    client.post("/requests/types/", form)
    client.post("/requests/types/", form | {"code": "lamp", "name": "路灯", "public_listing": "on"})
    assert dict(RequestType.objects.filter(code__in=["drain", "lamp"]).values_list("code", "public_listing")) == {
        "drain": False,
        "lamp": True,
    }


def test_the_demo_lists_only_its_public_place_kinds():
    from linli.demo.history import PUBLIC_REQUEST_TYPES, REQUEST_TYPES

    codes = {row[0] for row in REQUEST_TYPES}
    assert set(PUBLIC_REQUEST_TYPES) <= codes
    for personal in ("minimum-living", "disability-card", "temporary-relief", "birth-registration"):
        assert personal not in PUBLIC_REQUEST_TYPES


# Consultations published as FAQ --------------------------------------------------------------------


@pytest.fixture
def answered(users, rtype):
    users["resident"].display_name = "张三"
    users["resident"].save()
    asked = consultation_ask(actor=users["resident"], question="我是张三，电话13912345678，优待证要带什么？")
    return consultation_answer(actor=users["community"], consultation=asked, answer="带身份证和照片。")


def publish(client, users, pk, **data):
    client.force_login(users["community"])
    return client.post("/requests/ask/", {"do": "publish", "id": pk, **data})


def test_the_residents_words_never_reach_the_faq(client, users, answered, token_for):
    """issue 12: publishing copied the question as asked, and a phone number reached the anonymous FAQ."""
    staff = token_for(users["community"])
    url = f"/api/cases/consultations/{answered.pk}/publish"
    attempts = {
        "": "required: write the question as it will be published",
        answered.question: "rephrase the question",
        "优待证要带什么？请拨13912345678": "contains a phone number",
        "优待证要带什么？请拨 139-1234-5678": "contains a phone number",
        "身份证99010219800101123X的老人要带什么？": "contains an ID number",
        "张三的优待证要带什么？": "contains the resident's name",
        "张先生问：优待证要带什么？": "contains the resident's name",
    }
    for wording, message in attempts.items():
        refused = post(client, url, {"public": True, "public_question": wording}, staff)
        assert refused.status_code == 400, wording
        errors = refused.json()["detail"]["errors"]
        assert any(e["field"] == "public_question" and e["message"].startswith(message) for e in errors), errors
    assert client.get("/api/cases/faq").json() == []
    answered.refresh_from_db()
    assert not answered.is_faq
    ok = post(client, url, {"public": True, "public_question": "老年人优待证要带什么材料？"}, staff)
    assert ok.status_code == 200
    faq = client.get("/requests/faq/").content.decode() + str(client.get("/api/cases/faq").json())
    assert "老年人优待证要带什么材料？" in faq
    for secret in ("13912345678", "张三", "我是"):
        assert secret not in faq


def test_the_answer_is_checked_too(users, answered):
    consultation_answer(
        actor=users["community"], consultation=answered, answer="请张三本人带身份证来，电话联系13912345678"
    )
    with pytest.raises(ApplicationError) as refused:
        consultation_publish(actor=users["community"], consultation=answered, public=True, public_question="要带什么？")
    assert {(e["field"], e["message"].split(":")[0]) for e in refused.value.extra["errors"]} == {
        ("answer", "contains a phone number"),
        ("answer", "contains the resident's name"),
    }
    assert not Consultation.objects.get(pk=answered.pk).is_faq


def test_staff_write_the_published_question_on_the_page(client, users, answered):
    client.force_login(users["community"])
    page = client.get("/requests/ask/").content.decode()
    # The field to word the published question starts empty: the resident's question is not offered for copy.
    assert 'name="public_question" value=""' in page
    assert publish(client, users, answered.pk, public_question="").status_code == 400
    assert publish(client, users, answered.pk, public_question="优待证要带什么材料？").status_code == 302
    assert Consultation.objects.get(pk=answered.pk).public_question == "优待证要带什么材料？"
    # Withdrawing needs no wording.
    assert client.post("/requests/ask/", {"do": "withdraw", "id": answered.pk}).status_code == 302
    assert not Consultation.objects.get(pk=answered.pk).is_faq


def test_personal_data_finder():
    from linli.core.masking import personal_data_in

    assert personal_data_in("电话１３９１２３４５６７８") == ["phone"]
    assert personal_data_in("座机 0571-8888 1234") == ["phone"]
    assert personal_data_in("证号 990102 19800101 123x") == ["id_number"]
    assert personal_data_in("resident 问", names=("resident",)) == ["name"]
    for harmless in ("九点开门，周一闭馆", "2026-09-14 开放", "补贴 1000 元", "residents 可以参加"):
        assert personal_data_in(harmless, names=("resident", "张三")) == [], harmless
