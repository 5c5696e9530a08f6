"""Idle spaces (闲置空间) of the demo district: disused factories and school buildings, village collective
buildings, spare rooms of community committees… on network nodes inside communities and villages, with
floor areas. They are the candidate sites of the siting page."""

from __future__ import annotations

import numpy as np
import shapely
from django.db import transaction

from linli.areas.models import Area
from linli.demo.users import DISTRICT
from linli.engine.synth import SynthArea, SynthDistrict
from linli.planning.models import IdleSpace

TARGET = 150
# (name template, owner template, floor area range m², urban weight, rural weight)
_KINDS: tuple[tuple[str, str, tuple[int, int], float, float], ...] = (
    ("{stem}闲置厂房", "{town}经济发展公司", (600, 3000), 0.18, 0.12),
    ("{stem}原小学闲置校舍", "{district}教育局", (800, 2500), 0.06, 0.16),
    ("{stem}村集体用房", "{leaf}股份经济合作社", (200, 900), 0.0, 0.34),
    ("{stem}社区闲置用房", "{leaf}居民委员会", (120, 600), 0.30, 0.0),
    ("{stem}闲置商铺", "{town}资产经营公司", (80, 400), 0.16, 0.04),
    ("{stem}原菜场", "{town}资产经营公司", (400, 1500), 0.08, 0.06),
    ("{stem}闲置仓库", "{town}经济发展公司", (300, 1800), 0.10, 0.12),
    ("{stem}原村委会办公楼", "{leaf}村民委员会", (250, 800), 0.0, 0.16),
    ("{stem}人防工程地下空间", "{district}国防动员办公室", (300, 1200), 0.12, 0.0),
)
_NOTES = ("产权清晰，可改造", "需加固后使用", "临街，交通便利", "一层，适合老年人", "带院落", "")


def _stem(name: str) -> str:
    for suffix in ("社区", "村", "街道", "镇"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _inside_nodes(district: SynthDistrict, leaf: SynthArea) -> np.ndarray:
    lon, lat = district.node_lon, district.node_lat
    polygon = shapely.Polygon(leaf.boundary).buffer(-3e-5)
    if polygon.is_empty:
        return np.empty(0, dtype=np.int64)
    x0, y0, x1, y1 = polygon.bounds
    boxed = np.flatnonzero((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
    return boxed[shapely.contains_xy(polygon, lon[boxed], lat[boxed])]


@transaction.atomic
def demo_idle_spaces_load(district: SynthDistrict, rng: np.random.Generator) -> dict[str, int]:
    """About TARGET idle spaces spread over the district's communities and villages, once: nothing is
    created when the district has any idle space already."""
    if IdleSpace.objects.filter(area_code__startswith=DISTRICT[:6]).exists():
        return {"idle_spaces": 0}
    by_code = {a.code: a for a in district.areas}
    leaves = [a for a in district.areas if a.level == "village"]
    ids = dict(Area.objects.filter(code__in=[a.code for a in leaves]).values_list("code", "id"))
    leaves = [a for a in leaves if a.code in ids]
    if not leaves:
        return {"idle_spaces": 0}
    district_name = by_code[DISTRICT].name if DISTRICT in by_code else ""
    # Every leaf has a chance; more where there are more residents.
    residents = np.array([max(sum(a.population.values()), 1) for a in leaves], dtype=float)
    share = np.sqrt(residents) / np.sqrt(residents).sum()
    count = rng.multinomial(TARGET, share)
    used: set[int] = set()
    names: set[str] = set()
    spaces: list[IdleSpace] = []
    for leaf, n in zip(leaves, count.tolist(), strict=True):
        if n == 0:
            continue
        nodes = _inside_nodes(district, leaf)
        nodes = nodes[~np.isin(nodes, list(used))] if used else nodes
        if len(nodes) == 0:
            continue
        town = by_code.get(leaf.parent_code or "")
        weights = np.array([k[4] if leaf.kind == "rural" else k[3] for k in _KINDS])
        for node in rng.choice(nodes, size=min(n, len(nodes)), replace=False).tolist():
            used.add(int(node))
            template, owner, (low, high), *_w = _KINDS[int(rng.choice(len(_KINDS), p=weights / weights.sum()))]
            fields = {
                "stem": _stem(leaf.name),
                "leaf": leaf.name,
                "town": town.name if town else "",
                "district": district_name,
            }
            name = template.format(**fields)
            number = 2
            while name in names:
                name = template.format(**fields) + f"{number}号"
                number += 1
            names.add(name)
            spaces.append(
                IdleSpace(
                    name=name,
                    area_id=ids[leaf.code],
                    area_code=leaf.code,
                    lon=round(float(district.node_lon[node]), 7),
                    lat=round(float(district.node_lat[node]), 7),
                    floor_area_m2=int(rng.integers(low, high + 1) // 10 * 10),
                    owner=owner.format(**fields),
                    note=str(rng.choice(_NOTES)),
                )
            )
    IdleSpace.objects.bulk_create(spaces, batch_size=500)
    return {"idle_spaces": len(spaces)}
