"""Standards rules: the default file loads, bad files are refused naming rule and field, and every rule
kind gives the right figures on small hand-made arrays (and on a tiny network for the circle rule)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from linli.engine.access import Accessibility, accessibility
from linli.engine.network import from_edges
from linli.engine.standards import Areas, Facilities, Points, StandardsError, evaluate
from linli.engine.standards_rules import RulesError, load_rules, parse_rules

DEFAULT = Path(__file__).resolve().parents[2] / "src" / "linli" / "planning" / "rules" / "default.toml"

HEAD = """
id = "r1"
title_zh = "规则"
title_en = "Rule"
source = "test"
verified = false
"""

RULES = f"""
walking_speed_mps = 1.0

[[rule]]
{HEAD.replace('"r1"', '"chc"')}
kind = "one_per_area"
level = "town"
area_kind = "urban"
types = ["chc"]

[[rule]]
{HEAD.replace('"r1"', '"ratio"')}
kind = "max_residents_per_facility"
level = "town"
types = ["chs", "chc"]
n = 1

[[rule]]
{HEAD.replace('"r1"', '"floor"')}
kind = "floor_area_per_households"
level = "village"
types = ["nc-community", "community-service-station", "party-mass-community"]
min_m2_per_100_households = 30
preferred_m2_per_100_households = 80

[[rule]]
{HEAD.replace('"r1"', '"circle"')}
kind = "circle_set"
level = "village"
distance_m = 1000
min_share = 0.2
required = [
  {{ type = "chc", name = "社区卫生服务中心" }},
  {{ type = "kindergarten", name = "幼儿园", distance_m = 300 }}]
