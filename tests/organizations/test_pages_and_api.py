"""Pages render in Chinese for each role (no English left, nothing internal shown) and act through the
services; the API answers with the same rules: scope 404, role 403, the hours cap naming the field."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from linli.organizations import services
from linli.organizations.enums import MemberState, OrgState
from linli.organizations.inputs import HoursIn
from linli.organizations.models import HoursRecord, Membership, Organization
from tests.conftest import login
from tests.organizations.conftest import COMMUNITY, move_to_past

ENGLISH = re.compile(r"\b(the|and|shift|hours|organisation|member|filing|review|submit|rating)\b", re.I)


def visible_text(html: str) -> str:
    body = html.split("<main", 1)[1].split("</main>", 1)[0]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return body


def assert_chinese(response) -> None:
    assert response.status_code == 200, response.content[:500]
    text = visible_text(response.content.decode())
    assert "三自组织" in response.content.decode() or "组织" in text
    found = ENGLISH.findall(text)
    assert not found, found


@pytest.fixture
def client():
    return Client()


def test_leader_pages_in_chinese_and_hours_confirmed(client, past_shift, leader, users):
    shift, _ = past_shift
    org = shift.organization
    services.membership_request(actor=users["resident"], org_id=org.pk)
    attendance = services.shift_signup(actor=users["resident"], shift_id=shift.pk)
    login(client, leader)
    assert_chinese(client.get("/organizations/"))
    page = client.get(f"/organizations/{org.pk}/")
    assert_chinese(page)
    assert "13912340000" in page.content.decode()  # the leader sees the guide's phone
    home = client.get("/")
    assert 'data-panel="organizations.join_requests"' in home.content.decode()
    move_to_past(shift)
    assert_chinese(client.get(f"/organizations/shifts/{shift.pk}/"))
    assert_chinese(client.get("/organizations/hours/"))
    response = client.post(f"/organizations/shifts/{shift.pk}/confirm/", {"attendance": attendance.pk, "hours": "9"})
    follow = client.get(f"/organizations/shifts/{shift.pk}/")
    assert "时长" in follow.content.decode() and HoursRecord.objects.count() == 0
    client.post(f"/organizations/shifts/{shift.pk}/confirm/", {"attendance": attendance.pk, "hours": "2"})
    assert HoursRecord.objects.get().hours == Decimal(2)
    assert response.status_code == 302


def test_resident_browses_joins_and_sees_hours(client, approved_org, users):
    login(client, users["resident"])
    page = client.get("/organizations/")
    assert_chinese(page)
    assert approved_org.name in page.content.decode()
    assert "王**" not in page.content.decode()
    detail = client.get(f"/organizations/{approved_org.pk}/")
    assert_chinese(detail)
    assert "139****0000" in detail.content.decode() and "13912340000" not in detail.content.decode()
    client.post(f"/organizations/{approved_org.pk}/join/")
    assert Membership.objects.get(person=users["resident"]).state == MemberState.REQUESTED


def test_staff_register_review_rating_incubation_sent_down_pages(client, file_org, leader, users):
    org = file_org()
    services.organization_submit(actor=leader, org_id=org.pk)
    staff = users["community"]
    login(client, staff)
    for url in ("/organizations/", "/organizations/review/", "/organizations/ratings/",
                "/organizations/incubation/", "/organizations/sent-down/", f"/organizations/{org.pk}/"):  # fmt: skip
        assert_chinese(client.get(url))
    assert 'data-panel="organizations.review"' in client.get("/").content.decode()
    response = client.post(f"/organizations/{org.pk}/return/", {"note": "请补充章程"})
    org.refresh_from_db()
    assert org.state == OrgState.RETURNED and response.status_code == 302
    services.organization_submit(actor=leader, org_id=org.pk)
    client.post(f"/organizations/{org.pk}/approve/", {"next": "queue"})
    org.refresh_from_db()
    assert org.state == OrgState.APPROVED
    assert_chinese(client.get(f"/organizations/{org.pk}/rate/"))
    client.post(f"/organizations/{org.pk}/rate/", {"adjustment": "0", "reason": ""})
    assert org.ratings.count() == 1
    again = client.post(f"/organizations/{org.pk}/rate/", {"adjustment": "10", "reason": "表现突出"})
    assert 'data-testid="changes"' in again.content.decode()
    assert org.ratings.get().adjustment == 0
    client.post(f"/organizations/{org.pk}/rate/", {"adjustment": "10", "reason": "表现突出", "replace": "1"})
    assert org.ratings.get().adjustment == 10


def test_pages_scope_404_and_role_403(client, file_org, users):
    org = file_org()
    login(client, users["other_community"])
    assert client.get(f"/organizations/{org.pk}/").status_code == 404
    login(client, users["resident"])
    assert client.get(f"/organizations/{org.pk}/").status_code == 404  # a draft is not public
    assert client.get("/organizations/review/").status_code == 403


def test_edit_shows_the_changes_before_saving(client, file_org, leader):
    org = file_org()
    login(client, leader)
    form = {"name": "东湖青年志愿队", "kind": "volunteer", "track": "filed", "community": COMMUNITY,
            "purpose": "助老助残", "guide_role": "party_member", "guide_name": "王建国", "guide_phone": "13912340000",
            "members_declared": "12", "documents": ""}  # fmt: skip
    preview = client.post(f"/organizations/{org.pk}/edit/", form)
    assert "东湖青年志愿队" in preview.content.decode() and 'data-testid="changes"' in preview.content.decode()
    org.refresh_from_db()
    assert org.name == "东湖志愿服务队"
    client.post(f"/organizations/{org.pk}/edit/", {**form, "confirm": "1"})
    org.refresh_from_db()
    assert org.name == "东湖青年志愿队"


def test_filing_form_names_the_missing_field_in_chinese(client, area_tree, leader):
    login(client, leader)
    response = client.post("/organizations/new/", {"name": "合唱团", "kind": "self_entertainment", "community": ""})
    assert response.status_code == 400
    assert "社区或村" in response.content.decode()
    assert Organization.objects.count() == 0


# API -----------------------------------------------------------------------------------------------------


def test_api_filing_workflow_scope_and_roles(client, area_tree, leader, users, token_for):
    created = client.post("/api/organizations/", {"name": "山前议事会", "kind": "self_governance",
                          "community": COMMUNITY, "guide_name": "李四", "guide_phone": "13700001111"},
                          content_type="application/json", **token_for(leader))  # fmt: skip
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert client.post(f"/api/organizations/{pk}/submit", content_type="application/json",
                       **token_for(leader)).json()["state"] == "submitted"  # fmt: skip
    assert client.post(f"/api/organizations/{pk}/approve", content_type="application/json",
                       **token_for(users["resident"])).status_code == 403  # fmt: skip
    assert client.post(f"/api/organizations/{pk}/approve", content_type="application/json",
                       **token_for(users["other_community"])).status_code == 404  # fmt: skip
    bad = client.post(f"/api/organizations/{pk}/return", {"note": ""}, content_type="application/json",
                      **token_for(users["community"]))  # fmt: skip
    assert bad.status_code == 400 and bad.json()["detail"]["field"] == "reasons"
    ok = client.post(
        f"/api/organizations/{pk}/approve", content_type="application/json", **token_for(users["community"])
    )
    assert ok.json()["state"] == "approved" and ok.json()["guide_phone"] == "13700001111"
    public = client.get(f"/api/organizations/{pk}", **token_for(users["resident_b"])).json()
    assert public["guide_phone"] == "137****1111" and public["guide_name"] == "李*"
    listed = client.get("/api/organizations/?kind=self_governance", **token_for(users["town"])).json()
    assert [o["id"] for o in listed["items"]] == [pk]
    assert client.get("/api/organizations/", **token_for(users["other_community"])).json()["count"] == 0


def test_api_hours_cap_and_stats(client, past_shift, leader, users, token_for):
    shift, _ = past_shift
    signup = client.post(f"/api/organizations/shifts/{shift.pk}/signup", content_type="application/json",
                         **token_for(users["resident"]))  # fmt: skip
    assert signup.status_code == 201
    move_to_past(shift)
    attendance = signup.json()["id"]
    over = client.post(f"/api/organizations/attendances/{attendance}/confirm", {"hours": "3.01"},
                       content_type="application/json", **token_for(leader))  # fmt: skip
    assert over.status_code == 400 and over.json()["detail"]["field"] == "hours"
    ok = client.post(f"/api/organizations/attendances/{attendance}/confirm", {"hours": "3"},
                     content_type="application/json", **token_for(leader))  # fmt: skip
    assert ok.status_code == 201
    today = timezone.localdate()
    period = f"start={today - dt.timedelta(days=1)}&end={today + dt.timedelta(days=1)}"
    stats = client.get(f"/api/organizations/stats/hours?{period}", **token_for(users["district"])).json()
    assert stats == [{"area_code": COMMUNITY, "kind": "volunteer", "hours": "3.00", "person_times": 1, "people": 1,
                      "residents_served": 0}]  # fmt: skip
    filed = client.get("/api/organizations/stats/filed?level=9", **token_for(users["district"])).json()
    assert filed == [{"area_code": "990102001", "kind": "volunteer", "count": 1, "rated": 0}]
    mine = client.get("/api/organizations/hours/mine", **token_for(users["resident"])).json()
    assert Decimal(mine["total"]) == Decimal(3)
    assert services.hours_confirm  # the API went through the service: one record, one event key
    assert HoursRecord.objects.count() == 1 and HoursIn


def test_api_roster_and_attendance(client, past_shift, leader, users, token_for):
    shift, _ = past_shift
    org = shift.organization
    join = client.post(f"/api/organizations/{org.pk}/join", content_type="application/json",
                       **token_for(users["resident"]))  # fmt: skip
    assert join.status_code == 201 and join.json()["state"] == "requested"
    again = client.post(f"/api/organizations/{org.pk}/join", content_type="application/json",
                        **token_for(users["resident"]))  # fmt: skip
    assert again.status_code == 409 and again.json()["detail"]["field"] == "person"
    mid = join.json()["id"]
    assert client.post(f"/api/organizations/members/{mid}/decide", {"accept": True}, content_type="application/json",
                       **token_for(users["resident_b"])).status_code == 403  # fmt: skip
    decided = client.post(f"/api/organizations/members/{mid}/decide", {"accept": True},
                          content_type="application/json", **token_for(leader))  # fmt: skip
    assert decided.json()["state"] == "active"
    roster = client.get(f"/api/organizations/{org.pk}/members", **token_for(leader)).json()
    assert {m["person"] for m in roster} == {"leader", "resident"}
    own = client.get(f"/api/organizations/{org.pk}/members", **token_for(users["resident_b"])).json()
    assert own == []  # another resident does not read the roster
    signup = client.post(f"/api/organizations/shifts/{shift.pk}/signup", content_type="application/json",
                         **token_for(users["resident"])).json()  # fmt: skip
    move_to_past(shift)
    checked = client.post(f"/api/organizations/attendances/{signup['id']}/check-in", content_type="application/json",
                          **token_for(leader)).json()  # fmt: skip
    assert checked["checked_in_at"] is not None
    assert client.post(f"/api/organizations/attendances/{signup['id']}/check-in", content_type="application/json",
                       **token_for(users["resident"])).status_code == 403  # fmt: skip
    assert client.get(f"/api/organizations/shifts/{shift.pk}/attendances",
                      **token_for(users["other_community"])).status_code == 404  # fmt: skip


def test_auditor_reads_the_register_but_may_not_review(client, file_org, leader, users):
    org = file_org()
    services.organization_submit(actor=leader, org_id=org.pk)
    login(client, users["auditor"])
    page = client.get("/organizations/?kind=volunteer")
    assert_chinese(page)
    assert org.name in page.content.decode() and "待审核" not in visible_text(page.content.decode())
    assert client.post(f"/organizations/{org.pk}/approve/").status_code == 403
    org.refresh_from_db()
    assert org.state == OrgState.SUBMITTED


def test_register_exported_to_excel_masked_and_audited(client, approved_org, file_org, users):
    import io

    from openpyxl import load_workbook

    from linli.core.models import AuditLog

    file_org(name="东湖议事会", kind="self_governance")
    login(client, users["community"])
    response = client.get("/organizations/export.xlsx?kind=volunteer")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("名称", "类别", "类型")
    assert [r[0] for r in rows[1:]] == [approved_org.name]
    assert rows[1][1] == "志愿" and rows[1][7] == "王**" and rows[1][8] == "139****0000"
    assert AuditLog.objects.filter(action="export", object_type="organizations.organization").count() == 1
    login(client, users["resident"])
    assert client.get("/organizations/export.xlsx").status_code == 403
