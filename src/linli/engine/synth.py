"""Deterministic generator of a realistic synthetic district (pure numpy, no Django).

`generate_district(seed)` returns a `SynthDistrict`: the administrative hierarchy (one county-level district
with urban sub-districts and rural towns, their communities and villages, 12-digit statistical codes,
population by age group, households, boundaries), a walking road network and residential points placed on
that network. The same seed always gives the same district, bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import ConvexHull, Delaunay, cKDTree

from linli.engine import polygons, synth_names

# The age groups linli records population in, youngest first. Their order is the column order of
# `SynthDistrict.point_population`.
AGE_GROUPS: tuple[str, ...] = ("0-2", "3-5", "6-14", "15-59", "60-79", "80+")

# Administrative levels of the 12-digit statistical division code: province 2 digits, city 2,
# county 2, town/sub-district 3, community/village 3.
LEVELS: tuple[str, ...] = ("province", "city", "county", "town", "village")


@dataclass(frozen=True)
class SynthArea:
    """One administrative area.

    `level` is one of LEVELS; `kind` is "urban" (sub-district 街道 / community 社区) or "rural"
    (town 镇 / village 村); province, city and county are "urban". `population` maps every age group in
    AGE_GROUPS to residents and, like `households`, is set on village-level areas only (empty dict and 0
    above: higher levels are sums). `boundary` is the exterior ring of the area as (lon, lat) pairs,
    closed (first == last), counter-clockwise; `centroid` is (lon, lat) inside it.
    """

    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    households: int
    population: dict[str, int]
    boundary: tuple[tuple[float, float], ...]
    centroid: tuple[float, float]


@dataclass(frozen=True)
class SynthDistrict:
    """A generated district.

    Network: `node_lon`, `node_lat` (float64, WGS-84 degrees); undirected edges `edge_u`, `edge_v`
    (int32 node indices) with `edge_length` in metres (float64); `ways` are the streets and roads as
    polylines of node indices, for drawing (every edge lies on exactly one way).
    Residential points: `point_lon`, `point_lat`; `point_area` (int32 index into `areas`, always a
    village-level area that contains the point); `point_node` (int32 nearest network node) and
    `point_snap` (metres to it); `point_population` (int64, shape (n_points, len(AGE_GROUPS))); summed over
    the points of an area it equals that area's `population` exactly.
    """

    seed: int
    areas: tuple[SynthArea, ...]
    node_lon: np.ndarray
    node_lat: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length: np.ndarray
    ways: tuple[np.ndarray, ...]
    point_lon: np.ndarray
    point_lat: np.ndarray
    point_area: np.ndarray
    point_node: np.ndarray
    point_snap: np.ndarray
    point_population: np.ndarray


# ---------------------------------------------------------------------------------------------------------
# Parameters of the generated district
# ---------------------------------------------------------------------------------------------------------

# Local metres <-> WGS-84: equirectangular projection centred on the district.
_LON0, _LAT0 = 120.30, 30.20
_M_PER_DEG_LAT = 111_320.0
_M_PER_DEG_LON = _M_PER_DEG_LAT * math.cos(math.radians(_LAT0))

# Fictional upper levels (code prefix 99 is not used by any real province).
_PROVINCE = ("990000000000", "示范省")
_CITY = ("990100000000", "示范市")
_COUNTY = ("990102000000", "邻里区")

_N_SUBDISTRICTS, _N_COMMUNITIES = 8, 60
_N_TOWNS, _N_VILLAGES = 4, 100
_COMMUNITIES_PER_SUBDISTRICT = (6, 9)  # inclusive bounds
_DISTRICT_M2 = 232e6
_CORE_M2 = 30e6  # the urban core: all sub-districts

_TARGET_POPULATION = (590_000, 610_000)
_COMMUNITY_RESIDENTS = 6_800  # median before scaling to the target
_VILLAGE_RESIDENTS = 1_900
_URBAN_PROFILE = np.array([2.5, 3.0, 9.0, 64.0, 18.0, 3.5]) / 100
_RURAL_PROFILE = np.array([2.0, 2.4, 7.5, 58.6, 24.0, 5.5]) / 100
# Log-change of each age share per unit of an area's ageing index (old estates > 0, new estates < 0).
_AGEING_TILT = np.array([-0.25, -0.25, -0.2, 0.0, 0.3, 0.4])
_HOUSEHOLD_SIZE = {"urban": (2.6, 0.15), "rural": (3.0, 0.2)}  # mean, standard deviation
_RESIDENTS_PER_POINT = {"urban": (55.0, 85.0), "rural": (40.0, 65.0)}  # uniform range per area

_BLOCK_SIZE = (80.0, 140.0)  # urban street spacing, metres
_NODE_SPACING = 20.0  # metres between consecutive network nodes along a way
_GATE_SPACING = 800.0  # metres between the points of the core's edge where rural roads may enter it


# ---------------------------------------------------------------------------------------------------------
# Layout: district outline, urban core, towns
# ---------------------------------------------------------------------------------------------------------


def _district_outline(rng: np.random.Generator) -> np.ndarray:
    """A convex, squarish, irregular outline of about _DISTRICT_M2 centred on the origin."""
    angles = np.sort(rng.uniform(0.0, 2.0 * np.pi, 40))
    cos, sin = np.cos(angles), np.sin(angles)
    # Superellipse of exponent 4 (a rounded rectangle), wider than tall, with radial noise.
    radius = rng.uniform(0.95, 1.04, angles.size)
    points = np.stack(
        [1.1 * np.sign(cos) * np.abs(cos) ** 0.5 * radius, np.sign(sin) * np.abs(sin) ** 0.5 * radius], axis=1
    )
    outline = points[ConvexHull(points).vertices]  # counter-clockwise
    target = _DISTRICT_M2 * rng.uniform(0.97, 1.03)
    return outline * math.sqrt(target / polygons.area(outline))


def _split_district(rng: np.random.Generator, outline: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Cut the district into the urban core on its west side and four rural towns (N, NE, SE, S).

    The core is the district between two horizontal lines and west of a vertical one. Around it, a ray
    rising north-east from its north-east corner, a ray falling south-east from its south-east corner and
    a roughly eastward ray from its east side bound the towns; every piece stays convex.
    """
    height = rng.uniform(5000.0, 5800.0)
    south = rng.uniform(-800.0, 800.0) - height / 2
    north = south + height
    band = polygons.clip(polygons.clip(outline, np.array([0.0, 1.0]), -south), np.array([0.0, -1.0]), north)
    target = _CORE_M2 * rng.uniform(0.95, 1.05)
    lo, hi = float(band[:, 0].min()), float(band[:, 0].max())
    for _ in range(50):  # bisection on the core's east edge
        east = (lo + hi) / 2
        if polygons.area(polygons.clip(band, np.array([-1.0, 0.0]), east)) < target:
            lo = east
        else:
            hi = east
    core = polygons.drop_repeated_vertices(polygons.clip(band, np.array([-1.0, 0.0]), east))

    north_east = np.array([east, north])
    south_east = np.array([east, south])
    middle_east = np.array([east, south + height * rng.uniform(0.4, 0.6)])
    rise = math.radians(rng.uniform(30.0, 45.0))
    fall = -math.radians(rng.uniform(30.0, 45.0))
    level = math.radians(rng.uniform(-12.0, 12.0))
    east_side = polygons.clip(outline, np.array([1.0, 0.0]), -east)
    towns = [
        polygons.left_of(polygons.clip(outline, np.array([0.0, 1.0]), -north), north_east, rise),
        polygons.left_of(polygons.left_of(east_side, north_east, rise + np.pi), middle_east, level),
        polygons.left_of(polygons.left_of(east_side, middle_east, level + np.pi), south_east, fall),
        polygons.left_of(polygons.clip(outline, np.array([0.0, -1.0]), south), south_east, fall + np.pi),
    ]
    return core, [polygons.drop_repeated_vertices(town) for town in towns]


