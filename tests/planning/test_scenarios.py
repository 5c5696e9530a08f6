"""Planning scenarios and coverage runs on a tiny network whose distances are known by hand.

The network is a straight street of 11 nodes, 100 m apart (node i at lon 120.000 + i * 0.001, lat 30.005).
A kindergarten stands at node 0 and an elderly station at node 10. Residential points stand on nodes:
P1 at node 4 (10 children aged 3-5), P2 at node 2 (50 elderly, no children) - both in 东湖社区 of 东湖街道 -
and P3 at node 9 (5 children) in 西山社区 of 西山街道."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.conf import settings

from linli.areas.models import Area, ResidentialPoint
from linli.core.errors import ApplicationError
from linli.facilities.models import Facility, FacilityType
from linli.jobs.enums import JobStatus
from linli.jobs.services import job_run
from linli.planning import selectors, services
from linli.planning.models import Network, PlanningRun, Scenario

N_NODES = 11


def node_lon(i: int) -> float:
    return 120.0 + i * 0.001


LAT = 30.005


def _point(code: str, node: int, **population: int) -> ResidentialPoint:
    groups = {"0-2": 0, "3-5": 0, "6-14": 0, "15-59": 0, "60-79": 0, "80+": 0}
    groups.update({k.replace("_", "-").replace("age-", ""): v for k, v in population.items()})
    return ResidentialPoint.objects.create(
        area=Area.objects.get(code=code),
        area_code=code,
        lon=node_lon(node),
        lat=LAT,
        residents=sum(groups.values()),
        population=groups,
    )


@pytest.fixture
def tiny(area_tree) -> dict[str, Any]:
    relative = f"networks/tiny-{uuid.uuid4().hex}.npz"
    path = Path(settings.DATA_DIR) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    lon = np.array([node_lon(i) for i in range(N_NODES)])
    lat = np.full(N_NODES, LAT)
    u = np.arange(N_NODES - 1)
    v = u + 1
    np.savez_compressed(
        path,
        lon=lon,
        lat=lat,
        u=u,
        v=v,
        length=np.full(N_NODES - 1, 100.0),
        way_ptr=np.array([0, N_NODES], dtype=np.int64),
        way_nodes=np.arange(N_NODES, dtype=np.int32),
    )
    network = Network.objects.create(
        name="tiny", area_code="990102000000", source="test", nodes=N_NODES, edges=N_NODES - 1, file=relative
    )
    kindergarten = FacilityType.objects.create(
        code="kindergarten", name="幼儿园", family="education", living_circle="5min", service_radius_m=300,
        age_groups=["3-5"],
    )  # fmt: skip
    elderly = FacilityType.objects.create(
        code="elderly-station", name="小区养老服务站", family="elderly", living_circle="5min", service_radius_m=300,
        age_groups=["60-79", "80+"],
    )  # fmt: skip
    FacilityType.objects.create(code="chc", name="社区卫生服务中心", family="health", living_circle="15min")
    east = Area.objects.get(code="990102001001")
    Facility.objects.create(
        code="K1", name="东湖幼儿园", facility_type=kindergarten, area=east, area_code=east.code,
        lon=node_lon(0), lat=LAT,
    )  # fmt: skip
    Facility.objects.create(
        code="E1", name="西山养老站", facility_type=elderly, area=Area.objects.get(code="990102002001"),
        area_code="990102002001", lon=node_lon(10), lat=LAT,
    )  # fmt: skip
    p1 = _point("990102001001", 4, **{"3-5": 10})
    p2 = _point("990102001001", 2, **{"60-79": 30, "80+": 20})
    p3 = _point("990102002001", 9, **{"3-5": 5})
    return {"network": network, "p1": p1, "p2": p2, "p3": p3}


def make_scenario(user: Any, rules: list[dict[str, Any]] | None = None, **extra: Any) -> Scenario:
    return services.scenario_create(
        actor=user,
        name=extra.pop("name", "幼儿园与养老"),
        area_code=extra.pop("area_code", "990102000000"),
        rules=rules
        if rules is not None
        else [{"type": "kindergarten", "circle": "custom", "distance_m": 500}, {"type": "elderly-station"}],
        **extra,
    )


def finish(user: Any, scenario: Scenario) -> PlanningRun:
    run = services.coverage_run_start(actor=user, scenario=scenario, enqueue=False)
    assert run.job is not None
    job = job_run(job_id=str(run.job.pk))
    assert job.status == JobStatus.SUCCEEDED, job.error
    run.refresh_from_db()
    return run


def by_type(run: PlanningRun) -> dict[str, dict[str, Any]]:
    assert run.result is not None
    return {t["type"]: t for t in run.result["types"]}


def area_row(run: PlanningRun, code: str) -> dict[str, Any]:
    assert run.result is not None
    return next(a for a in run.result["areas"] if a["code"] == code)


# --- scenarios ---------------------------------------------------------------------------------------


def test_scenario_create_takes_circle_distances_and_age_groups_from_the_type(users, tiny):
    scenario = make_scenario(users["district"], walking_speed_mps=1.25)
    rules = {r.facility_type.code: r for r in scenario.rules.select_related("facility_type")}
    assert rules["kindergarten"].circle == "custom" and rules["kindergarten"].distance_m == 500
    assert rules["kindergarten"].age_groups == ["3-5"]
    assert rules["elderly-station"].circle == "5min" and rules["elderly-station"].distance_m == 300
    assert rules["elderly-station"].age_groups == ["60-79", "80+"]
    assert scenario.network == tiny["network"]
    assert services.walking_minutes(1000, 1.25) == 13.3
    assert services.CIRCLE_DISTANCE_M == {"15min": 1000, "10min": 500, "5min": 300, "rural2km": 2000}


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ([{"type": "kindergarten", "circle": "custom", "distance_m": 0}], "rules[1].distance_m"),
        ([{"type": "kindergarten", "circle": "custom", "distance_m": -50}], "rules[1].distance_m"),
        ([{"type": "kindergarten", "circle": "custom"}], "rules[1].distance_m"),
        ([{"type": "no-such-type"}], "rules[1].type"),
        ([{"type": "kindergarten", "circle": "20min"}], "rules[1].circle"),
        ([{"type": "kindergarten", "age_groups": ["99+"]}], "rules[1].age_groups"),
        ([], "rules"),
    ],
)
def test_bad_rules_name_the_field_and_write_nothing(users, tiny, rules, field):
    with pytest.raises(ApplicationError) as exc:
        make_scenario(users["district"], rules=rules)
    assert exc.value.status == 400
    assert field in [e["field"] for e in exc.value.extra["errors"]]
    assert Scenario.objects.count() == 0


def test_bad_name_and_speed_are_reported_together(users, tiny):
    with pytest.raises(ApplicationError) as exc:
        make_scenario(users["district"], name=" ", walking_speed_mps=0)
    assert {e["field"] for e in exc.value.extra["errors"]} == {"name", "walking_speed_mps"}


def test_area_out_of_scope_is_not_found_and_residents_are_refused(users, tiny):
    with pytest.raises(ApplicationError) as exc:
        make_scenario(users["town"], area_code="990102002000")
    assert exc.value.status == 404
    with pytest.raises(ApplicationError) as exc:
        make_scenario(users["resident"])
    assert exc.value.status == 403
    # Community staff see scenarios but do not run planning jobs.
    with pytest.raises(ApplicationError) as exc:
        make_scenario(users["community"], area_code="990102001001")
    assert exc.value.status == 403


def test_scenarios_visible_follow_scope(users, tiny):
    district = make_scenario(users["district"])
    town = make_scenario(users["town"], area_code="990102001000", name="东湖")
    assert set(selectors.scenarios_visible(viewer=users["town"])) == {town}
    assert set(selectors.scenarios_visible(viewer=users["district"])) == {district, town}
    with pytest.raises(ApplicationError) as exc:
        selectors.scenario_get(viewer=users["town"], pk=district.pk)
    assert exc.value.status == 404


# --- coverage runs -----------------------------------------------------------------------------------


def test_coverage_equals_hand_computation(users, tiny):
    run = finish(users["district"], make_scenario(users["district"]))
    t = by_type(run)
    # Kindergarten within 500 m: P1 (400 m, 10 children) and P2 (200 m, no children); P3 is 900 m away.
    assert t["kindergarten"]["covered"] == 10
    assert t["kindergarten"]["total"] == 15
    assert t["kindergarten"]["percent"] == pytest.approx(66.67)
    assert t["kindergarten"]["covered_points"] == 2
    # Elderly station within 300 m: only P3 (100 m), which has no elderly; P2's 50 elderly are 800 m away.
    assert t["elderly-station"]["covered"] == 0
    assert t["elderly-station"]["total"] == 50
    assert t["elderly-station"]["percent"] == 0.0
    arrays = selectors.run_arrays(run)
    k = list(arrays["types"]).index("kindergarten")
    order = {int(pid): i for i, pid in enumerate(arrays["point_id"])}
    p1, p2, p3 = (order[tiny[p].pk] for p in ("p1", "p2", "p3"))
    assert arrays["distance"][p1, k] == pytest.approx(400, abs=0.5)
    assert arrays["distance"][p2, k] == pytest.approx(200, abs=0.5)
    assert arrays["distance"][p3, k] == pytest.approx(900, abs=0.5)
    assert arrays["covered"][p1, k] and not arrays["covered"][p3, k]
    assert arrays["facility_code"][arrays["facility"][p1, k]] == "K1"


def test_the_same_point_is_covered_at_500_and_not_at_300(users, tiny):
    run = finish(
        users["district"], make_scenario(users["district"], rules=[{"type": "kindergarten", "circle": "5min"}])
    )
    t = by_type(run)["kindergarten"]
    # At 300 m only P2 (200 m) is covered, and P2 has no children: nothing of kindergarten demand is covered.
    assert t["distance_m"] == 300
    assert t["covered_points"] == 1
    assert t["covered"] == 0 and t["percent"] == 0.0


def test_weighting_by_age_group(users, tiny):
    """P2 has many elderly and no children: it adds nothing to kindergarten coverage; with the age groups
    overridden to everyone, it does."""
    everyone = ["0-2", "3-5", "6-14", "15-59", "60-79", "80+"]
    run = finish(
        users["district"],
        make_scenario(users["district"], rules=[{"type": "kindergarten", "circle": "5min", "age_groups": everyone}]),
    )
    t = by_type(run)["kindergarten"]
    assert t["covered"] == 50 and t["total"] == 65


def test_per_area_table_rolls_up_to_towns(users, tiny):
    run = finish(users["district"], make_scenario(users["district"]))
    east_town, east = area_row(run, "990102001000"), area_row(run, "990102001001")
    west_town = area_row(run, "990102002000")
    assert east_town["level"] == "town" and east["parent"] == "990102001000"
    assert east["types"]["kindergarten"] == {"covered": 10, "total": 10, "percent": 100.0}
    assert east_town["types"]["kindergarten"] == {"covered": 10, "total": 10, "percent": 100.0}
    assert west_town["types"]["kindergarten"] == {"covered": 0, "total": 5, "percent": 0.0}
    # No elderly live in 西山: its elderly coverage has nothing to divide.
    assert west_town["types"]["elderly-station"]["percent"] is None
    assert east_town["residents"] == 60 and west_town["residents"] == 5
    codes = [a["code"] for a in run.result["areas"]]
    assert codes.index("990102001000") < codes.index("990102001001") < codes.index("990102002000")


def test_run_job_writes_result_and_npz(users, tiny):
    run = finish(users["district"], make_scenario(users["district"]))
    assert run.arrays_file == f"planning/run-{run.pk}.npz"
    path = Path(settings.DATA_DIR) / run.arrays_file
    with np.load(path) as data:
        assert data["distance"].shape == (3, 2)
        assert data["covered"].dtype == bool
        assert set(data.files) >= {"point_id", "lon", "lat", "distance", "facility", "covered", "facility_code"}
    assert run.job is not None
    run.job.refresh_from_db()
    assert run.job.result["run"] == run.pk
    assert run.job.percent == 100
    assert run.result["summary"]["points"] == 3


def test_a_town_scenario_still_reaches_facilities_outside_the_town(users, tiny):
    """西山's elderly station serves points in 东湖 too: residents walk across the boundary."""
    scenario = make_scenario(
        users["town"],
        area_code="990102001000",
        rules=[{"type": "elderly-station", "circle": "custom", "distance_m": 900}],
    )
    run = finish(users["town"], scenario)
    t = by_type(run)["elderly-station"]
    assert t["covered"] == 50 and t["percent"] == 100.0


