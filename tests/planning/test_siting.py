"""Siting: the job answers what a hand computation says, the gains add up, the solver proves optimality,
bad inputs name their field, and accepted sites become planned facilities of the registry.

The small case is a straight street along latitude 30.005 with a node every 0.001° of longitude (≈96 m);
residents (aged 3-5) at nodes 2, 8, 14 and 19, a built kindergarten at node 1 and idle spaces at nodes 5,
9, 12 and 17. With a 300 m radius a site covers the points up to 3 nodes away.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse

from linli.areas.models import Area, ResidentialPoint
from linli.core.errors import ApplicationError
from linli.core.models import AuditLog
from linli.engine.network import haversine
from linli.facilities.models import Facility, FacilityType
from linli.jobs.services import job_run
from linli.planning.models import IdleSpace, Network, PlanningRun
from linli.planning.siting import siting_accept, siting_run_start
from tests.conftest import login

LAT = 30.005
EAST = "990102001001"  # lon 120.00 .. 120.01
LAKE = "990102001002"  # lon 120.01 .. 120.02


def node_lon(i: int) -> float:
    return round(120.0 + 0.001 * i, 6)


@pytest.fixture
def street(area_tree, settings):
    n = 21
    lon = np.array([node_lon(i) for i in range(n)])
    lat = np.full(n, LAT)
    u, v = np.arange(n - 1), np.arange(1, n)
    relative = "networks/test-siting.npz"
    path = Path(settings.DATA_DIR) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        lon=lon,
        lat=lat,
        u=u,
        v=v,
        length=haversine(lon[u], lat[u], lon[v], lat[v]),
        way_ptr=np.array([0, n]),
        way_nodes=np.arange(n, dtype=np.int32),
    )
    Network.objects.create(name="street", area_code="990102000000", source="test", nodes=n, edges=n - 1, file=relative)
    kind = FacilityType.objects.create(
        code="kindergarten", name="幼儿园", family="education", age_groups=["3-5"], service_radius_m=300
    )
    areas = {a.code: a for a in Area.objects.filter(code__in=[EAST, LAKE])}
    people = {}
    for node, children in ((2, 50), (8, 20), (14, 30), (19, 5)):
        code = EAST if node < 10 else LAKE
        point = ResidentialPoint.objects.create(
            area=areas[code],
            area_code=code,
            lon=node_lon(node),
            lat=LAT,
            residents=children + 100,
            population={"3-5": children, "15-59": 100},
        )
        people[node] = point.pk
    Facility.objects.create(
        code="K1", name="东湖幼儿园", facility_type=kind, area=areas[EAST], area_code=EAST, lon=node_lon(1), lat=LAT
    )
    spaces = {}
    for node, name in ((5, "东湖闲置厂房"), (9, "东湖社区闲置用房"), (12, "湖滨原菜场"), (17, "湖滨闲置校舍")):
        code = EAST if node < 10 else LAKE
        space = IdleSpace.objects.create(
            name=name, area=areas[code], area_code=code, lon=node_lon(node), lat=LAT, floor_area_m2=500
        )
        spaces[node] = space
    return {"type": kind, "people": people, "spaces": spaces}


def run_siting(actor, **kwargs) -> PlanningRun:
    args = {"area_code": "990102001000", "facility_type_code": "kindergarten", "candidates": "idle"} | kwargs
    run = siting_run_start(actor=actor, **args)
    job = job_run(job_id=str(run.job_id))
    run.refresh_from_db()
    assert run.job is not None and job.status in ("succeeded", "failed")
    return run


def test_mclp_keeps_the_existing_facility_and_picks_the_hand_computed_site(street, users):
    run = run_siting(users["town"], objective="mclp", k=1, radius_m=300)
    result = run.result
    assert result["status"] == "ok" and result["optimal"] is True and result["gap"] == 0
    # Ignoring the existing kindergarten, node 5 (A 50 + B 20) would win; with it kept, A is covered
    # already and node 17 (C 30 + D 5) brings more than node 5 (B 20).
    (site,) = result["sites"]
    assert site["idle_space_id"] == street["spaces"][17].pk
    assert site["area_code"] == LAKE and site["area_name"] == "湖滨社区"
    assert result["covered_before"] == 50 and result["covered_after"] == 85
    assert site["gain"] == 35 and site["unique_gain"] == 35
    assert result["weight_total"] == 105 and result["counts"]["existing"] == 1


def test_gains_add_up_to_the_improvement(street, users):
    run = run_siting(users["district"], objective="mclp", k=3, radius_m=300)
    result = run.result
    assert result["optimal"] and result["covered_after"] == 105
    gains = [s["gain"] for s in result["sites"]]
    assert sum(gains) == pytest.approx(result["covered_after"] - result["covered_before"])
    assert gains == sorted(gains, reverse=True)
    assert result["sites"][0]["idle_space_id"] == street["spaces"][17].pk


def test_pmedian_and_lscp_run_and_prove_optimality(street, users):
    pmedian = run_siting(users["town"], objective="pmedian", k=2, radius_m=300).result
    assert pmedian["status"] == "ok" and pmedian["optimal"] is True and len(pmedian["sites"]) == 2
    assert pmedian["objective_after"] < pmedian["objective_before"]
    gains = [s["gain"] for s in pmedian["sites"]]
    assert sum(gains) == pytest.approx(pmedian["objective_before"] - pmedian["objective_after"], rel=1e-6)

    lscp = run_siting(users["town"], objective="lscp", radius_m=300).result
    assert lscp["status"] == "ok" and lscp["optimal"] is True
    # C and D need node 17; B needs node 5 or 9.
    assert lscp["objective_after"] == 2 and lscp["covered_after"] == lscp["weight_total"]
    chosen = {s["idle_space_id"] for s in lscp["sites"]}
    assert street["spaces"][17].pk in chosen and chosen & {street["spaces"][5].pk, street["spaces"][9].pk}


def test_infeasible_lscp_names_the_unreachable_points(street, users, client):
    run = run_siting(users["town"], objective="lscp", radius_m=150)
    assert run.job is not None and run.job.status == "failed"
    error = run.result["error"]
    assert error["code"] == "infeasible" and error["detail"]["field"] == "radius_m"
    assert sorted(error["detail"]["points"]) == sorted([street["people"][14], street["people"][19]])
    assert [a["code"] for a in error["detail"]["areas"]] == [LAKE]
    assert "湖滨社区" in error["message"]
    page = login(client, users["town"]).get(reverse("siting-run", args=[run.pk]))
    assert page.status_code == 200 and b"run-error" in page.content and "湖滨社区".encode() in page.content


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"objective": "mclp", "k": 5, "radius_m": 300}, "k"),
        ({"objective": "mclp", "k": 0, "radius_m": 300}, "k"),
        ({"objective": "mclp", "k": 1, "radius_m": 0}, "radius_m"),
        ({"objective": "lscp", "radius_m": -50}, "radius_m"),
        ({"objective": "mclp", "k": 1, "radius_m": 300, "facility_type_code": "castle"}, "facility_type"),
        ({"objective": "best", "k": 1}, "objective"),
        ({"objective": "mclp", "k": 1, "radius_m": 300, "time_limit_s": 0}, "time_limit_s"),
        (
            {"objective": "mclp", "k": 1, "radius_m": 300, "area_code": "990102001001", "candidates": "dream"},
            "candidates",
        ),
    ],
)
def test_bad_input_names_the_field(street, users, kwargs, field):
    args = {"area_code": "990102001000", "facility_type_code": "kindergarten", "candidates": "idle"} | kwargs
    with pytest.raises(ApplicationError) as caught:
        siting_run_start(actor=users["district"], **args)
    assert caught.value.status == 400
    assert field in {e["field"] for e in caught.value.extra["errors"]}
    assert not PlanningRun.objects.exists()


def test_no_candidates_and_scope(street, users):
    with pytest.raises(ApplicationError) as caught:
        siting_run_start(
            actor=users["district"], area_code="990102101000", facility_type_code="kindergarten", objective="mclp", k=1
        )
    assert caught.value.extra["errors"][0]["field"] == "candidates"
    # Town staff of 东湖街道 may not site in 西山街道: it does not exist for them.
    with pytest.raises(ApplicationError) as caught:
        siting_run_start(
            actor=users["town"], area_code="990102002000", facility_type_code="kindergarten", objective="mclp", k=1
        )
    assert caught.value.status == 404
    # Community staff cannot start jobs.
    with pytest.raises(ApplicationError) as caught:
        siting_run_start(
            actor=users["community"], area_code=EAST, facility_type_code="kindergarten", objective="mclp", k=1
        )
    assert caught.value.status == 403


def test_accept_creates_planned_facilities_once(street, users):
    run = run_siting(users["town"], objective="mclp", k=2, radius_m=300)
    before = AuditLog.objects.count()
    created = siting_accept(actor=users["town"], run=run, site_indices=[0, 1])
    assert len(created) == 2
    first = created[0]
    assert first.status == "planned" and first.planned_on is not None
    assert first.area_code == LAKE and first.code == f"P{LAKE}001" and first.name == "规划幼儿园(湖滨社区)"
    assert first.facility_type.code == "kindergarten" and first.floor_area_m2 == 500
    assert created[1].area_code == EAST
    assert AuditLog.objects.filter(object_type="facilities.facility", object_id=first.code, action="create").exists()
    assert AuditLog.objects.filter(object_type="planning.idlespace").count() == 2
    assert AuditLog.objects.count() == before + 4
    street["spaces"][17].refresh_from_db()
    assert street["spaces"][17].status == IdleSpace.Status.RESERVED
    run.refresh_from_db()
    assert run.result["accepted"] == {"0": first.code, "1": created[1].code}

    with pytest.raises(ApplicationError) as caught:
        siting_accept(actor=users["town"], run=run, site_indices=[0])
    assert caught.value.extra["errors"][0]["field"] == "sites"
    assert Facility.objects.filter(status="planned").count() == 2


def test_accept_is_all_or_nothing(street, users):
    run = run_siting(users["town"], objective="mclp", k=2, radius_m=300)
    with pytest.raises(ApplicationError):
        siting_accept(actor=users["town"], run=run, site_indices=[0, 7])
    assert not Facility.objects.filter(status="planned").exists()
    assert not IdleSpace.objects.filter(status="reserved").exists()
    with pytest.raises(ApplicationError) as caught:
        siting_accept(actor=users["other_community"], run=run, site_indices=[0])
    assert caught.value.status == 403


def test_pages_and_api(street, users, client, token_for):
    login(client, users["town"])
    page = client.get(reverse("siting-home"))
    assert page.status_code == 200 and b"siting-form" in page.content
    bad = client.post(
        reverse("siting-home"),
        {"area_code": "990102001000", "facility_type": "kindergarten", "objective": "mclp", "k": 9,
         "radius_m": 300, "candidates": "idle", "time_limit_s": 30},
    )  # fmt: skip
    assert bad.status_code == 400 and b'data-field="k"' in bad.content
    response = client.post(
        reverse("siting-home"),
        {"area_code": "990102001000", "facility_type": "kindergarten", "objective": "mclp", "k": 1,
         "radius_m": 300, "candidates": "idle", "time_limit_s": 30},
    )  # fmt: skip
    run = PlanningRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job-detail", args=[run.job_id])
    job_run(job_id=str(run.job_id))
    page = client.get(reverse("siting-run", args=[run.pk]))
    assert page.status_code == 200 and b"sites-table" in page.content
    layers = client.get(reverse("api:siting_run_layers", args=[run.pk])).json()
    assert len(layers["demand"]) == 4 and len(layers["candidates"]) == 4 and len(layers["sites"]) == 1
    accepted = client.post(reverse("siting-run", args=[run.pk]), {"site": ["0"]})
    assert accepted.status_code == 302
    page = client.get(reverse("siting-run", args=[run.pk]))
    assert f'href="/facilities/P{LAKE}001/"'.encode() in page.content
    assert client.get(reverse("siting-home")).content.count(b"data-run=") == 1

    headers = token_for(users["district"])
    started = client.post(
        "/api/planning/siting/runs",
        {"area_code": "990102001000", "facility_type": "kindergarten", "objective": "mclp", "k": 1},
        content_type="application/json",
        **headers,
    )
    assert started.status_code == 202, started.content
    run_id = started.json()["id"]
    job_run(job_id=started.json()["job"])
    detail = client.get(f"/api/planning/siting/runs/{run_id}", **headers).json()
    assert detail["result"]["optimal"] is True and detail["job_status"] == "succeeded"
    # The idle space at node 17 is reserved now: of the rest, node 12 (C 30) brings the most.
    assert detail["result"]["radius_m"] == 300 and detail["result"]["counts"]["candidates"] == 3
    (site,) = detail["result"]["sites"]
    assert site["idle_space_id"] == street["spaces"][12].pk
    index = site["index"]
    done = client.post(
        f"/api/planning/siting/runs/{run_id}/accept",
        {"sites": [index]},
        content_type="application/json",
        **headers,
    )
    assert done.status_code == 201 and done.json()[0]["status"] == "planned"
    wrong = client.post(
        "/api/planning/siting/runs",
        {"area_code": "990102001000", "facility_type": "kindergarten", "objective": "mclp", "k": 1, "radius_m": 0},
        content_type="application/json",
        **headers,
    )
    assert wrong.status_code == 400 and wrong.json()["detail"]["errors"][0]["field"] == "radius_m"
    other = client.get(f"/api/planning/siting/runs/{run_id}", **token_for(users["other_community"]))
    assert other.status_code == 404


def test_demo_kindergarten_mclp(db):
    from linli.core.models import User
    from linli.demo.services import demo_load

    demo_load(apps=False)
    admin = User.objects.get(username="admin")
    run = siting_run_start(
        actor=admin,
        area_code="990102000000",
        facility_type_code="kindergarten",
        objective="mclp",
        k=5,
        radius_m=500,
        candidates="generated",
        time_limit_s=60,
    )
    job = job_run(job_id=str(run.job_id))
    run.refresh_from_db()
    result = run.result
    assert job.status == "succeeded", job.error
    assert len(result["sites"]) == 5
    assert result["optimal"] or result["gap"] is not None
    assert result["covered_after"] > result["covered_before"]
    assert sum(s["gain"] for s in result["sites"]) == pytest.approx(result["covered_after"] - result["covered_before"])
    assert all(s["area_code"].startswith("990102") and len(s["area_code"]) == 12 for s in result["sites"])
    print(
        "demo MCLP kindergarten k=5 500 m:",
        {k: result[k] for k in ("covered_before", "covered_after", "weight_total", "optimal", "gap", "solver_seconds")},
        [(s["area_name"], s["gain"]) for s in result["sites"]],
    )