def _split_counts(rng: np.random.Generator, weights: np.ndarray, total: int) -> np.ndarray:
    """`total` split over len(weights) parts roughly in proportion to `weights`, with +-15% noise."""
    counts = np.rint(total * weights / weights.sum() * rng.uniform(0.85, 1.15, weights.size)).astype(int)
    counts[np.argmax(counts)] += total - counts.sum()
    return counts


def _community_counts(rng: np.random.Generator) -> np.ndarray:
    """Communities per sub-district: each within _COMMUNITIES_PER_SUBDISTRICT, summing to _N_COMMUNITIES."""
    low, high = _COMMUNITIES_PER_SUBDISTRICT
    while True:
        counts = rng.integers(low, high + 1, _N_SUBDISTRICTS)
        if counts.sum() == _N_COMMUNITIES:
            return counts


# ---------------------------------------------------------------------------------------------------------
# Population
# ---------------------------------------------------------------------------------------------------------


def _residents(rng: np.random.Generator, urban: np.ndarray) -> np.ndarray:
    """Residents of each village-level area (`urban` marks communities), scaled so that the district total
    falls in _TARGET_POPULATION."""
    raw = np.where(
        urban,
        _COMMUNITY_RESIDENTS * rng.lognormal(0.0, 0.18, urban.size).clip(0.65, 1.55),
        _VILLAGE_RESIDENTS * rng.lognormal(0.0, 0.3, urban.size).clip(0.4, 1.9),
    )
    target = rng.integers(_TARGET_POPULATION[0], _TARGET_POPULATION[1] + 1)
    return np.rint(raw * target / raw.sum()).astype(np.int64)


