"""The Django side of the engine: querysets in, numpy arrays out (and back). The engine never sees a
model; planning services call these, then `linli.engine`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.conf import settings

from linli.areas.codes import prefix_of
from linli.areas.enums import AgeGroup
from linli.areas.models import ResidentialPoint
from linli.engine import network as engine_network
from linli.facilities.enums import ConstructionStatus
from linli.facilities.models import Facility
from linli.planning.models import Network

AGE_GROUPS: tuple[str, ...] = tuple(g.value for g in AgeGroup)


@lru_cache(maxsize=4)
def _load_network(path: str, mtime: float) -> engine_network.Network:
    with np.load(path) as data:
        return engine_network.from_edges(data["lon"], data["lat"], data["u"], data["v"], data["length"])


def engine_network_of(network: Network) -> engine_network.Network:
    """The walking network as the engine's CSR graph (loaded once per process and file version)."""
    path = Path(settings.DATA_DIR) / network.file
    return _load_network(str(path), path.stat().st_mtime)


@dataclass(frozen=True)
class Demand:
    """Residential points of an area: `population[i, g]` residents of point i in AGE_GROUPS[g]."""

    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    area_code: np.ndarray
    population: np.ndarray
    groups: tuple[str, ...] = AGE_GROUPS

    def weights(self, groups: list[str] | tuple[str, ...] | None) -> np.ndarray:
        """Residents in `groups` (all residents when None or empty) per point."""
        if not groups:
            return self.population.sum(axis=1).astype(np.float64)
        columns = [self.groups.index(g) for g in groups]
        return self.population[:, columns].sum(axis=1).astype(np.float64)


def demand_of(area_code: str) -> Demand:
    rows = list(
        ResidentialPoint.objects.filter(area_code__startswith=prefix_of(area_code))
        .order_by("id")
        .values_list("id", "lon", "lat", "area_code", "population")
    )
    population = np.array([[int(p.get(g, 0)) for g in AGE_GROUPS] for *_rest, p in rows], dtype=np.int64)
    return Demand(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        lon=np.array([r[1] for r in rows], dtype=np.float64),
        lat=np.array([r[2] for r in rows], dtype=np.float64),
        area_code=np.array([r[3] for r in rows], dtype="U12"),
        population=population.reshape(len(rows), len(AGE_GROUPS)),
    )


@dataclass(frozen=True)
class Facilities:
    """Facilities of the given types: `type_code[i]` and their WGS-84 points."""

    codes: np.ndarray
    type_code: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    area_code: np.ndarray


def facilities_of(
    area_code: str, type_codes: list[str], statuses: tuple[str, ...] = (ConstructionStatus.BUILT,)
) -> Facilities:
    """Facilities of `type_codes` in the area (by default only built ones: what residents can reach)."""
    rows = list(
        Facility.objects.filter(
            area_code__startswith=prefix_of(area_code), facility_type__code__in=type_codes, status__in=statuses
        )
        .order_by("code")
        .values_list("code", "facility_type__code", "lon", "lat", "area_code")
    )
    return Facilities(
        codes=np.array([r[0] for r in rows], dtype=object),
        type_code=np.array([r[1] for r in rows], dtype=object),
        lon=np.array([r[2] for r in rows], dtype=np.float64),
        lat=np.array([r[3] for r in rows], dtype=np.float64),
        area_code=np.array([r[4] for r in rows], dtype="U12"),
    )
