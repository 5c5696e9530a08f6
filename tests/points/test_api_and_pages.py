"""The API and the pages: a resident's balance, statement, catalogue, redeem and codes; staff's catalogue,
rules (with what will change first), liability, counter, flags, reversals; scope (404 out of it, 403 for a
role without the permission); bad inputs named by field, nothing written."""

from __future__ import annotations

import pytest
from django.test import Client

from linli.points import codes
from linli.points.enums import RedemptionStatus, TransferKind
from linli.points.models import CatalogueItem, Redemption, Rule, Transfer
from tests.conftest import login
from tests.points.conftest import COMMUNITY

pytestmark = pytest.mark.django_db


def test_resident_api_balance_statement_redeem_codes(rule, users, item, earn, token_for):
    earn(users["resident"], 50)
    auth = token_for(users["resident"])
    client = Client()
    me = client.get("/api/points/me", **auth).json()
    assert me["balance"] == 50 and me["accounts"][0]["area_code"] == COMMUNITY
    assert [i["name"] for i in client.get("/api/points/catalogue", **auth).json()] == ["大米 5kg"]
    response = client.post(f"/api/points/catalogue/{item.pk}/redeem", content_type="application/json", **auth)
    assert response.status_code == 201
    code = response.json()["code"]
    assert codes.code_hash(code) == Redemption.objects.get().code_hash
    statement = client.get("/api/points/me/statement", **auth).json()["items"]
    assert [m["amount"] for m in statement] == [-30, 50]
    mine = client.get("/api/points/me/redemptions", **auth).json()["items"]
    assert mine[0]["code"] == code and mine[0]["status"] == "issued"
    again = client.post(f"/api/points/catalogue/{item.pk}/redeem", content_type="application/json", **auth)
    assert again.status_code == 409 and again.json()["code"] == "not_enough_points"
    assert again.json()["detail"]["field"] == "points"


def test_staff_api_counter_collects_once(rule, users, item, earn, token_for):
    earn(users["resident"], 50)
    code = (
        Client()
        .post(
            f"/api/points/catalogue/{item.pk}/redeem", content_type="application/json", **token_for(users["resident"])
        )
        .json()["code"]
    )
    staff = token_for(users["community"])
    client = Client()
    forged = client.post("/api/points/manage/redemptions/collect", {"code": "AAAAA-BBBBB"}, "application/json", **staff)
    assert forged.status_code == 400 and forged.json()["detail"]["field"] == "code"
    seen = client.post("/api/points/manage/redemptions/verify", {"code": code}, "application/json", **staff).json()
    assert seen["item"] == "大米 5kg" and seen["resident"] != "resident"  # masked
    ok = client.post("/api/points/manage/redemptions/collect", {"code": code}, "application/json", **staff)
    assert ok.status_code == 200 and ok.json()["status"] == RedemptionStatus.COLLECTED
    reused = client.post("/api/points/manage/redemptions/collect", {"code": code}, "application/json", **staff)
    assert reused.status_code == 409 and reused.json()["code"] == "code_used"
    other = token_for(users["other_community"])
    assert client.get("/api/points/manage/liability", **other).json() == []
    (row,) = client.get("/api/points/manage/liability", **staff).json()
    assert (row["issued"], row["spent"], row["outstanding"]) == (50, 30, 20)


def test_api_forbidden_for_residents_and_items_out_of_scope(rule, users, item, token_for):
    client = Client()
    resident = token_for(users["resident"])
    assert client.get("/api/points/manage/items", **resident).status_code == 403
    other = token_for(users["other_community"])
    patch = client.patch(f"/api/points/manage/items/{item.pk}", {"stock": 1}, "application/json", **other)
    assert patch.status_code == 404
    item.refresh_from_db()
    assert item.stock == 10


def test_api_item_bad_input_named_and_nothing_written(rule, users, token_for):
    client = Client()
    staff = token_for(users["community"])
    body = {"area_code": COMMUNITY, "name": "毛巾", "cost": -5, "stock": -1}
    response = client.post("/api/points/manage/items", body, "application/json", **staff)
    assert response.status_code == 400
    assert sorted(e["field"] for e in response.json()["detail"]["errors"]) == ["cost", "stock"]
    assert not CatalogueItem.objects.exists()
    ok = client.post("/api/points/manage/items", {**body, "cost": 5, "stock": 3}, "application/json", **staff)
    assert ok.status_code == 201 and ok.json()["stock"] == 3