def _age_counts(rng: np.random.Generator, residents: np.ndarray, profile: np.ndarray) -> np.ndarray:
    """Residents per age group, shape (n, 6): each area's ageing index tilts `profile`, then a multinomial draw."""
    ageing = rng.normal(0.0, 0.8, residents.size)
    shares = profile * np.exp(np.outer(ageing, _AGEING_TILT))
    shares /= shares.sum(axis=1, keepdims=True)
    return rng.multinomial(residents, shares).astype(np.int64)


def _households(rng: np.random.Generator, residents: np.ndarray, kind: str) -> np.ndarray:
    """Households = residents / a noisy household size."""
    mean, sd = _HOUSEHOLD_SIZE[kind]
    size = rng.normal(mean, sd, residents.size).clip(mean - 3 * sd, mean + 3 * sd)
    return np.maximum(1, np.rint(residents / size)).astype(np.int64)


# ---------------------------------------------------------------------------------------------------------
# Road network: a coarse skeleton (junctions and shape points, ways through them), densified at the end
# ---------------------------------------------------------------------------------------------------------


class _Skeleton:
    """Accumulates network pieces: points in local metres and ways as arrays of point indices."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []
        self.ways: list[np.ndarray] = []
        self.size = 0

    def add(self, points: np.ndarray, ways: list[np.ndarray]) -> np.ndarray:
        """Append `points` and `ways` (indices local to `points`); returns the new points' indices."""
        offset = self.size
        self.parts.append(points)
        self.ways.extend(way + offset for way in ways)
        self.size += len(points)
        return offset + np.arange(len(points))

    def points(self) -> np.ndarray:
        return np.vstack(self.parts)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True in a 1-D boolean array."""
    step = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(step == 1).tolist(), np.flatnonzero(step == -1).tolist(), strict=True))


def _rotation(angle: float) -> np.ndarray:
    return np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])


def _urban_streets(rng: np.random.Generator, core: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The urban street grid: a slightly rotated grid with irregular 80-140 m blocks and jittered junctions,
    filling the core, with ~8% of street segments missing (superblocks, dead ends) and two diagonal avenues
    crossing at a central square. Diagonals run corner to corner through blocks, so they cross no street.

    Returns junction points and the ways (each street's maximal straight run of segments).
    """
    centre = polygons.centroid(core)
    rotation = _rotation(rng.uniform(-0.35, 0.35))
    local = (core - centre) @ rotation  # core in the grid's own frame
    lo, hi = local.min(axis=0), local.max(axis=0)

    def lines(start: float, stop: float) -> np.ndarray:
        gaps = rng.uniform(*_BLOCK_SIZE, int((stop - start) / _BLOCK_SIZE[0]) + 2)
        positions = start + rng.uniform(0.0, _BLOCK_SIZE[0]) + np.concatenate([[0.0], np.cumsum(gaps)])
        return positions[positions <= stop]

    xs, ys = lines(lo[0], hi[0]), lines(lo[1], hi[1])
    shape = (xs.size, ys.size)
    grid = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1) + rng.normal(0.0, 6.0, (*shape, 2))
    points = grid.reshape(-1, 2) @ rotation.T + centre
    exists = (polygons.inner_distance(core, points) >= 15.0).reshape(shape)
    ids = np.arange(points.shape[0]).reshape(shape)
    along_x = exists[:-1, :] & exists[1:, :] & (rng.random((shape[0] - 1, shape[1])) > 0.08)
    along_y = exists[:, :-1] & exists[:, 1:] & (rng.random((shape[0], shape[1] - 1)) > 0.08)

    # Diagonal avenues: from the junction nearest the core's centre, corner to corner while junctions exist.
    square = int(np.argmin(np.where(exists.ravel(), np.hypot(*(points - centre).T), np.inf)))
    si, sj = divmod(square, shape[1])
    diagonals = []
    for dj in (1, -1):
        cells = [(si, sj)]
        for direction in (1, -1):
            k = 1
            while 0 <= si + direction * k < shape[0] and 0 <= sj + direction * dj * k < shape[1]:
                if not exists[si + direction * k, sj + direction * dj * k]:
                    break
                cells.append((si + direction * k, sj + direction * dj * k))
                k += 1
        cells.sort()
        diagonals.append(np.array([ids[i, j] for i, j in cells]))

    # Keep the streets connected to the central square.
    u = np.concatenate([ids[:-1, :][along_x], ids[:, :-1][along_y], *(d[:-1] for d in diagonals)])
    v = np.concatenate([ids[1:, :][along_x], ids[:, 1:][along_y], *(d[1:] for d in diagonals)])
    n = points.shape[0]
    graph = coo_matrix((np.ones(u.size), (u, v)), shape=(n, n))
    labels = connected_components(graph, directed=False)[1]
    connected = (labels == labels[square]).reshape(shape)
    along_x &= connected[:-1, :]
    along_y &= connected[:, :-1]

    ways = [ids[start : stop + 1, j] for j in range(shape[1]) for start, stop in _runs(along_x[:, j])]
    ways += [ids[i, start : stop + 1] for i in range(shape[0]) for start, stop in _runs(along_y[i, :])]
    ways += [d for d in diagonals if d.size > 1]
    used, inverse = np.unique(np.concatenate(ways), return_inverse=True)
    split = np.cumsum([w.size for w in ways])[:-1]
    return points[used], np.split(inverse, split)


