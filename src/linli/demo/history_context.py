"""The state the parts of the demo history share while they are drawn: the random stream, "now", the demo
staff, the district's villages and the residents made first; and the few constants every part uses.
Every part draws from `rng` in turn, in the order `linli.demo.history` calls them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from linli.areas.enums import AreaLevel
from linli.cases.workdays import WorkCalendar
from linli.core.models import User
from linli.engine.synth import SynthDistrict

HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)
# Facility types that run activities for residents.
HOSTS = (
    "nc-community", "nc-district", "elderly-centre", "elderly-station", "culture-centre", "day-care",
    "community-service-station", "party-mass-community", "subdistrict-service-centre",
)  # fmt: skip
COMMUNITY, TOWN = "990102001001", "990102001"


@dataclass
class HistoryContext:
    """What the parts share: one random stream, one "now", the demo staff by username, the villages, and the
    residents (`people`, and their indices by town prefix) once `residents_load` has made them."""

    rng: np.random.Generator
    now: dt.datetime
    staff: dict[str, User]
    villages: list[str]
    people: list[User] = field(default_factory=list)
    by_town: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # town prefix -> people
    calendar: WorkCalendar = field(default_factory=WorkCalendar)

    @classmethod
    def of(
        cls, district: SynthDistrict, rng: np.random.Generator, now: dt.datetime, staff: dict[str, User]
    ) -> HistoryContext:
        villages = [a.code for a in district.areas if a.level == AreaLevel.VILLAGE]
        return cls(rng=rng, now=now, staff=staff, villages=villages)

    def moment(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        return start + (end - start) * float(self.rng.random())

    def pick(self, area_code: str, k: int) -> list[User]:
        """`k` distinct residents, from the town of `area_code` first, then anywhere."""
        local = self.by_town.get(area_code[:9], [])
        chosen = list(self.rng.permutation(local)[:k]) if local else []
        if len(chosen) < k:
            others = np.setdiff1d(np.arange(len(self.people)), np.array(chosen, dtype=int))
            chosen += list(self.rng.permutation(others)[: k - len(chosen)])
        return [self.people[int(i)] for i in chosen]
