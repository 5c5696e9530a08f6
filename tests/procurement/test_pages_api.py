"""Pages and API: sealed bids, scope (operators their own, evaluators their assignments, staff their area),
the public pages without personal data, refusals naming the field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from linli.procurement import services
from linli.procurement.models import Project
from tests.conftest import login
from tests.procurement.conftest import awarded_contract, close, open_tender, to_tender

pytestmark = pytest.mark.django_db


def test_bids_sealed_for_staff_on_page_and_api_until_the_deadline(buy, client: Client):
    to_tender(buy)
    tender = open_tender(buy)
    services.bid_submit(actor=buy["accounts"][0], lot_id=tender.lots.get().pk, price="287654", proposal="秘密方案")
    login(client, buy["district"])
    page = client.get(f"/procurement/projects/{buy['project'].pk}/").content.decode()
    assert "287654" not in page and "秘密方案" not in page and "邻安养老服务中心" not in page
    bids = client.get(f"/api/procurement/tenders/{tender.pk}/bids").json()
    assert bids[0]["sealed"] is True and bids[0]["price"] is None and bids[0]["proposal"] is None
    close(tender)
    bids = client.get(f"/api/procurement/tenders/{tender.pk}/bids").json()
    assert bids[0]["price"] == "287654.00" and bids[0]["proposal"] == "秘密方案"


def test_admin_shows_no_bid():
    from django.contrib import admin

    from linli.procurement.models import Bid

    assert Bid not in admin.site._registry


def test_project_page_shows_computed_evidence(buy, client: Client):
    from linli.feedback.models import Need, NeedSupport

    need = Need.objects.create(
        title="老人吃饭难", domain="elderly", area=buy["facility"].area, area_code="990102001001",
        proposer=buy["users"]["resident"],
    )  # fmt: skip
    NeedSupport.objects.create(need=need, user=buy["users"]["resident_b"])
    buy["facility"].__class__.objects.filter(pk=buy["facility"].pk).update(operator=None)
    login(client, buy["district"])
    page = client.get(f"/procurement/projects/{buy['project'].pk}/").content.decode()
    assert "老人吃饭难" in page and "东湖邻里中心" in page


def test_skipped_step_on_the_page_names_the_step(buy, client: Client):
    login(client, buy["district"])
    response = client.post(f"/procurement/projects/{buy['project'].pk}/", {"do": "advance", "stage": "tender"})
    assert response.status_code == 400
    assert "不能跳过“目标确立”" in response.content.decode()  # pages speak Chinese
    assert Project.objects.get(pk=buy["project"].pk).stage == "needs"


def test_operator_sees_only_its_own(buy, client: Client):
    contract = awarded_contract(buy)
    login(client, buy["accounts"][2])  # the losing bidder
    assert client.get(f"/procurement/contracts/{contract.pk}/").status_code == 404
    assert client.get("/api/procurement/contracts").json() == []
    login(client, buy["accounts"][0])
    assert client.get(f"/procurement/contracts/{contract.pk}/").status_code == 200
    assert [c["number"] for c in client.get("/api/procurement/contracts").json()] == ["HT-2026-001"]
    page = client.get("/procurement/operator/").content.decode()
    assert "HT-2026-001" in page
    # staff of another area
    other = buy["users"]["other_community"]
    login(client, other)
    assert client.get(f"/procurement/contracts/{contract.pk}/").status_code in (403, 404)


def test_evaluator_sees_only_assigned(buy, client: Client):
    from tests.conftest import make_user

    contract = awarded_contract(buy)
    evaluator = buy["users"]["evaluator"]
    ev = services.evaluation_assign(
        actor=buy["district"], contract=contract, kind="final", evaluator=evaluator, due_on=dt.date(2026, 12, 1)
    )
    stranger = make_user("evaluator2", "evaluator", scope="990102")
    login(client, stranger)
    assert client.get(f"/procurement/evaluations/{ev.pk}/").status_code == 404
    assert client.get("/api/procurement/evaluations").json() == []
    login(client, evaluator)
    page = client.get(f"/procurement/evaluations/{ev.pk}/")
    assert page.status_code == 200
    response = client.post(
        f"/procurement/evaluations/{ev.pk}/",
        {"delivery": "45", "quality": "20", "satisfaction": "10", "management": "5", "comment": "x"},
    )
    assert response.status_code == 400
    ev.refresh_from_db()
    assert ev.signed_at is None


def test_evidence_pack_masks_contacts(buy, client: Client):
    from django.utils import timezone

    from linli.bookings.models import Activity, Registration, Session

    contract = awarded_contract(buy)
    activity = Activity.objects.create(facility=buy["facility"], title="讲座", domain="elderly")
    starts = timezone.now() - dt.timedelta(days=1)
    s = Session.objects.create(
        activity=activity, starts_at=starts, ends_at=starts + dt.timedelta(hours=1), capacity=5,
        opens_at=starts - dt.timedelta(days=2), closes_at=starts,
    )  # fmt: skip
    Registration.objects.create(session=s, resident=buy["users"]["resident"], status="attended", checked_in_at=starts)
    evaluator = buy["users"]["evaluator"]
    ev = services.evaluation_assign(
        actor=buy["district"], contract=contract, kind="midterm", evaluator=evaluator, due_on=dt.date(2026, 7, 1)
    )
    login(client, evaluator)
    page = client.get(f"/procurement/evaluations/{ev.pk}/").content.decode()
    assert "139****5678" in page and "13912345678" not in page


def test_public_page_and_notice_have_no_personal_data(buy, client: Client):
    contract = awarded_contract(buy)
    services.project_advance(actor=buy["district"], project=buy["project"], to_stage="delivery")
    for url in (f"/procurement/public/{buy['project'].pk}/", f"/procurement/public/{buy['project'].pk}/notice/"):
        page = client.get(url).content.decode()
        assert contract.operator.name in page and "280000" in page
        assert "13800001111" not in page and "赵经理" not in page


def test_resident_rates_through_the_page_once(buy, client: Client):
    awarded_contract(buy)
    services.project_advance(actor=buy["district"], project=buy["project"], to_stage="delivery")
    login(client, buy["users"]["resident"])
    response = client.post(f"/procurement/public/{buy['project'].pk}/", {"kind": "rating", "rating": "5"})
    assert response.status_code == 400  # never used the service
    assert "只有使用过该服务的居民才能评价" in response.content.decode()


def test_api_refusals_name_the_field(buy, client: Client):
    login(client, buy["district"])
    pid = buy["project"].pk
    r = client.post(f"/api/procurement/projects/{pid}/advance", {"stage": "tender"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["detail"]["field"] == "stage"
    client.post(f"/api/procurement/projects/{pid}/advance", {"stage": "targets"}, content_type="application/json")
    r = client.post(
        f"/api/procurement/projects/{pid}/targets", {"metric": "vibes", "target": 3}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["detail"]["field"] == "metric"
    r = client.post(
        f"/api/procurement/projects/{pid}/targets", {"metric": "sessions", "target": 8}, content_type="application/json"
    )
    assert r.status_code == 201
    r = client.get("/api/procurement/ocds/releases")
    assert r.status_code == 200 and r.json()["releases"]


def test_ocds_api_with_no_project_is_a_clear_error(db, client: Client):
    r = client.get("/api/procurement/ocds/releases")
    assert r.status_code == 400 and r.json()["code"] == "no_projects"


def test_kpi_command(buy):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    awarded_contract(buy)
    out = StringIO()
    call_command("kpi_compute", "--month", "2026-03", stdout=out)
    assert "2" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("kpi_compute", "--month", "2026-13", stdout=out)


def test_market_entry_exit_and_credit_api(buy, client: Client):
    from linli.facilities.models import Operator
    from tests.facilities.conftest import credit_code

    login(client, buy["district"])
    bad = {
        "operator": {
            "name": "新运营方",
            "kind": "company",
            "credit_code": "91990102MA000000X",
            "area_code": "990102000000",
        },
        "qualification": "资质",
    }
    r = client.post("/api/procurement/operators", bad, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["detail"]["errors"][0]["field"] == "credit_code"
    assert not Operator.objects.filter(name="新运营方").exists()
    good = {**bad, "operator": {**bad["operator"], "credit_code": credit_code("91990102MA0000009")}}
    r = client.post("/api/procurement/operators", good, content_type="application/json")
    assert r.status_code == 201 and r.json()["credit_level"] == "B"
    op = Operator.objects.get(name="新运营方")
    r = client.post(
        f"/api/procurement/operators/{op.pk}/sanctions",
        {"kind": "suspension", "starts_on": "2026-01-01", "reason": "违约"},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["detail"]["field"] == "ends_on"
    r = client.post(
        f"/api/procurement/operators/{op.pk}/sanctions",
        {"kind": "exclusion", "starts_on": "2026-01-01", "reason": "违约"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["suspended"] is True
    r = client.post(f"/api/procurement/operators/{op.pk}/credit", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["credit_level"] in ("C", "D")
    assert any(reason["reason"] == "sanction" for reason in r.json()["credit_reasons"])
    login(client, buy["accounts"][0])
    assert (
        client.post(f"/api/procurement/operators/{op.pk}/credit", {}, content_type="application/json").status_code
        == 403
    )
    assert client.get("/api/procurement/my/credit").json()["operator"] == buy["ops"][0].pk


def test_staff_of_another_area_get_404(buy, client: Client):
    from tests.conftest import make_user

    other_town = make_user("town_b", "town_staff", scope="990102002")
    login(client, other_town)
    assert client.get(f"/procurement/projects/{buy['project'].pk}/").status_code == 404
    assert client.get(f"/api/procurement/projects/{buy['project'].pk}").status_code == 404
    login(client, buy["users"]["resident"])
    assert client.get("/procurement/").status_code == 403


def test_workbench_panels(buy, client: Client):
    contract = awarded_contract(buy)
    services.kpi_compute(month=dt.date(2026, 2, 1))  # nothing delivered: at risk
    login(client, buy["district"])
    assert contract.number in client.get("/").content.decode()
    login(client, buy["accounts"][0])
    assert contract.number in client.get("/").content.decode()


def test_operators_page_suspends_with_reason(buy, client: Client):
    login(client, buy["district"])
    op = buy["ops"][1]
    response = client.post(
        "/procurement/operators/",
        {"do": "sanction", "operator": op.pk, "kind": "suspension", "starts_on": "2026-01-01", "reason": "违约"},
    )
    assert response.status_code == 400 and "须有结束日期" in response.content.decode()
    response = client.post(
        "/procurement/operators/",
        {
            "do": "sanction",
            "operator": op.pk,
            "kind": "suspension",
            "starts_on": "2026-01-01",
            "ends_on": "2099-01-01",
            "reason": "虚报人次",
        },
    )
    assert response.status_code == 302
    page = client.get("/procurement/operators/").content.decode()
    assert "虚报人次" in page
    login(client, buy["users"]["town"])  # may view procurement, may not manage operators
    assert client.get("/procurement/operators/").status_code == 403


def test_expert_pool_api(buy, client: Client):
    login(client, buy["district"])
    r = client.post("/api/procurement/experts", {"name": " "}, content_type="application/json")
    assert r.status_code == 400 and r.json()["detail"]["field"] == "name"
    r = client.post(
        "/api/procurement/experts",
        {"name": "钱教授", "organization": "大学", "linked_operator_ids": [buy["ops"][2].pk]},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["linked_operator_ids"] == [buy["ops"][2].pk]
    assert "钱教授" in {e["name"] for e in client.get("/api/procurement/experts").json()}
    login(client, buy["accounts"][0])
    assert client.get("/api/procurement/experts").status_code == 403


def test_nav_entries_by_role(buy, client: Client):
    from tests.conftest import make_user

    login(client, buy["accounts"][0])
    page = client.get("/procurement/public/").content.decode()
    assert 'data-nav="procurement.workspace"' in page and 'data-nav="procurement"' not in page
    login(client, make_user("op_without_account", "operator"))
    assert 'data-nav="procurement.workspace"' not in client.get("/procurement/public/").content.decode()
    login(client, buy["district"])
    assert 'data-nav="procurement"' in client.get("/procurement/public/").content.decode()


def test_market_entry_page_names_the_bad_credit_code(buy, client: Client):
    from linli.facilities.models import Operator
    from tests.facilities.conftest import credit_code

    login(client, buy["district"])
    form = {"do": "register", "name": "新社工站", "kind": "social_org", "credit_code": "52990102MJ000000X",
            "area_code": "990102000000", "qualification": "民政登记"}  # fmt: skip
    response = client.post("/procurement/operators/", form)
    assert response.status_code == 400 and "统一社会信用代码" in response.content.decode()
    assert not Operator.objects.filter(name="新社工站").exists()
    response = client.post("/procurement/operators/", {**form, "credit_code": credit_code("52990102MJ0000077")})
    assert response.status_code == 302
    assert Operator.objects.get(name="新社工站").procurement_profile.qualification == "民政登记"
