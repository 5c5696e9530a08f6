"""Properties of the synthetic district generator (no Django, no database)."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from linli.engine.synth import AGE_GROUPS, LEVELS, SynthArea, SynthDistrict, generate_district

# The generator's projection, restated here so the tests check it rather than reuse it.
LON0, LAT0 = 120.30, 30.20
M_PER_DEG_LAT = 111_320.0
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(LAT0))

ARRAYS = (
    "node_lon",
    "node_lat",
    "edge_u",
    "edge_v",
    "edge_length",
    "point_lon",
    "point_lat",
    "point_area",
    "point_node",
    "point_snap",
    "point_population",
)


@pytest.fixture(scope="module")
def district() -> SynthDistrict:
    return generate_district(2026)


def metres(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return np.stack([(lon - LON0) * M_PER_DEG_LON, (lat - LAT0) * M_PER_DEG_LAT], axis=-1)


def polygon(area: SynthArea) -> shapely.Polygon:
    """The area's boundary as a shapely polygon in local metres."""
    ring = np.array(area.boundary)
    return shapely.Polygon(metres(ring[:, 0], ring[:, 1]))


def of_level(district: SynthDistrict, level: str, kind: str | None = None) -> list[SynthArea]:
    return [a for a in district.areas if a.level == level and kind in (None, a.kind)]


def ages(areas: list[SynthArea]) -> np.ndarray:
    return np.array([[a.population[g] for g in AGE_GROUPS] for a in areas])


def haversine(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(h))


# --- determinism -------------------------------------------------------------------------------------


def test_same_seed_gives_identical_district(district: SynthDistrict) -> None:
    again = generate_district(2026)
    assert again.areas == district.areas
    for name in ARRAYS:
        a, b = getattr(again, name), getattr(district, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert len(again.ways) == len(district.ways)
    assert all(np.array_equal(a, b) for a, b in zip(again.ways, district.ways, strict=True))


def test_other_seed_gives_other_district(district: SynthDistrict) -> None:
    other = generate_district(7)
    assert [a.name for a in other.areas] != [a.name for a in district.areas]
    assert other.areas[-1].boundary != district.areas[-1].boundary
    assert other.node_lon.shape != district.node_lon.shape or not np.array_equal(other.node_lon, district.node_lon)


# --- hierarchy -----------------------------------------------------------------------------------------


def test_levels_and_counts(district: SynthDistrict) -> None:
    assert [a.level for a in district.areas[:3]] == list(LEVELS[:3])
    assert [(a.code, a.name) for a in district.areas[:3]] == [
        ("990000000000", "示范省"),
        ("990100000000", "示范市"),
        ("990102000000", "邻里区"),
    ]
    assert len(of_level(district, "town", "urban")) == 8
    assert len(of_level(district, "town", "rural")) == 4
    assert len(of_level(district, "village", "urban")) == 60
    assert len(of_level(district, "village", "rural")) == 100
    assert {a.level for a in district.areas} == set(LEVELS)


def test_codes_parents_and_order(district: SynthDistrict) -> None:
    codes = [a.code for a in district.areas]
    assert all(re.fullmatch(r"\d{12}", c) for c in codes)
    assert len(set(codes)) == len(codes)
    # The significant prefix of a code (2, 4, 6, 9 or 12 digits by level) extends its parent's.
    prefix = dict(zip(LEVELS, (2, 4, 6, 9, 12), strict=True))
    by_code = {a.code: a for a in district.areas}
    assert district.areas[0].parent_code is None
    for area in district.areas[1:]:
        parent = by_code[area.parent_code]
        assert LEVELS.index(parent.level) == LEVELS.index(area.level) - 1
        assert area.code[: prefix[parent.level]] == parent.code[: prefix[parent.level]]
        assert area.code[prefix[area.level] :] == "0" * (12 - prefix[area.level])
        assert area.code[prefix[parent.level] : prefix[area.level]] != "0" * (prefix[area.level] - prefix[parent.level])
    towns = of_level(district, "town")
    assert [a.code[6:9] for a in towns] == [f"{k:03d}" for k in range(1, 9)] + ["101", "102", "103", "104"]
    villages = of_level(district, "village")
    assert district.areas == (*district.areas[:3], *towns, *villages)
    assert [a.code for a in villages] == sorted(a.code for a in villages)
    for town in towns:
        children = [a for a in villages if a.parent_code == town.code]
        assert all(a.kind == town.kind for a in children)
        first = 1 if town.kind == "urban" else 201
        assert [int(a.code[9:]) for a in children] == list(range(first, first + len(children)))
        if town.kind == "urban":
            assert 6 <= len(children) <= 9
        else:
            assert len(children) >= 10


def test_names(district: SynthDistrict) -> None:
    suffix = {
        ("town", "urban"): "街道",
        ("town", "rural"): "镇",
        ("village", "urban"): "社区",
        ("village", "rural"): "村",
    }
    for area in district.areas[3:]:
        end = suffix[area.level, area.kind]
        assert area.name.endswith(end)
        stem = area.name[: -len(end)]
        assert 2 <= len(stem) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in stem), area.name
    siblings = Counter((a.parent_code, a.name) for a in district.areas)
    assert max(siblings.values()) == 1


