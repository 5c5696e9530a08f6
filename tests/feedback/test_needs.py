"""Needs (问需于民): proposing, supporting once, the ranked list per area, staff answers, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from linli.core.enums import AuditAction, Role
from linli.core.errors import ApplicationError
from linli.core.models import AuditLog
from linli.core.permissions import scope_q
from linli.feedback import selectors, services
from linli.feedback.models import Need, NeedSupport, NeedUpdate
from tests.conftest import make_user


def propose(user, title="加装电梯", domain="elderly"):
    return services.need_propose(actor=user, title=title, description="老楼没有电梯", domain=domain)


def test_propose_in_home_area_and_proposer_supports(users, area_tree):
    need = propose(users["resident"])
    assert need.area_code == "990102001001"
    assert need.area.name == "东湖社区"
    assert need.status == "open"
    assert list(need.supports.values_list("user__username", flat=True)) == ["resident"]


def test_propose_accepts_chinese_domain_label(users, area_tree):
    need = propose(users["resident"], domain="养老")
    assert need.domain == "elderly"


def test_propose_refuses_bad_input_naming_fields_and_writes_nothing(users, area_tree):
    with pytest.raises(ApplicationError) as exc:
        services.need_propose(actor=users["resident"], title="  ", domain="gardening")
    assert exc.value.code == "invalid_need"
    assert {e["field"] for e in exc.value.extra["errors"]} == {"title", "domain"}
    assert Need.objects.count() == 0


def test_propose_needs_a_home_area(users, area_tree):
    with pytest.raises(ApplicationError) as exc:
        propose(users["operator"])
    assert exc.value.code == "no_home_area"
    assert exc.value.status == 403


def test_support_once(users, area_tree, neighbours):
    need = propose(users["resident"])
    services.need_support(actor=neighbours["east_1"], need=need)
    with pytest.raises(ApplicationError) as exc:
        services.need_support(actor=neighbours["east_1"], need=need)
    assert exc.value.code == "already_supported"
    assert exc.value.status == 409
    assert need.supports.count() == 2
    # The proposer already supports their own need.
    with pytest.raises(ApplicationError):
        services.need_support(actor=users["resident"], need=need)


def test_support_once_is_a_database_constraint(users, area_tree, neighbours):
    need = propose(users["resident"])
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedSupport.objects.create(need=need, user=users["resident"])


def test_support_only_from_the_same_area(users, area_tree, neighbours):
    need = propose(users["resident"])
    with pytest.raises(ApplicationError) as exc:
        services.need_support(actor=neighbours["lakeside"], need=need)
    assert exc.value.code == "other_area"
    assert need.supports.count() == 1


def test_done_or_declined_needs_take_no_support(users, area_tree, neighbours):
    need = propose(users["resident"])
    services.need_status_set(actor=users["community"], need=need, status="declined", reply="不在规划范围")
    with pytest.raises(ApplicationError) as exc:
        services.need_support(actor=neighbours["east_1"], need=need)
    assert exc.value.code == "need_closed"


def test_ranked_by_supports_then_age(users, area_tree, neighbours):
    old_single = propose(users["resident"], title="A 路灯")
    popular = propose(neighbours["east_1"], title="B 助餐点")
    older_popular = propose(neighbours["east_2"], title="C 托育")
    now = timezone.now()
    Need.objects.filter(pk=old_single.pk).update(created_at=now - dt.timedelta(days=30))
    Need.objects.filter(pk=popular.pk).update(created_at=now - dt.timedelta(days=1))
    Need.objects.filter(pk=older_popular.pk).update(created_at=now - dt.timedelta(days=5))
    for need in (popular, older_popular):
        services.need_support(actor=users["resident"], need=need)
    services.need_support(actor=neighbours["east_1"], need=older_popular)
    services.need_support(actor=neighbours["east_2"], need=popular)
    # popular: 3 supports (east_1, resident, east_2), older_popular: 3, old_single: 1.
    ranked = list(selectors.needs_ranked(viewer=users["community"]))
    assert [n.title for n in ranked] == ["C 托育", "B 助餐点", "A 路灯"]
    assert [n.support_count for n in ranked] == [3, 3, 1]


def test_superuser_sees_every_need(users, area_tree, neighbours):
    """issue 12: the superuser's scope ("everything") was an empty Q that vanished when or-ed with the
    home-area filter, so the superuser saw no needs at all."""
    east = propose(users["resident"])
    west = propose(users["resident_b"], title="缺少图书室", domain="culture")
    root = make_user("root", Role.RESIDENT, is_superuser=True, is_staff=True)
    assert {n.pk for n in selectors.needs_ranked(viewer=root)} == {east.pk, west.pk}
    selectors.need_get(viewer=root, need_id=west.pk)
    # The composition itself: "everything" or-ed with "nothing" is still everything.
    assert set(Need.objects.filter(Q(pk__in=[]) | scope_q(root)).values_list("pk", flat=True)) == {east.pk, west.pk}
    assert not Need.objects.filter(Q(pk__in=[]) | scope_q(users["operator"])).exists()


def test_residents_see_their_area_staff_their_scope(users, area_tree, neighbours):
    east = propose(users["resident"])
    lakeside = propose(neighbours["lakeside"], title="停车难")
    west = propose(users["resident_b"], title="缺少图书室", domain="culture")
    titles = lambda user: {n.title for n in selectors.needs_ranked(viewer=user)}  # noqa: E731
    assert titles(neighbours["east_1"]) == {"加装电梯"}
    assert titles(users["resident_b"]) == {"缺少图书室"}
    assert titles(users["community"]) == {"加装电梯"}
    assert titles(users["town"]) == {"加装电梯", "停车难"}
    assert titles(users["district"]) == {"加装电梯", "停车难", "缺少图书室"}
    assert titles(users["operator"]) == set()
    # Filter by area: a town prefix or a community's code.
    assert {n.pk for n in selectors.needs_ranked(viewer=users["district"], area="990102001000")} == {
        east.pk,
        lakeside.pk,
    }
    assert [n.pk for n in selectors.needs_ranked(viewer=users["district"], area="990102002001")] == [west.pk]
    with pytest.raises(ApplicationError) as exc:
        selectors.need_get(viewer=users["resident_b"], need_id=east.pk)
    assert exc.value.status == 404
    with pytest.raises(ApplicationError) as exc:
        selectors.need_get(viewer=users["other_community"], need_id=east.pk)
    assert exc.value.status == 404


def test_proposer_named_only_to_those_who_see_personal_data(users, area_tree, neighbours):
    need = selectors.need_get(viewer=users["community"], need_id=propose(users["resident"]).pk)
    assert selectors.proposer_name(viewer=users["community"], need=need) == "resident"
    assert selectors.proposer_name(viewer=users["resident"], need=need) == "resident"
    assert selectors.proposer_name(viewer=neighbours["east_1"], need=need) is None
    assert selectors.proposer_name(viewer=users["auditor"], need=need) is None


def test_staff_answer_a_need_recorded(users, area_tree):
    need = propose(users["resident"])
    services.need_status_set(actor=users["community"], need=need, status="accepted", reply="已受理, 下周调研")
    services.need_status_set(actor=users["town"], need=need, status="planned", reply="纳入2025年民生实事")
    need.refresh_from_db()
    assert need.status == "planned"
    assert need.reply == "纳入2025年民生实事"
    assert need.replied_at is not None
    history = list(NeedUpdate.objects.filter(need=need).values_list("status_from", "status_to", "actor__username"))
    assert history == [("open", "accepted", "community"), ("accepted", "planned", "town")]
    assert AuditLog.objects.filter(object_type="feedback.need", action=AuditAction.UPDATE).count() == 2


def test_answer_refuses_bad_input_and_outsiders(users, area_tree):
    need = propose(users["resident"])
    with pytest.raises(ApplicationError) as exc:
        services.need_status_set(actor=users["community"], need=need, status="open", reply="")
    assert {e["field"] for e in exc.value.extra["errors"]} == {"status", "reply"}
    for who in ("other_community", "resident", "auditor"):
        with pytest.raises(ApplicationError) as exc:
            services.need_status_set(actor=users[who], need=need, status="done", reply="ok")
        assert exc.value.status == 403
    need.refresh_from_db()
    assert need.status == "open"
    assert not NeedUpdate.objects.exists()


# API ------------------------------------------------------------------------------------------------------


def test_api_propose_support_list(client, users, area_tree, neighbours, token_for):
    response = client.post(
        "/api/feedback/needs",
        {"title": "小区缺少充电桩", "domain": "government"},
        content_type="application/json",
        **token_for(users["resident"]),
    )
    assert response.status_code == 201, response.content
    need_id = response.json()["id"]
    assert response.json()["supports"] == 1
    response = client.post(f"/api/feedback/needs/{need_id}/support", **token_for(neighbours["east_1"]))
    assert response.status_code == 201
    assert response.json()["supports"] == 2
    assert response.json()["supported_by_me"] is True
    response = client.post(f"/api/feedback/needs/{need_id}/support", **token_for(neighbours["east_1"]))
    assert response.status_code == 409
    assert response.json()["code"] == "already_supported"
    response = client.post(f"/api/feedback/needs/{need_id}/support", **token_for(users["resident_b"]))
    assert response.status_code == 404
    listing = client.get("/api/feedback/needs", **token_for(users["community"])).json()
    assert [n["id"] for n in listing["items"]] == [need_id]
    assert listing["items"][0]["proposer"] == "resident"
    listing = client.get("/api/feedback/needs", **token_for(neighbours["east_2"])).json()
    assert listing["items"][0]["proposer"] is None
    assert client.get("/api/feedback/needs", **token_for(users["resident_b"])).json()["count"] == 0


def test_api_propose_names_bad_fields(client, users, area_tree, token_for):
    response = client.post(
        "/api/feedback/needs",
        {"title": "", "domain": "x"},
        content_type="application/json",
        **token_for(users["resident"]),
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["detail"]["errors"]} == {"title", "domain"}


def test_api_status(client, users, area_tree, token_for):
    need = propose(users["resident"])
    url = f"/api/feedback/needs/{need.pk}/status"
    body = {"status": "done", "reply": "电梯已装好"}
    assert (
        client.post(url, body, content_type="application/json", **token_for(users["other_community"])).status_code
        == 404
    )
    assert client.post(url, body, content_type="application/json", **token_for(users["resident"])).status_code == 403
    response = client.post(url, body, content_type="application/json", **token_for(users["community"]))
    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert client.get(f"/api/feedback/needs/{need.pk}", **token_for(users["resident"])).json()["reply"] == "电梯已装好"