not_checked = [{{ name = "park", reason = "no type" }}]
"""


def _rule(kind_and_params: str, rule_id: str = "r1") -> str:
    return f'[[rule]]\n{HEAD.replace("r1", rule_id)}\nlevel = "town"\n{kind_and_params}\n'


@pytest.fixture
def areas() -> Areas:
    return Areas(
        code=["990102001000", "990102002000", "990102001001", "990102001002", "990102002001"],
        level=["town", "town", "village", "village", "village"],
        kind=["urban", "urban", "urban", "urban", "urban"],
        residents=[15_000, 25_000, 15_000, 0, 25_000],
        households=[1_000, 500, 1_000, 0, 500],
    )


@pytest.fixture
def facilities() -> Facilities:
    return Facilities(
        type_code=["chc", "chs", "chs", "nc-community", "community-service-station", "party-mass-community", "chc"],
        # the last lies outside both towns: it counts nowhere
        area_code=[*["990102001001"] * 2, "990102002001", *["990102001001"] * 3, "990103001001"],
        floor_area=[2000, 200, 200, 200, np.nan, 100, 500],
    )


def test_default_rules_file_loads() -> None:
    rules = load_rules(DEFAULT)
    kinds = {r.kind for r in rules}
    assert kinds == {"one_per_area", "max_residents_per_facility", "circle_set", "floor_area_per_households"}
    assert rules.get("chc-per-subdistrict").types == ("chc",)
    ratio = rules.get("residents-per-health-station")
    assert ratio.max_residents == 10_000 and not ratio.verified
    assert rules.get("community-floor-area").verified
    assert rules.get("circle-15min").required[0].distance_m == 1000
    assert "village-clinic" in rules.circle_types() and rules.max_distance() == 2000
    assert all(r.not_checked for r in rules if r.id in ("circle-15min", "circle-10min"))


def test_one_per_area_ratio_and_floor_area(areas: Areas, facilities: Facilities) -> None:
    result = evaluate(parse_rules(RULES), areas, facilities)

    chc = result.get("chc")
    assert [(a.code, a.value, a.passed) for a in chc.areas] == [("990102001000", 1, True), ("990102002000", 0, False)]
    assert [a.code for a in chc.failing] == ["990102002000"]

    ratio = result.get("ratio")
    a, b = ratio.areas
    assert (a.value, a.passed, a.detail["facilities"]) == (7_500, True, 2)
    assert (b.value, b.threshold, b.passed) == (25_000, 10_000, False)
    assert b.detail["facilities_needed"] == 3 and b.detail["more"] == 2

    floor = result.get("floor")
    assert floor.skipped == ("990102001002",)  # no households
    a1, b1 = floor.areas
    assert a1.value == pytest.approx(30.0) and a1.passed  # (200 + 100) m2 / 1000 households * 100
    assert a1.detail["unknown_floor_area"] == 1 and a1.detail["preferred_met"] is False
    assert (b1.value, b1.passed, b1.detail["shortfall_m2"]) == (0.0, False, 150.0)

    circle = result.get("circle")
    assert not circle.evaluated and circle.areas == ()


def test_ratio_without_facilities_is_infinite_and_json_safe(areas: Areas) -> None:
    none = Facilities(type_code=[], area_code=[], floor_area=[])
    result = evaluate(parse_rules(RULES), areas, none)
    b = result.get("ratio").areas[1]
    assert math.isinf(b.value) and not b.passed
    data = result.as_dict()
    ratio = next(r for r in data["rules"] if r["id"] == "ratio")
    assert ratio["areas"][1]["value"] is None and ratio["areas_failed"] == 2
    assert data["walking_speed_mps"] == 1.0


def test_circle_set_on_given_distances(areas: Areas, facilities: Facilities) -> None:
    points = Points(area_code=["990102001001", "990102001001", "990102002001"], residents=[100, 300, 50])
    access = Accessibility(
        types=("chc", "kindergarten"),
        distance=np.array([[500.0, 200.0], [1500.0, 100.0], [np.inf, np.inf]]),
        facility=np.zeros((3, 2), dtype=np.int64),
        snap=np.zeros(3),
    )
    circle = evaluate(parse_rules(RULES), areas, facilities, points=points, access=access).get("circle")
    assert circle.skipped == ("990102001002",)  # nobody lives there
    a1, b1 = circle.areas
    assert a1.value == pytest.approx(0.25) and a1.passed  # 100 of 400 residents, min_share 0.2
    assert a1.detail["residents_complete"] == 100 and a1.detail["points_complete"] == 1
    assert a1.detail["missing"] == [{"type": "chc", "residents": 300, "share": 0.75}]
    assert b1.value == 0 and not b1.passed
    assert [m["type"] for m in b1.detail["missing"]] == ["chc", "kindergarten"]
    assert circle.summary["residents"] == 450 and circle.summary["residents_complete"] == 100
    minutes = next(r for r in evaluate(parse_rules(RULES), areas, facilities).as_dict()["rules"] if r["id"] == "circle")
    assert minutes["parameters"]["required"][1]["minutes"] == 5.0  # 300 m at 1 m/s


def test_circle_set_on_a_tiny_network(areas: Areas, facilities: Facilities) -> None:
    """A street of ten nodes 100 m apart: chc at node 5, kindergarten at node 0, homes at nodes 0, 3, 9."""
    net = from_edges(120 + np.arange(10) * 0.001, np.full(10, 30.0), np.arange(9), np.arange(1, 10), np.full(9, 100.0))
    access = accessibility(net, [5, 0], ["chc", "kindergarten"], demand_node=[0, 3, 9])
    rules = parse_rules(RULES.replace("distance_m = 1000", "distance_m = 450"))
    points = Points(area_code=["990102001001"] * 3, residents=[10, 20, 40])
    a1 = evaluate(rules, areas, facilities, points=points, access=access).get("circle").areas[0]
    # node 0: chc 500 m > 450; node 3: chc 200, kindergarten 300 -> complete; node 9: kindergarten 900 m.
    assert a1.detail["residents_complete"] == 20 and a1.value == pytest.approx(20 / 70)
    assert a1.detail["missing"] == [
        {"type": "kindergarten", "residents": 40, "share": round(40 / 70, 4)},
        {"type": "chc", "residents": 10, "share": round(10 / 70, 4)},
    ]


def test_a_type_nobody_can_reach_fails_every_point(areas: Areas, facilities: Facilities) -> None:
    text = RULES.replace("distance_m = 300 }]", 'distance_m = 300 }, { type = "day-care", name = "日照" }]')
    points = Points(area_code=["990102001001"], residents=[10])
    access = Accessibility(("chc", "kindergarten"), np.array([[1.0, 1.0]]), np.zeros((1, 2), dtype=int), np.zeros(1))
    a1 = evaluate(parse_rules(text), areas, facilities, points=points, access=access).get("circle").areas[0]
    assert a1.value == 0 and a1.detail["missing"][0]["type"] == "day-care"


@pytest.mark.parametrize(
    ("body", "rule", "field", "words"),
    [
        (_rule('kind = "one_per_town"\ntypes = ["chc"]'), "'r1' (#1)", "kind", "must be one of"),
        (_rule('kind = "max_residents_per_facility"\ntypes = ["chs"]'), "'r1' (#1)", "n", "is missing"),
        (_rule('kind = "max_residents_per_facility"\ntypes = ["chs"]\nn = -1'), "'r1' (#1)", "n", "> 0"),
        (_rule('kind = "max_residents_per_facility"\ntypes = ["chs"]\nn = "one"'), "'r1' (#1)", "n", "> 0"),
        (_rule('kind = "one_per_area"\ntypes = []'), "'r1' (#1)", "types", "non-empty list"),
        (_rule('kind = "one_per_area"\ntypes = ["chc"]\nmin_cont = 2'), "'r1' (#1)", "min_cont", "unknown field"),
        (
            _rule('kind = "circle_set"\ndistance_m = 500\nrequired = [{ name = "x" }]'),
            "'r1' (#1)",
            "required[0].type",
            "non-empty string",
        ),
        (
            _rule('kind = "circle_set"\ndistance_m = 500\nmin_share = 1.5\nrequired = [{ type = "a", name = "x" }]'),
            "'r1' (#1)",
            "min_share",
            "(0, 1]",
        ),
        (
            _rule('kind = "one_per_area"\ntypes = ["chc"]').replace('level = "town"', 'level = "street"'),
            "'r1' (#1)",
            "level",
            "must be one of",
        ),
        (_rule('kind = "one_per_area"\ntypes = ["chc"]') * 2, None, "id", "more than once"),
        ("[[rule]]\nkind = 'one_per_area'\n", "#1", "id", "is missing"),
        ("walking_speed_mps = 0\n" + _rule('kind = "one_per_area"\ntypes = ["chc"]'), None, "walking_speed_mps", "> 0"),
        ("", None, "rule", "no [[rule]]"),
    ],
)
def test_bad_rules_name_the_rule_and_field(body: str, rule: str | None, field: str, words: str) -> None:
    with pytest.raises(RulesError) as info:
        parse_rules(body)
    assert info.value.rule == rule and info.value.field == field
    assert words in str(info.value) and field in str(info.value)


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text("[[rule]\nid = 1", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid TOML"):
        load_rules(bad)
    with pytest.raises(RulesError, match="cannot read rules file"):
        load_rules(tmp_path / "none.toml")


def test_bad_arrays_are_named() -> None:
    with pytest.raises(StandardsError, match=r"areas\.residents has 1 values, expected 2"):
        Areas(code=["1", "2"], level=["town", "town"], kind=["urban"] * 2, residents=[1], households=[1, 1])
    with pytest.raises(StandardsError, match="unknown level"):
        Areas(code=["1"], level=["street"], kind=["urban"], residents=[1], households=[1])
    with pytest.raises(StandardsError, match=r"points\.residents must be finite"):
        Points(area_code=["990102001001"], residents=[-1])