# --- population ----------------------------------------------------------------------------------------


def test_population_totals_and_households(district: SynthDistrict) -> None:
    for area in district.areas:
        if area.level == "village":
            assert list(area.population) == list(AGE_GROUPS)
            assert all(isinstance(v, int) and v >= 0 for v in area.population.values())
            size = sum(area.population.values()) / area.households
            assert (2.1 <= size <= 3.2) if area.kind == "urban" else (2.3 <= size <= 3.7), area.code
        else:
            assert area.population == {} and area.households == 0
    urban = ages(of_level(district, "village", "urban"))
    rural = ages(of_level(district, "village", "rural"))
    assert 570_000 <= urban.sum() + rural.sum() <= 630_000
    assert np.all((urban.sum(axis=1) > 3_500) & (urban.sum(axis=1) < 12_000))
    assert np.all((rural.sum(axis=1) > 500) & (rural.sum(axis=1) < 4_500))
    assert np.median(urban.sum(axis=1)) > 3 * np.median(rural.sum(axis=1))


def test_age_structure(district: SynthDistrict) -> None:
    urban = ages(of_level(district, "village", "urban"))
    rural = ages(of_level(district, "village", "rural"))
    everyone = np.vstack([urban, rural]).sum(axis=0)
    share = everyone / everyone.sum()
    assert 0.15 <= share[4:].sum() <= 0.35  # 60+
    assert 0.10 <= share[:3].sum() <= 0.20  # 0-14
    assert 0.55 <= share[3] <= 0.70  # 15-59
    old_urban = urban[:, 4:].sum() / urban.sum()
    old_rural = rural[:, 4:].sum() / rural.sum()
    assert old_rural > old_urban + 0.04
    # Areas differ: some ageing, some young.
    per_area = urban[:, 4:].sum(axis=1) / urban.sum(axis=1)
    assert per_area.max() - per_area.min() > 0.08


# --- network -------------------------------------------------------------------------------------------


def test_network_size_and_connectivity(district: SynthDistrict) -> None:
    n = district.node_lon.size
    assert 50_000 <= n <= 100_000
    assert district.node_lat.shape == (n,)
    assert district.edge_u.dtype == district.edge_v.dtype == np.int32
    assert district.edge_length.dtype == np.float64
    u, v = district.edge_u, district.edge_v
    assert u.min() >= 0 and v.min() >= 0 and max(u.max(), v.max()) < n
    graph = coo_matrix((np.ones(u.size), (u, v)), shape=(n, n))
    assert connected_components(graph, directed=False)[0] == 1
    assert np.bincount(np.concatenate([u, v]), minlength=n).min() >= 1  # no stray node


def test_no_self_loops_or_duplicate_edges(district: SynthDistrict) -> None:
    u, v = district.edge_u, district.edge_v
    assert not np.any(u == v)
    pairs = np.sort(np.stack([u, v], axis=1), axis=1)
    assert len(np.unique(pairs, axis=0)) == len(pairs)


def test_edge_lengths_match_coordinates(district: SynthDistrict) -> None:
    lon, lat, u, v = district.node_lon, district.node_lat, district.edge_u, district.edge_v
    expected = haversine(lon[u], lat[u], lon[v], lat[v])
    assert np.all(district.edge_length > 0)
    np.testing.assert_allclose(district.edge_length, expected, rtol=3e-3)
    # Nodes every ~20-30 m along streets, as in OSM.
    assert district.edge_length.max() < 40
    assert 15 < np.median(district.edge_length) < 30


