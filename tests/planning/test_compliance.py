"""Standards compliance on the test district (default rules, a tiny walking network), scope, page, API,
the background job, and once on the whole demo district."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.test import Client

from linli.areas.models import Area, ResidentialPoint
from linli.core.errors import ApplicationError
from linli.core.models import User
from linli.facilities.models import Facility, FacilityType
from linli.planning.compliance import DEFAULT_RULES, compliance_evaluate, compliance_start
from linli.planning.models import Network, PlanningRun, Scenario
from tests.conftest import DISTRICT, SUB_A, SUB_B, TOWN, login, population

TYPES = {
    "chc": ("社区卫生服务中心", "health"),
    "chs": ("社区卫生服务站", "health"),
    "nc-community": ("社区级邻里中心", "neighbourhood_centre"),
    "party-mass-community": ("社区（村）党群服务中心", "government"),
    "community-service-station": ("社区服务站", "government"),
    "village-clinic": ("标准化村卫生室", "health"),
    "rural-centre": ("乡里中心", "rural_centre"),
}


def _facility(code: str, type_code: str, area: str, lon: float, floor: int | None = None, **extra) -> Facility:
    return Facility.objects.create(
        code=code, name=code, facility_type=FacilityType.objects.get(code=type_code),
        area=Area.objects.get(code=area), area_code=area, lon=lon, lat=30.005, floor_area_m2=floor, **extra,
    )  # fmt: skip


def _point(area: str, lon: float, scale: int) -> None:
    pop = population(scale)
    ResidentialPoint.objects.create(
        area=Area.objects.get(code=area), area_code=area, lon=lon, lat=30.005, residents=sum(pop.values()),
        population=pop,
    )  # fmt: skip


@pytest.fixture
def world(area_tree) -> Network:
    """Facilities, three residential points and a straight street along lat 30.005, nodes every 0.002°
    of longitude (about 193 m) from 120.000 to 120.120."""
    for code, (name, family) in TYPES.items():
        FacilityType.objects.create(code=code, name=name, family=family)
    _facility("chc-a", "chc", "990102001001", 120.006, 2000)
    _facility("chc-b", "chc", "990102002001", 120.052, 2000, status="planned")  # not built: does not count
    _facility("chs-a", "chs", "990102001002", 120.014, 200)
    _facility("chs-b1", "chs", "990102002001", 120.054, 200)
    _facility("chs-b2", "chs", "990102002002", 120.064, 200)
    _facility("ncc-a1", "nc-community", "990102001001", 120.004, 200)
    _facility("pm-a2", "party-mass-community", "990102001002", 120.012, 300)
    _facility("css-b1", "community-service-station", "990102002001", 120.056, 150)
    _facility("clinic", "village-clinic", "990102101201", 120.096, 80)
    _facility("centre", "rural-centre", "990102101201", 120.106, 400)
    _point("990102001001", 120.004, 30)  # 3,000 residents next to the chc
    _point("990102101201", 120.104, 9)  # 900: clinic 771 m, centre 193 m
    _point("990102101202", 120.118, 7)  # 700: clinic 2,121 m, too far

    lon = 120.0 + 0.002 * np.arange(61)
    relative = "networks/test-compliance.npz"
    path = Path(settings.DATA_DIR) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    u = np.arange(60)
    np.savez_compressed(path, lon=lon, lat=np.full(61, 30.005), u=u, v=u + 1, length=np.full(60, 0.002 * 96_405))
    return Network.objects.create(
        name="test street", area_code=DISTRICT, source="test", nodes=61, edges=60, file=relative
    )


def _rule(result: dict, rule_id: str) -> dict:
    return next(r for r in result["rules"] if r["id"] == rule_id)


def _area(rule: dict, code: str) -> dict:
    return next(a for a in rule["areas"] if a["code"] == code)


def test_sub_district_without_a_chc_fails_and_is_listed(world, users) -> None:
    result = compliance_evaluate(viewer=users["district"], area_code=DISTRICT)
    chc = _rule(result, "chc-per-subdistrict")
    assert [a["code"] for a in chc["areas"]] == [SUB_A, SUB_B]  # urban sub-districts only, not the town
    assert (chc["areas_passed"], chc["areas_failed"]) == (1, 1)
    assert chc["failing"] == [{"code": SUB_B, "name": "西山街道"}]
    assert _area(chc, SUB_B)["value"] == 0 and not chc["verified"]
    assert result["area"]["code"] == DISTRICT and result["network"]["name"] == "test street"


def test_residents_per_health_station(world, users, tmp_path) -> None:
    result = compliance_evaluate(viewer=users["district"], area_code=DISTRICT)
    ratio = _rule(result, "residents-per-health-station")
    a, b = _area(ratio, SUB_A), _area(ratio, SUB_B)
    assert a["value"] == pytest.approx((3000 + 2500) / 2) and a["detail"]["facilities"] == 2  # chc + chs
    assert b["value"] == pytest.approx((1000 + 800) / 2) and b["threshold"] == 10_000  # planned chc left out
    assert ratio["areas_failed"] == 0

    rules = tmp_path / "rules.toml"  # N = 0.1: at most 1,000 residents per station
    rules.write_text(DEFAULT_RULES.read_text(encoding="utf-8").replace("\nn = 1\n", "\nn = 0.1\n"), encoding="utf-8")
    strict = _rule(compliance_evaluate(viewer=users["district"], area_code=DISTRICT, rules_path=rules), ratio["id"])
    assert strict["failing"] == [{"code": SUB_A, "name": "东湖街道"}]
    assert _area(strict, SUB_A)["detail"]["more"] == 4  # 5,500 residents need 6 stations, 2 exist
    assert strict["parameters"]["n"] == 0.1


def test_floor_area_per_100_households(world, users) -> None:
    floor = _rule(compliance_evaluate(viewer=users["district"], area_code=DISTRICT), "community-floor-area")
    values = {a["code"]: (a["value"], a["passed"]) for a in floor["areas"]}
    assert values == {
        "990102001001": (pytest.approx(20.0), False),  # 200 m² / 1,000 households
        "990102001002": (pytest.approx(37.5), True),  # 300 m² / 800
        "990102002001": (pytest.approx(30.0), True),  # 150 m² / 500: exactly the threshold
        "990102002002": (0.0, False),
    }
    assert _area(floor, "990102001001")["detail"]["shortfall_m2"] == 100
    assert [a["code"] for a in floor["failing"]] == ["990102001001", "990102002002"]


def test_circle_rules_on_the_tiny_network(world, users) -> None:
    result = compliance_evaluate(viewer=users["district"], area_code=DISTRICT)
    rural = _rule(result, "circle-rural-2km")
    up, down = _area(rural, "990102101201"), _area(rural, "990102101202")
    assert (up["value"], up["passed"], up["detail"]["residents_complete"]) == (1.0, True, 900)
    assert (down["value"], down["passed"]) == (0.0, False)
    assert down["detail"]["missing"] == [{"type": "village-clinic", "residents": 700, "share": 1.0}]
    assert rural["summary"]["residents"] == 1600 and rural["summary"]["residents_complete"] == 900

    urban = _rule(result, "circle-15min")
    home = _area(urban, "990102001001")
    missing = {m["type"] for m in home["detail"]["missing"]}
    assert "chc" not in missing and "junior-middle-school" in missing and not home["passed"]
    assert {a["code"] for a in urban["skipped"]} == {"990102001002", "990102002001", "990102002002"}  # no points
    assert any(item["name"].startswith("街道办事处") for item in urban["parameters"]["not_checked"])


def test_scope(world, users) -> None:
    mine = compliance_evaluate(viewer=users["town"], area_code=SUB_A)
    assert [a["code"] for a in _rule(mine, "chc-per-subdistrict")["areas"]] == [SUB_A]
    with pytest.raises(ApplicationError) as info:
        compliance_evaluate(viewer=users["town"], area_code=SUB_B)
    assert info.value.status == 404
    with pytest.raises(ApplicationError) as info:
        compliance_evaluate(viewer=users["resident"], area_code=SUB_A)
    assert info.value.status == 403


def test_bad_rules_file_names_rule_and_field(world, users, tmp_path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(DEFAULT_RULES.read_text(encoding="utf-8").replace('"one_per_area"', '"one_per_town"'), "utf-8")
    with pytest.raises(ApplicationError) as info:
        compliance_evaluate(viewer=users["district"], area_code=DISTRICT, rules_path=rules)
    assert info.value.code == "bad_rules"
    assert info.value.extra == {"rule": "'chc-per-subdistrict' (#1)", "field": "kind"}


def test_page_and_api(world, users, client: Client, token_for) -> None:
    login(client, users["district"])
    page = client.get("/planning/compliance/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/areas/{SUB_B}/"' in html and 'data-testid="failing-chc-per-subdistrict"' in html
    assert f"<code>{SUB_B}</code>" in html

    town = Client()
    login(town, users["town"])
    assert town.get(f"/planning/compliance/?area={SUB_B}").status_code == 404
    assert town.get(f"/planning/compliance/?area={SUB_A}").status_code == 200

    api = Client().get(f"/api/planning/compliance/?area={DISTRICT}", **token_for(users["district"]))
    assert api.status_code == 200
    data = api.json()
    assert _rule(data, "chc-per-subdistrict")["failing"] == [{"code": SUB_B, "name": "西山街道"}]
    assert _rule(data, "residents-per-health-station")["areas"][0]["value"] == pytest.approx(2750)
    denied = Client().get(f"/api/planning/compliance/?area={SUB_B}", **token_for(users["town"]))
    assert denied.status_code == 404 and denied.json()["code"] == "not_found"


def test_background_job_keeps_a_planning_run(world, users, django_capture_on_commit_callbacks) -> None:
    user: User = users["district"]
    area = Area.objects.get(code=DISTRICT)
    scenario = Scenario.objects.create(name="s", area=area, area_code=DISTRICT, network=world, created_by=user)
    with django_capture_on_commit_callbacks(execute=True):  # huey runs the job inline in tests
        job = compliance_start(actor=user, area_code=TOWN, scenario=scenario)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    run = PlanningRun.objects.get(job=job)
    assert run.kind == "compliance" and run.scenario == scenario
    assert _area(_rule(run.result, "circle-rural-2km"), "990102101201")["passed"]
    assert job.result["run"] == run.pk

    with django_capture_on_commit_callbacks(execute=True):
        plain = compliance_start(actor=user, area_code=SUB_A)
    plain.refresh_from_db()
    assert plain.status == "succeeded" and plain.result["area"]["code"] == SUB_A
    with pytest.raises(ApplicationError):
        compliance_start(actor=users["community"], area_code=SUB_A)  # community staff start no jobs


def test_demo_district_has_gaps_in_every_rule_kind(db) -> None:
    from linli.demo.services import demo_load

    demo_load(apps=False)
    admin = User.objects.get(username="admin")
    result = compliance_evaluate(viewer=admin, area_code=DISTRICT)
    assert result["network"] is not None and result["elapsed_s"] < 10
    by_kind: dict[str, list[int]] = {}
    for rule in result["rules"]:
        assert rule["evaluated"], rule["id"]
        passed, failed = by_kind.setdefault(rule["kind"], [0, 0])
        by_kind[rule["kind"]] = [passed + rule["areas_passed"], failed + rule["areas_failed"]]
    assert set(by_kind) == {"one_per_area", "max_residents_per_facility", "circle_set", "floor_area_per_households"}
    assert all(passed > 0 and failed > 0 for passed, failed in by_kind.values()), by_kind
