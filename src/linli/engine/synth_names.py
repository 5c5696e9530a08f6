"""Names of the synthetic district's sub-districts, towns, communities and villages (`linli.engine.synth`):
one head and one tail character, a clan name for half the villages, never a real place near the district."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# Name parts. Sub-district, town, community and village names combine one head and one tail character.
_SUBDISTRICT_HEADS = "东西南北新永安和兴文明清锦春华宁福康丰翠紫金云青瑞泰"
_SUBDISTRICT_TAILS = "湖城苑桥山阳江溪林园港湾岭坊门亭洲滨川源"
_TOWN_HEADS = "云松柳梅竹枫桃杏荷芦白黄碧双龙凤石"
_TOWN_TAILS = "溪塘埠湾渡口岙墩坞堰浜桥畈"
_COMMUNITY_HEADS = "春和新锦文康金银玉明翠兰桂丽安富欣悦嘉景华瑞朝秀汇"
_COMMUNITY_TAILS = "苑园庭府湾里城坊庄居轩湖桥晖景院"
_SURNAMES = "沈陈徐王李张周吴孙朱钱何俞楼傅蒋韩高金汪方施邵屠"
_VILLAGE_PLACES = "埭桥湾坞浜塘宅"
_VILLAGE_HEADS = "上下前后东西大小高石桃竹柳杨梅山溪新"
_VILLAGE_TAILS = "湾坞塘桥岙山头源林田庄埠墩港畈"
# Real sub-districts and towns around the projection centre: never generated, so no map reader mistakes
# the synthetic district for them.
_REAL_NEARBY = frozenset({"西兴", "长河", "浦沿", "宁围", "新塘", "城厢", "北干", "蜀山", "闻堰", "南阳", "新街"})


def _pick(rng: np.random.Generator, chars: str) -> str:
    return chars[int(rng.integers(len(chars)))]


def subdistrict_name(rng: np.random.Generator) -> str:
    return _pick(rng, _SUBDISTRICT_HEADS) + _pick(rng, _SUBDISTRICT_TAILS)


def town_name(rng: np.random.Generator) -> str:
    return _pick(rng, _TOWN_HEADS) + _pick(rng, _TOWN_TAILS)


def community_name(rng: np.random.Generator) -> str:
    name = _pick(rng, _COMMUNITY_HEADS) + _pick(rng, _COMMUNITY_TAILS)
    return name + "新村" if rng.random() < 0.15 else name


def village_name(rng: np.random.Generator) -> str:
    if rng.random() < 0.5:  # a clan village: 沈家村, 陈家埭
        place = _pick(rng, _VILLAGE_PLACES) if rng.random() < 0.6 else ""
        return _pick(rng, _SURNAMES) + "家" + place
    return _pick(rng, _VILLAGE_HEADS) + _pick(rng, _VILLAGE_TAILS)


def unique_names(
    rng: np.random.Generator, make: Callable[[np.random.Generator], str], n: int, suffix: str, used: set[str]
) -> list[str]:
    """`n` names from `make(rng)` + `suffix`, unique across the district (`used` is updated)."""
    names: list[str] = []
    while len(names) < n:
        stem = make(rng)
        if stem in _REAL_NEARBY or stem + suffix in used:
            continue
        used.add(stem + suffix)
        names.append(stem + suffix)
    return names
