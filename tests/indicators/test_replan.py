"""Re-plan: the dashboard proposes a siting run for the rural villages without a rural centre and lists the
domains where demand outruns supply; the button starts planning's siting run prefilled with them."""

from __future__ import annotations

from django.test import Client

from linli.feedback.models import Need
from linli.indicators.replan import replan_proposal
from linli.planning.models import PlanningRun
from tests.conftest import login
from tests.indicators.conftest import TODAY


def test_proposal_names_the_villages_and_the_domains(world, sessions, users):
    # sessions offer sports only; residents ask for elderly care
    Need.objects.create(
        title="助餐", domain="elderly", area_id=_area("990102001001"), area_code="990102001001",
        proposer=users["resident"],
    )  # fmt: skip
    Need.objects.filter(title="助餐").update(created_at=sessions[0].starts_at)
    proposal = replan_proposal(viewer=users["district"], code="990102000000", as_of=TODAY)
    assert [v.name for v in proposal.villages] == ["下村"] and proposal.k == 1
    assert proposal.facility_type == "rural-centre"
    assert len(proposal.gaps) == 1 and proposal.gaps[0][1:] == (100.0, 0.0)
    assert "养老" in proposal.gaps[0][0]


def _area(code: str) -> int:
    from linli.areas.models import Area

    return Area.objects.get(code=code).pk


def test_button_starts_a_prefilled_siting_run_or_says_why_not(client: Client, world, users):
    login(client, users["district"])
    assert 'data-testid="replan-link"' in client.get("/indicators/", {"area": "990102101000"}).content.decode()
    page = client.get("/indicators/replan/", {"area": "990102101000"}).content.decode()
    assert 'data-testid="replan"' in page and "下村" in page and "1个行政村尚未建成乡里中心" in page
    assert "启动选址分析：新增1个乡里中心" in page
    # the test district has no walking network: planning refuses, and the dashboard shows why
    r = client.post("/indicators/replan/", {"area": "990102101000"}, follow=True)
    assert r.redirect_chain == [("/indicators/replan/?area=990102101000", 302)]
    assert "选址运行未启动" in r.content.decode() and not PlanningRun.objects.exists()
    login(client, users["town"])
    assert client.post("/indicators/replan/", {"area": "990102101000"}).status_code == 404
    assert client.get("/indicators/replan/", {"area": "990102101000"}).status_code == 404
    login(client, users["resident"])
    assert client.get("/indicators/replan/", {"area": "990102101001"}).status_code == 403