def test_api_rules_dry_run_shows_changes_then_saves(rule, users, token_for):
    client = Client()
    staff = token_for(users["community"])
    body = {"area_code": COMMUNITY, "per_attendance": 10, "per_hour": 8, "daily_cap": 30}
    dry = client.put("/api/points/manage/rules?dry_run=true", body, "application/json", **staff).json()
    assert {c["field"]: (c["before"], c["after"]) for c in dry["changes"]} == {
        "per_hour": (5, 8),
        "daily_cap": (None, 30),
    }
    assert Rule.objects.get().per_hour == 5
    client.put("/api/points/manage/rules", body, "application/json", **staff)
    assert Rule.objects.get().per_hour == 8
    bad = client.put("/api/points/manage/rules", {**body, "per_attendance": -1}, "application/json", **staff)
    assert bad.status_code == 400 and bad.json()["detail"]["errors"][0]["field"] == "per_attendance"
    assert Rule.objects.get().per_attendance == 10


def test_api_reverse_preview_then_reverse_then_refuse_reversal_of_reversal(rule, users, earn, token_for):
    earn(users["resident"], 20)
    t = Transfer.objects.get()
    client = Client()
    staff = token_for(users["community"])
    preview = client.get(f"/api/points/manage/transfers/{t.pk}/reverse", **staff).json()
    assert (preview["resident_before"], preview["resident_after"], preview["problem"]) == (20, 0, None)
    done = client.post(f"/api/points/manage/transfers/{t.pk}/reverse", {"memo": "重复"}, "application/json", **staff)
    assert done.status_code == 201 and done.json()["kind"] == TransferKind.REVERSE
    again = client.post(
        f"/api/points/manage/transfers/{done.json()['id']}/reverse", {"memo": ""}, "application/json", **staff
    )
    assert again.status_code == 409 and again.json()["detail"]["field"] == "transfer"
    other = token_for(users["other_community"])
    assert client.get(f"/api/points/manage/transfers/{t.pk}/reverse", **other).status_code == 404


def test_resident_pages_in_chinese(rule, users, item, earn, client):
    earn(users["resident"], 50)
    login(client, users["resident"])
    page = client.get("/points/").content.decode()
    assert "我的积分" in page and 'data-testid="balance">50<' in page
    assert "大米 5kg" in client.get("/points/catalogue/").content.decode()
    response = client.post(f"/points/catalogue/{item.pk}/redeem/", follow=True)
    body = response.content.decode()
    code = codes.code_for(Redemption.objects.get().code_nonce)
    assert code in body
    refused = client.post(f"/points/catalogue/{item.pk}/redeem/", follow=True).content.decode()
    assert "积分不足" in refused and Redemption.objects.count() == 1
    home = client.get("/").content.decode()
    assert 'data-panel="points.balance"' in home


def test_staff_pages_counter_rules_and_reverse(rule, users, item, earn, client):
    earn(users["resident"], 50)
    from linli.points.services import redemption_create

    _r, code = redemption_create(resident=users["resident"], item_id=item.pk)
    login(client, users["community"])
    assert "东湖社区" in client.get("/points/manage/").content.decode()
    found = client.post("/points/manage/counter/", {"code": code}).content.decode()
    assert 'data-testid="found" data-status="issued"' in found
    client.post("/points/manage/counter/", {"code": code, "collect": "1"})
    assert Redemption.objects.get().status == RedemptionStatus.COLLECTED
    forged = client.post("/points/manage/counter/", {"code": "ZZZZZ-ZZZZZ"})
    assert forged.status_code == 400 and "兑换码无效" in forged.content.decode()
    form = {"area_code": COMMUNITY, "per_attendance": "10", "per_hour": "6", "valid_days": "365"}
    preview = client.post("/points/manage/rules/", {**form, "domains": ["elderly", "sports"]}).content.decode()
    assert 'data-testid="changes"' in preview and Rule.objects.get().per_hour == 5
    assert "养老、体育" in preview.replace(" ", "") and "[" not in preview.split('data-testid="changes"')[1][:800]
    client.post("/points/manage/rules/", {**form, "confirm": "1"})
    assert Rule.objects.get().per_hour == 6
    bad = client.post("/points/manage/rules/", {**form, "per_hour": "-2"})
    assert bad.status_code == 400 and "每志愿小时积分" in bad.content.decode()
    earn_t = Transfer.objects.filter(kind=TransferKind.EARN).get()
    preview = client.get(f"/points/manage/transfers/{earn_t.pk}/reverse/").content.decode()
    assert 'data-testid="problem"' in preview  # 30 of the 50 points were spent
    assert client.get("/points/manage/flags/").status_code == 200
    home = client.get("/").content.decode()
    assert 'data-panel="points.staff"' in home and 'href="/points/manage/"' in home
    assert client.get("/points/manage/catalogue/").status_code == 200
    assert client.get(f"/points/manage/catalogue/{item.pk}/").status_code == 200
    assert client.get("/points/manage/transfers/").status_code == 200
    login(client, users["other_community"])
    assert client.get(f"/points/manage/catalogue/{item.pk}/").status_code == 404
    login(client, users["resident"])
    assert client.get("/points/manage/").status_code == 403