def test_run_start_needs_job_permission_in_scope(users, tiny):
    scenario = make_scenario(users["district"])
    with pytest.raises(ApplicationError) as exc:
        services.coverage_run_start(actor=users["town"], scenario=scenario, enqueue=False)
    assert exc.value.status == 403


# --- map layers and comparison -----------------------------------------------------------------------


def test_geojson_layers_are_well_formed(users, tiny):
    run = finish(users["district"], make_scenario(users["district"]))
    viewer = users["district"]
    points = selectors.run_layer(viewer=viewer, pk=run.pk, layer="points", type_code="kindergarten")
    assert points["type"] == "FeatureCollection" and len(points["features"]) == 3
    for f in points["features"]:
        assert f["type"] == "Feature" and f["geometry"]["type"] == "Point"
        lon, lat = f["geometry"]["coordinates"]
        assert 119 < lon < 121 and 29 < lat < 31
    props = {f["properties"]["id"]: f["properties"] for f in points["features"]}
    assert props[tiny["p1"].pk]["distance_m"] == 400 and props[tiny["p1"].pk]["covered"] is True
    assert props[tiny["p1"].pk]["band"] == 1  # <= 500 m
    assert props[tiny["p3"].pk]["band"] == 2 and props[tiny["p3"].pk]["covered"] is False
    uncovered = selectors.run_layer(viewer=viewer, pk=run.pk, layer="uncovered", type_code="kindergarten")
    assert [f["properties"]["id"] for f in uncovered["features"]] == [tiny["p3"].pk]
    facilities = selectors.run_layer(viewer=viewer, pk=run.pk, layer="facilities")
    assert {f["properties"]["code"] for f in facilities["features"]} == {"K1", "E1"}
    catchments = selectors.run_layer(viewer=viewer, pk=run.pk, layer="catchments", type_code="kindergarten")
    (feature,) = catchments["features"]
    assert feature["geometry"]["type"] == "MultiLineString" and feature["properties"]["facility"] == "K1"
    assert len(feature["geometry"]["coordinates"]) == 3
    with pytest.raises(ApplicationError) as exc:
        selectors.run_layer(viewer=viewer, pk=run.pk, layer="points", type_code="chc")
    assert exc.value.extra["field"] == "type"


def test_compare_shows_the_difference(users, tiny):
    user = users["district"]
    a = finish(user, make_scenario(user, rules=[{"type": "kindergarten", "circle": "5min"}], name="A"))
    b = finish(user, make_scenario(user, rules=[{"type": "kindergarten", "circle": "custom", "distance_m": 1000}]))
    c = selectors.run_compare(viewer=user, a=a.pk, b=b.pk)
    (row,) = c["types"]
    assert (row["a_percent"], row["b_percent"], row["diff"]) == (0.0, 100.0, 100.0)
    west = next(r for r in c["areas"] if r["code"] == "990102002000")
    assert west["cells"][0] == {"type": "kindergarten", "a": 0.0, "b": 100.0, "diff": 100.0}


def test_compare_refuses_runs_of_different_areas(users, tiny):
    user = users["district"]
    a = finish(user, make_scenario(user))
    b = finish(user, make_scenario(user, area_code="990102001000"))
    with pytest.raises(ApplicationError) as exc:
        selectors.run_compare(viewer=user, a=a.pk, b=b.pk)
    assert exc.value.extra["field"] == "b"