def test_ways_cover_each_edge_exactly_once(district: SynthDistrict) -> None:
    assert all(w.dtype == np.int32 and w.size >= 2 for w in district.ways)
    from_ways = np.concatenate([np.stack([w[:-1], w[1:]], axis=1) for w in district.ways])
    edges = np.stack([district.edge_u, district.edge_v], axis=1)
    assert len(from_ways) == len(edges)
    assert np.array_equal(
        np.unique(np.sort(from_ways, axis=1), axis=0),
        np.unique(np.sort(edges, axis=1), axis=0),
    )


def test_network_stays_near_the_district(district: SynthDistrict) -> None:
    outline = polygon(district.areas[2])
    xy = metres(district.node_lon, district.node_lat)
    inside = shapely.contains_xy(outline.buffer(300), xy[:, 0], xy[:, 1])
    assert inside.all()


# --- residential points --------------------------------------------------------------------------------


def test_points_lie_in_their_area(district: SynthDistrict) -> None:
    n = district.point_lon.size
    assert 8_000 <= n <= 15_000
    assert district.point_area.dtype == np.int32
    assert all(district.areas[i].level == "village" for i in np.unique(district.point_area))
    xy = metres(district.point_lon, district.point_lat)
    for index in range(len(district.areas)):
        mine = district.point_area == index
        if district.areas[index].level == "village":
            assert mine.sum() >= 10
            assert shapely.contains_xy(polygon(district.areas[index]), xy[mine, 0], xy[mine, 1]).all()


def test_points_snap_to_their_nearest_node(district: SynthDistrict) -> None:
    nodes = metres(district.node_lon, district.node_lat)
    homes = metres(district.point_lon, district.point_lat)
    distance, _ = cKDTree(nodes).query(homes)
    assert district.point_node.dtype == np.int32
    to_assigned = np.hypot(*(nodes[district.point_node] - homes).T)
    np.testing.assert_allclose(to_assigned, distance, atol=1e-6)
    np.testing.assert_allclose(district.point_snap, distance, atol=1e-6)
    assert district.point_snap.max() < 60


def test_point_populations_add_up_to_area_populations(district: SynthDistrict) -> None:
    pop = district.point_population
    assert pop.dtype == np.int64 and pop.shape == (district.point_lon.size, len(AGE_GROUPS))
    assert pop.min() >= 0
    sums = np.zeros((len(district.areas), len(AGE_GROUPS)), dtype=np.int64)
    np.add.at(sums, district.point_area, pop)
    for index, area in enumerate(district.areas):
        expected = [area.population.get(g, 0) for g in AGE_GROUPS]
        assert sums[index].tolist() == expected, area.code


# --- boundaries ----------------------------------------------------------------------------------------


def test_boundaries_are_closed_ccw_valid_with_centroid_inside(district: SynthDistrict) -> None:
    for area in district.areas:
        ring = area.boundary
        assert len(ring) >= 4 and ring[0] == ring[-1]
        assert all(isinstance(c, float) for point in ring for c in point)
        shape = polygon(area)
        assert shape.is_valid and shape.exterior.is_ccw, area.code
        c = metres(np.array(area.centroid[0]), np.array(area.centroid[1]))
        assert shape.contains(shapely.Point(c)), area.code


def test_areas_tile_the_district(district: SynthDistrict) -> None:
    whole = polygon(district.areas[2]).area
    assert 200e6 < whole < 260e6
    urban_core = sum(polygon(a).area for a in of_level(district, "town", "urban"))
    assert 25e6 < urban_core < 35e6
    villages = [polygon(a) for a in of_level(district, "village")]
    assert sum(v.area for v in villages) == pytest.approx(whole, rel=5e-3)
    assert shapely.union_all(villages).area == pytest.approx(whole, rel=5e-3)  # no overlaps, no gaps
    assert sum(polygon(a).area for a in of_level(district, "town")) == pytest.approx(whole, rel=5e-3)
    for town in of_level(district, "town"):
        shape = polygon(town)
        children = [polygon(a) for a in of_level(district, "village") if a.parent_code == town.code]
        assert sum(c.area for c in children) == pytest.approx(shape.area, rel=5e-3), town.code
        assert all(shape.buffer(0.01).contains(c) for c in children), town.code


def test_coordinates_are_around_the_projection_centre(district: SynthDistrict) -> None:
    lon = np.concatenate([district.node_lon, district.point_lon])
    lat = np.concatenate([district.node_lat, district.point_lat])
    assert np.abs(lon - LON0).max() < 0.15 and np.abs(lat - LAT0).max() < 0.15