def _lane_grid(
    rng: np.random.Generator, centre: np.ndarray, nx: int, ny: int, spacing: float
) -> tuple[np.ndarray, list[np.ndarray]]:
    """A hamlet's lanes: an nx x ny grid at `spacing` metres, randomly turned and jittered, centred on
    `centre`; its ways are the grid's rows and columns."""
    xs = (np.arange(nx) - (nx - 1) / 2) * spacing
    ys = (np.arange(ny) - (ny - 1) / 2) * spacing
    grid = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1).reshape(-1, 2)
    grid += rng.normal(0.0, 0.1 * spacing, grid.shape)
    points = grid @ _rotation(rng.uniform(0.0, np.pi)).T + centre
    ids = np.arange(nx * ny).reshape(nx, ny)
    return points, [ids[:, j] for j in range(ny)] + [ids[i, :] for i in range(nx)]


def _village_lanes(rng: np.random.Generator, cell: np.ndarray, seed: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Lanes of one village: a main cluster at the village seed and up to 2-5 hamlets elsewhere in the cell,
    each joined by a spur lane to the nearest lane node already built. Clusters are sized and placed to
    stay inside the cell, apart from each other.

    Returns the lane points and ways (local indices).
    """
    room = max(100.0, float(polygons.inner_distance(cell, seed[None])[0]) - 60.0)  # free radius around the seed
    nx, ny = int(rng.integers(4, 8)), int(rng.integers(4, 7))
    spacing = rng.uniform(60.0, 95.0)
    radius = spacing * math.hypot(nx - 1, ny - 1) / 2 * 1.2  # half diagonal, with room for the jitter
    if radius > room:
        spacing, radius = spacing * room / radius, room
    points, ways = _lane_grid(rng, seed, nx, ny, spacing)
    clusters = [(seed, radius)]
    for _ in range(int(rng.integers(2, 6))):
        nx, ny = (int(k) for k in rng.integers(2, 5, 2))
        spacing = rng.uniform(55.0, 85.0)
        radius = spacing * math.hypot(nx - 1, ny - 1) / 2 * 1.2
        candidates = polygons.sample_inside(rng, cell, 40)
        clear = polygons.inner_distance(cell, candidates) >= radius + 40.0
        for centre, other in clusters:
            clear &= np.hypot(*(candidates - centre).T) >= radius + other + 120.0
        if not clear.any():
            continue
        centre = candidates[np.argmax(clear)]
        hamlet, hamlet_ways = _lane_grid(rng, centre, nx, ny, spacing)
        gaps = np.hypot(*(hamlet[:, None, :] - points[None, :, :]).T).T
        near_new, near_old = np.unravel_index(np.argmin(gaps), gaps.shape)
        offset = len(points)
        ways += [way + offset for way in hamlet_ways] + [np.array([near_new + offset, near_old])]
        points = np.vstack([points, hamlet])
        clusters.append((centre, radius))
    return points, ways


def _gates(core: np.ndarray) -> np.ndarray:
    """Points every _GATE_SPACING metres along the core's edge: where rural roads enter the street grid."""
    ring = np.vstack([core, core[:1]])
    run = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(ring, axis=0).T))])
    at = np.arange(_GATE_SPACING / 2, run[-1], _GATE_SPACING)
    return np.stack([np.interp(at, run, ring[:, 0]), np.interp(at, run, ring[:, 1])], axis=1)


def _road_links(hubs: np.ndarray, gates: np.ndarray, core: np.ndarray) -> np.ndarray:
    """Pairs (a, b) of places to join by road; places are the village hubs then the gates.

    Delaunay edges kept if Gabriel (no other place in the circle on the edge as diameter), which gives a
    sparse planar road set, plus the minimum spanning tree so the whole is connected. Gate-to-gate links
    are left out (the street grid joins gates; they weigh ~0 in the tree) and non-tree links through the
    core are dropped.
    """
    places = np.vstack([hubs, gates])
    triangles = Delaunay(places).simplices
    pairs = np.unique(np.sort(np.vstack([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [0, 2]]]), 1), axis=0)
    a, b = places[pairs[:, 0]], places[pairs[:, 1]]
    middle, length = (a + b) / 2, np.hypot(*(b - a).T)
    to_middle = np.hypot(*(places[None, :, :] - middle[:, None, :]).T).T
    to_middle[np.arange(len(pairs))[:, None], pairs] = np.inf
    gabriel = to_middle.min(axis=1) >= length / 2
    between_gates = pairs.min(axis=1) >= len(hubs)
    n = len(places)
    weight = np.where(between_gates, 1e-6, length)
    tree = minimum_spanning_tree(coo_matrix((weight, (pairs[:, 0], pairs[:, 1])), shape=(n, n)))
    tree = (tree + tree.T).tocsr()
    in_tree = np.asarray(tree[pairs[:, 0], pairs[:, 1]]).ravel() > 0
    through_core = polygons.inner_distance(core, middle) > 0
    return pairs[(in_tree | (gabriel & ~through_core)) & ~between_gates]


def _rural_roads(
    rng: np.random.Generator,
    points: np.ndarray,
    n_street: int,
    lanes: list[np.ndarray],
    hubs: np.ndarray,
    core: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Roads between neighbouring villages and from villages into the street grid.

    `points` are the skeleton points so far, the first `n_street` being street junctions; `lanes` holds
    each village's lane point indices and `hubs` its centre. A road runs from the lane point nearest the
    place it leads to, to that place's lane point nearest the village or, for a gate, to the street
    junction nearest the gate. Returns the end point indices (m, 2) and a bend point for each road (m, 2)
    that gives it a gentle curve.
    """
    gates = _gates(core)
    gate_ends = cKDTree(points[:n_street]).query(gates)[1]
    places = np.vstack([hubs, gates])

    def road_end(place: int, towards: int) -> int:
        if place >= len(hubs):
            return int(gate_ends[place - len(hubs)])
        ids = lanes[place]
        return int(ids[np.argmin(np.hypot(*(points[ids] - places[towards]).T))])

    ends = np.array([[road_end(a, b), road_end(b, a)] for a, b in _road_links(hubs, gates, core).tolist()])
    start, end = points[ends[:, 0]], points[ends[:, 1]]
    normal = np.stack([start[:, 1] - end[:, 1], end[:, 0] - start[:, 0]], axis=1)  # as long as the road
    bends = (start + end) / 2 + normal * rng.normal(0.0, 0.05, (len(ends), 1))
    return ends, bends


def _densify(points: np.ndarray, ways: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Insert nodes every ~_NODE_SPACING metres along each way segment (like OSM shape nodes).

    Skeleton points keep their indices; new nodes follow. Returns all node points and the densified ways.
    """
    starts = np.concatenate([way[:-1] for way in ways])
    ends = np.concatenate([way[1:] for way in ways])
    delta = points[ends] - points[starts]
    pieces = np.maximum(1, np.rint(np.hypot(*delta.T) / _NODE_SPACING)).astype(np.int64)
    n_new = pieces - 1
    segment = np.repeat(np.arange(starts.size), n_new)
    step = np.arange(n_new.sum()) - np.repeat(np.cumsum(n_new) - n_new, n_new) + 1
    new_points = points[starts[segment]] + delta[segment] * (step / pieces[segment])[:, None]
    # Each segment contributes its start node then its new nodes; a way then ends with its last node.
    sequence = np.empty(pieces.sum(), dtype=np.int64)
    first = np.cumsum(pieces) - pieces
    sequence[first] = starts
    is_new = np.ones(sequence.size, dtype=bool)
    is_new[first] = False
    sequence[is_new] = len(points) + np.arange(n_new.sum())
    segments_per_way = np.array([way.size - 1 for way in ways])
    way_start = first[np.cumsum(segments_per_way)[:-1]]
    dense = [np.append(part, way[-1]) for part, way in zip(np.split(sequence, way_start), ways, strict=True)]
    return np.vstack([points, new_points]), dense


# ---------------------------------------------------------------------------------------------------------
# Residential points
# ---------------------------------------------------------------------------------------------------------


def _place_points(rng: np.random.Generator, cell: np.ndarray, near: np.ndarray, count: int) -> np.ndarray:
    """`count` homes for one area: random points of `near` moved 8-35 m in a random direction, kept only
    when at least 2 m inside `cell` (so no rounding can put them in a neighbour)."""
    homes = np.empty((0, 2))
    for _ in range(100):
        if len(homes) >= count:
            return homes[:count]
        base = near[rng.integers(len(near), size=2 * count)]
        angle = rng.uniform(0.0, 2.0 * np.pi, 2 * count)
        distance = rng.uniform(8.0, 35.0, 2 * count)
        candidates = base + distance[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
        homes = np.vstack([homes, candidates[polygons.inner_distance(cell, candidates) >= 2.0]])
    raise RuntimeError("no room for homes near the network of an area")


def _split_population(rng: np.random.Generator, ages: np.ndarray, n_points: int) -> np.ndarray:
    """Split one area's age counts over its points (uneven building sizes); shape (n_points, 6)."""
    weights = rng.gamma(2.0, 1.0, n_points)
    return rng.multinomial(ages, weights / weights.sum()).T.astype(np.int64)


# ---------------------------------------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------------------------------------


@dataclass
class _Leaf:
    """A community or village while the district is built (geometry in local metres)."""

    code: str
    name: str
    kind: str
    parent_code: str
    cell: np.ndarray  # convex boundary, counter-clockwise
    seed: np.ndarray  # its Voronoi seed, inside the cell: a village's centre


def _kind(town_code: str) -> str:
    """Sub-districts have town codes 001-099 and are urban; towns (镇) from 101 on are rural."""
    return "urban" if town_code[6] == "0" else "rural"


def _leaves(rng: np.random.Generator, town_code: str, town: np.ndarray, k: int, used: set[str]) -> list[_Leaf]:
    """The `k` communities (codes 001...) or villages (codes 201...) of one town-level area, in code order."""
    seeds, cells = polygons.partition(rng, town, k)
    kind = _kind(town_code)
    first, make, suffix = (
        (1, synth_names.community_name, "社区") if kind == "urban" else (201, synth_names.village_name, "村")
    )
    names = synth_names.unique_names(rng, make, k, suffix, used)
    return [_Leaf(f"{town_code[:9]}{first + i:03d}", names[i], kind, town_code, cells[i], seeds[i]) for i in range(k)]


def _to_lonlat(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _LON0 + xy[:, 0] / _M_PER_DEG_LON, _LAT0 + xy[:, 1] / _M_PER_DEG_LAT


def _area_record(
    code: str,
    name: str,
    level: str,
    kind: str,
    parent: str | None,
    poly: np.ndarray,
    ages: np.ndarray | None = None,
    households: int = 0,
) -> SynthArea:
    """A SynthArea from a counter-clockwise convex polygon in local metres."""
    lon, lat = _to_lonlat(np.vstack([poly, poly[:1]]))
    c_lon, c_lat = _to_lonlat(polygons.centroid(poly)[None])
    return SynthArea(
        code=code,
        name=name,
        level=level,
        kind=kind,
        parent_code=parent,
        households=households,
        population={} if ages is None else dict(zip(AGE_GROUPS, ages.tolist(), strict=True)),
        boundary=tuple(zip(lon.tolist(), lat.tolist(), strict=True)),
        centroid=(float(c_lon[0]), float(c_lat[0])),
    )


def generate_district(seed: int = 2026) -> SynthDistrict:
    """Generate the district for `seed`.

    Steps: outline, urban core and towns; nested Voronoi cells for sub-districts, communities and villages;
    names and population; the street and road skeleton, densified into the walking network; homes.
    """
    rng = np.random.default_rng(seed)

    # Administrative geometry, codes and names.
    outline = _district_outline(rng)
    core, towns = _split_district(rng, outline)
    _, subdistricts = polygons.partition(rng, core, _N_SUBDISTRICTS)
    children = [*_community_counts(rng), *_split_counts(rng, np.array([polygons.area(t) for t in towns]), _N_VILLAGES)]
    county = _COUNTY[0]
    town_codes = [f"{county[:6]}{k:03d}000" for k in range(1, _N_SUBDISTRICTS + 1)]
    town_codes += [f"{county[:6]}{100 + k:03d}000" for k in range(1, _N_TOWNS + 1)]
    used_names: set[str] = set()
    town_names = synth_names.unique_names(rng, synth_names.subdistrict_name, _N_SUBDISTRICTS, "街道", used_names)
    town_names += synth_names.unique_names(rng, synth_names.town_name, _N_TOWNS, "镇", used_names)
    leaves = [
        leaf
        for code, town, k in zip(town_codes, subdistricts + towns, children, strict=True)
        for leaf in _leaves(rng, code, town, int(k), used_names)
    ]

    # Population of village-level areas.
    urban = np.array([leaf.kind == "urban" for leaf in leaves])
    residents = _residents(rng, urban)
    ages = np.empty((len(leaves), len(AGE_GROUPS)), dtype=np.int64)
    households = np.empty(len(leaves), dtype=np.int64)
    for kind, mask, profile in (("urban", urban, _URBAN_PROFILE), ("rural", ~urban, _RURAL_PROFILE)):
        ages[mask] = _age_counts(rng, residents[mask], profile)
        households[mask] = _households(rng, residents[mask], kind)

    # Network skeleton: urban streets, village lanes, roads between villages and into the core.
    skeleton = _Skeleton()
    n_street = skeleton.add(*_urban_streets(rng, core)).size
    villages = [leaf for leaf in leaves if leaf.kind == "rural"]
    lanes = [skeleton.add(*_village_lanes(rng, village.cell, village.seed)) for village in villages]
    hubs = np.array([village.seed for village in villages])
    road_ends, bends = _rural_roads(rng, skeleton.points(), n_street, lanes, hubs, core)
    bend_ids = skeleton.add(bends, [])
    skeleton.ways.extend(np.array([a, bend, b]) for (a, b), bend in zip(road_ends, bend_ids, strict=True))

    # Densified walking network.
    node_xy, ways = _densify(skeleton.points(), skeleton.ways)
    edge_u = np.concatenate([way[:-1] for way in ways]).astype(np.int32)
    edge_v = np.concatenate([way[1:] for way in ways]).astype(np.int32)
    n_nodes = len(node_xy)
    graph = coo_matrix((np.ones(edge_u.size), (edge_u, edge_v)), shape=(n_nodes, n_nodes))
    if connected_components(graph, directed=False)[0] != 1:
        raise RuntimeError(f"synthetic network for seed {seed} is not connected")

    # Homes: urban ones near the community's street nodes, rural ones near the village's lane junctions.
    lanes_of = {village.code: ids for village, ids in zip(villages, lanes, strict=True)}
    first_leaf = 3 + len(town_codes)  # index in `areas` of the first village-level area
    homes, point_area, point_population = [], [], []
    for index, leaf in enumerate(leaves):
        near = node_xy[lanes_of[leaf.code]] if leaf.kind == "rural" else polygons.points_inside(leaf.cell, node_xy)
        count = max(10, round(residents[index] / rng.uniform(*_RESIDENTS_PER_POINT[leaf.kind])))
        homes.append(_place_points(rng, leaf.cell, near, count))
        point_area.append(np.full(count, first_leaf + index, dtype=np.int32))
        point_population.append(_split_population(rng, ages[index], count))
    home_xy = np.vstack(homes)
    snap, nearest_node = cKDTree(node_xy).query(home_xy)

    # Area records in the contract's order.
    areas = [
        _area_record(_PROVINCE[0], _PROVINCE[1], "province", "urban", None, outline),
        _area_record(_CITY[0], _CITY[1], "city", "urban", _PROVINCE[0], outline),
        _area_record(county, _COUNTY[1], "county", "urban", _CITY[0], outline),
    ]
    for code, name, poly in zip(town_codes, town_names, subdistricts + towns, strict=True):
        areas.append(_area_record(code, name, "town", _kind(code), county, poly))
    for leaf, age, household in zip(leaves, ages, households, strict=True):
        areas.append(
            _area_record(leaf.code, leaf.name, "village", leaf.kind, leaf.parent_code, leaf.cell, age, int(household))
        )

    node_lon, node_lat = _to_lonlat(node_xy)
    point_lon, point_lat = _to_lonlat(home_xy)
    return SynthDistrict(
        seed=seed,
        areas=tuple(areas),
        node_lon=node_lon,
        node_lat=node_lat,
        edge_u=edge_u,
        edge_v=edge_v,
        edge_length=np.hypot(*(node_xy[edge_v] - node_xy[edge_u]).T),
        ways=tuple(way.astype(np.int32) for way in ways),
        point_lon=point_lon,
        point_lat=point_lat,
        point_area=np.concatenate(point_area),
        point_node=nearest_node.astype(np.int32),
        point_snap=snap,
        point_population=np.vstack(point_population),
    )
