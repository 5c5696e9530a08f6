"""The demo district's registry: operators, facilities of every type with opening hours, the services they
offer and this year's construction targets, generated from the synthetic district.

Facilities sit on nodes of the walking network inside their area. The district has the gaps a real one
has, so planning and compliance pages have something to find: communities without a neighbourhood centre,
villages without a clinic, elderly stations with more registered users than places, centres below the
floor-area standard or missing a required service, facilities still planned or being built, and
construction targets not met."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from django.db import transaction
from django.utils import timezone

from linli.areas.models import Area
from linli.catalog.models import Offering
from linli.catalog.seed import registry_seed
from linli.core.calendar import calendar_load
from linli.demo.registry_data import (
    CENTRAL,
    COMPANIES,
    CREDIT_PREFIX,
    CROWDED,
    DEPARTMENTS,
    ENROLLED,
    ESTATE_SUFFIXES,
    FIELD_OF_FAMILY,
    GIVEN,
    GRADE_WEIGHTS,
    GRADES,
    HOLIDAY_CLOSED,
    INSTITUTIONS,
    MIXES,
    NAMES,
    PIPELINE,
    PLAN,
    ROAD_KINDS,
    ROADS,
    SIZES,
    SOCIAL_ORGS,
    SURNAMES,
    TYPE_HOURS,
    VILLAGE_PARTS,
    Model,
    Status,
    name_stem,
    rng_range,
)
from linli.demo.registry_offerings import construction_targets, offerings, opening_exceptions, opening_rules
from linli.demo.users import DISTRICT
from linli.engine.synth import SynthArea, SynthDistrict
from linli.facilities.enums import Accessibility, OperatorKind
from linli.facilities.models import (
    ConstructionTarget,
    Facility,
    FacilityType,
    OpeningException,
    OpeningRule,
    Operator,
)
from linli.facilities.validators import credit_code_check_char


@dataclass
class _Place:
    """Where a facility goes: its area (a town-level area or the community/village itself), the town and
    the community or village it physically stands in."""

    area: SynthArea
    town: SynthArea
    leaf: SynthArea


class _Builder:
    """Builds the demo registry in memory, then writes it with bulk inserts."""

    def __init__(self, district: SynthDistrict, rng: np.random.Generator, today: datetime.date) -> None:
        self.district = district
        self.rng = rng
        self.today = today
        self.district_name = next(a.name for a in district.areas if a.code == DISTRICT)
        self.towns = [a for a in district.areas if a.level == "town"]
        self.leaves = [a for a in district.areas if a.level == "village"]
        self.by_code = {a.code: a for a in district.areas}
        self.children: dict[str, list[SynthArea]] = defaultdict(list)
        for leaf in self.leaves:
            self.children[str(leaf.parent_code)].append(leaf)
        self.types = {t.code: t for t in FacilityType.objects.all()}
        self.area_ids = dict(Area.objects.filter(code__startswith=DISTRICT[:6]).values_list("code", "id"))
        self._nodes = self._node_pools()
        self._used_nodes = np.zeros(len(district.node_lon), dtype=bool)
        self._used_names: set[str] = set()
        self._estates: dict[str, list[str]] = {}
        self._roads: dict[str, list[str]] = {}
        self._seq: Counter[str] = Counter()
        self._credit_codes: set[str] = set()
        self.operators: list[Operator] = []
        self.companies: dict[str, list[Operator]] = defaultdict(list)
        self.social_orgs: dict[str, list[Operator]] = defaultdict(list)
        self.public: dict[str, Operator] = {}
        self.committees: dict[str, Operator] = {}
        self.facilities: list[Facility] = []
        self.hours: dict[str, str] = {}

    # --- geometry -------------------------------------------------------------------------------------

    def _node_pools(self) -> dict[str, np.ndarray]:
        """Network nodes at least ~3 m inside each community or village, nearest its centroid first."""
        lon, lat = self.district.node_lon, self.district.node_lat
        pools = {}
        for leaf in self.leaves:
            polygon = shapely.Polygon(leaf.boundary).buffer(-3e-5)
            x0, y0, x1, y1 = polygon.bounds
            boxed = np.flatnonzero((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
            inside = boxed[shapely.contains_xy(polygon, lon[boxed], lat[boxed])]
            cx, cy = leaf.centroid
            pools[leaf.code] = inside[np.argsort(np.hypot(lon[inside] - cx, lat[inside] - cy), kind="stable")]
        return pools

    def _node(self, leaf: SynthArea, central: bool) -> int:
        pool = self._nodes[leaf.code]
        pool = pool[~self._used_nodes[pool]]
        if central or leaf.kind == "rural":
            pool = pool[: max(12, len(pool) // 6)]
        node = int(pool[int(self.rng.integers(len(pool)))])
        self._used_nodes[node] = True
        return node

    def _seat(self, town: SynthArea) -> SynthArea:
        """A community or village near the middle of `town`, where its town-level facilities stand."""
        leaves = self.children[town.code]
        cx, cy = town.centroid
        near = sorted(leaves, key=lambda a: (a.centroid[0] - cx) ** 2 + (a.centroid[1] - cy) ** 2)
        return near[int(self.rng.integers(min(3 if town.kind == "urban" else 2, len(near))))]

    # --- names and addresses -------------------------------------------------------------------------

    def _estate(self, leaf: SynthArea) -> str:
        if leaf.code not in self._estates:
            parts = ESTATE_SUFFIXES if leaf.kind == "urban" else VILLAGE_PARTS
            self._estates[leaf.code] = [name_stem(leaf.name) + p for p in self.rng.permutation(parts).tolist()]
        estates = self._estates[leaf.code]
        return estates.pop() if estates else name_stem(leaf.name) + str(int(self.rng.integers(2, 99)))

    def _name(self, type_code: str, place: _Place) -> str:
        template = NAMES[type_code]
        stem = name_stem(place.leaf.name)
        for _attempt in range(6):
            name = template.format(
                town=place.town.name,
                tstem=name_stem(place.town.name),
                leaf=place.leaf.name,
                stem=stem,
                estate=self._estate(place.leaf),
            )
            if name not in self._used_names:
                self._used_names.add(name)
                return name
            stem = self._estate(place.leaf)
        number = 2
        while f"{name}{number}" in self._used_names:
            number += 1
        self._used_names.add(f"{name}{number}")
        return f"{name}{number}"

    def _address(self, place: _Place) -> str:
        leaf, town = place.leaf, place.town
        if leaf.kind == "rural":
            return f"{self.district_name}{town.name}{leaf.name}{self.rng.integers(1, 13)}组{self.rng.integers(1, 80)}号"
        if leaf.code not in self._roads:
            stems = self.rng.choice(ROADS.split(), size=3, replace=False).tolist()
            self._roads[leaf.code] = [s + str(self.rng.choice(ROAD_KINDS)) for s in stems]
        road = self._roads[leaf.code][int(self.rng.integers(3))]
        return f"{self.district_name}{town.name}{road}{self.rng.integers(1, 400)}号"

    def _person(self) -> str:
        return str(self.rng.choice(list(SURNAMES))) + str(self.rng.choice(GIVEN))

    def _mobile(self) -> str:
        return f"1{self.rng.choice([3, 5, 8])}{self.rng.integers(0, 10**9):09d}"

    # --- operators -----------------------------------------------------------------------------------

    def _credit_code(self, prefix: str, region: str) -> str:
        """A unified social credit code with a GB 11714 organisation code and a valid check character."""
        while True:
            body = "".join(str(d) for d in self.rng.integers(0, 10, 8))
            total = sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
            org_check = {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))
            first17 = prefix + region + body + org_check
            code = first17 + credit_code_check_char(first17)
            if code not in self._credit_codes:
                self._credit_codes.add(code)
                return code

    def _operator(
        self, name: str, kind: str, leaf: SynthArea, prefix: str, grade: str = "", area_code: str = ""
    ) -> Operator:
        """An operator registered in the district, with its office in `leaf`."""
        operator = Operator(
            name=name,
            kind=kind,
            credit_code=self._credit_code(prefix, DISTRICT[:6]),
            grade=grade,
            area_code=area_code or DISTRICT,
            address=self._address(_Place(area=leaf, town=self.by_code[str(leaf.parent_code)], leaf=leaf)),
            contact_name=self._person(),
            contact_phone=self._mobile(),
        )
        self.operators.append(operator)
        return operator

    def build_operators(self) -> None:
        urban = [leaf for leaf in self.leaves if leaf.kind == "urban"]

        def office() -> SynthArea:
            return urban[int(self.rng.integers(len(urban)))]

        for name, field in COMPANIES:
            operator = self._operator(name, OperatorKind.COMPANY, office(), CREDIT_PREFIX[OperatorKind.COMPANY])
            self.companies[field].append(operator)
        for index, (name, field, category) in enumerate(SOCIAL_ORGS):
            if index < len(GRADES):
                grade = GRADES[index]
            else:
                r = self.rng.random()
                grade = next((g for g, edge in zip(GRADES, np.cumsum(GRADE_WEIGHTS), strict=True) if r < edge), "")
            self.social_orgs[field].append(
                self._operator(name, OperatorKind.SOCIAL_ORG, office(), "5" + category, grade)
            )
        institution, government = OperatorKind.PUBLIC_INSTITUTION, OperatorKind.GOVERNMENT
        for name, field in INSTITUTIONS:
            self.public[field] = self._operator(name, institution, office(), CREDIT_PREFIX[institution])
        for name, field in DEPARTMENTS:
            self.public["dept:" + field] = self._operator(name, government, office(), CREDIT_PREFIX[government])
        for town in self.towns:
            seat = self.children[town.code][0]
            is_urban = town.kind == "urban"
            town_government = f"{self.district_name}人民政府{town.name}办事处" if is_urban else f"{town.name}人民政府"
            health = f"{town.name}社区卫生服务中心" if is_urban else f"{town.name}卫生院"
            for key, name, kind in (("town:", town_government, government), ("health:", health, institution)):
                self.public[key + town.code] = self._operator(
                    name, kind, seat, CREDIT_PREFIX[kind], area_code=town.code
                )
        for leaf in self.leaves:
            committee = leaf.name + ("居民委员会" if leaf.kind == "urban" else "村民委员会")
            kind = OperatorKind.COMMUNITY
            self.committees[leaf.code] = self._operator(committee, kind, leaf, CREDIT_PREFIX[kind], area_code=leaf.code)

    def _owner(self, type_code: str, field: str, place: _Place) -> Operator:
        """Who runs a government-operated facility."""
        if field == "health":
            return self.public["health:" + place.town.code]
        if type_code in ("judicial-office", "police-station"):
            return self.public["dept:" + ("justice" if type_code == "judicial-office" else "police")]
        if type_code in ("primary-school", "junior-middle-school", "kindergarten"):
            return self.public["dept:education"]
        if type_code in ("nursing-home", "care-home"):
            return self.public["elderly"] if place.town.kind == "urban" else self.public["town:" + place.town.code]
        if type_code in ("culture-centre", "gymnasium", "multi-sport-large", "sports-park-a"):
            return self.public["culture" if type_code == "culture-centre" else "sports"]
        if field == "municipal":
            return self.public["dept:municipal"]
        if place.area.level == "village":
            return self.committees[place.leaf.code]
        return self.public["town:" + place.town.code]

    def _pick(self, pool: dict[str, list[Operator]], field: str) -> Operator:
        choices = pool.get(field) or pool.get("centre") or next(iter(pool.values()))
        return choices[int(self.rng.integers(len(choices)))]

    def _operation(self, facility_type: FacilityType, place: _Place) -> tuple[str, Operator]:
        field = FIELD_OF_FAMILY.get(facility_type.family, "centre")
        code = facility_type.code
        mix_key = code if code in MIXES else facility_type.family
        if facility_type.family == "elderly_care" and place.leaf.kind == "rural":
            mix_key = "elderly_care/rural"
        mix = MIXES.get(mix_key, ((Model.GOVERNMENT, 1.0),))
        r, model = self.rng.random(), mix[-1][0]
        for candidate, weight in mix:
            if r < weight:
                model = candidate
                break
            r -= weight
        if model == Model.GOVERNMENT:
            return model, self._owner(code, field, place)
        if model == Model.MARKET or (model == Model.PUBLIC_PRIVATE and self.rng.random() < 0.5):
            return model, self._pick(self.companies, field)
        if model == Model.PURCHASE and field not in self.social_orgs and field in self.companies:
            return model, self._pick(self.companies, field)
        return model, self._pick(self.social_orgs, field)

    # --- facilities ----------------------------------------------------------------------------------

    def _status_and_dates(self, type_code: str) -> dict[str, Any]:
        rng, today = self.rng, self.today
        share = 0.16 if type_code in PIPELINE else 0.03
        r = rng.random()

        def before(date: datetime.date, low: int, high: int) -> datetime.date:
            return date - datetime.timedelta(days=int(rng.integers(low, high + 1)))

        if r < share * 0.3:
            return {"status": Status.PLANNED, "planned_on": before(today, 10, 300)}
        if r < share:
            planned = before(today, 300, 900)
            approved = min(today, planned + datetime.timedelta(days=int(rng.integers(60, 240))))
            if r < share * 0.55:
                return {"status": Status.APPROVED, "planned_on": planned, "approved_on": approved}
            started = min(today, approved + datetime.timedelta(days=int(rng.integers(20, 200))))
            return {
                "status": Status.UNDER_CONSTRUCTION,
                "planned_on": planned,
                "approved_on": approved,
                "construction_started_on": started,
            }
        this_year = rng.random() < 0.06
        first = datetime.date(today.year, 1, 1) if this_year else datetime.date(2005, 1, 1)
        last = today if this_year else datetime.date(today.year - 1, 12, 31)
        completed = first + datetime.timedelta(days=int(rng.integers(0, (last - first).days + 1)))
        started = before(completed, 180, 540)
        approved = before(started, 30, 200)
        dates = {
            "planned_on": before(approved, 60, 400),
            "approved_on": approved,
            "construction_started_on": started,
            "completed_on": completed,
        }
        if r < share + 0.015:
            return {"status": Status.SUSPENDED, **dates}
        if r < share + 0.035 and completed < today - datetime.timedelta(days=60):
            closed = completed + datetime.timedelta(days=int(rng.integers(30, (today - completed).days + 1)))
            return {"status": Status.CLOSED, **dates, "closed_on": closed}
        return {"status": Status.BUILT, **dates}

    def _accessibility(self, floor_area: int | None) -> list[str]:
        if self.rng.random() < 0.12:
            return []
        features = [f for f in Accessibility.values if f != Accessibility.LIFT and self.rng.random() < 0.5]
        if floor_area is not None and floor_area >= 1000 and self.rng.random() < 0.8:
            features.append(Accessibility.LIFT.value)
        return sorted(features)

    def add_facility(self, type_code: str, place: _Place) -> None:
        facility_type = self.types[type_code]
        floor_range, capacity_range, beds_range, staff_range = SIZES[type_code]
        state = self._status_and_dates(type_code)
        running = state["status"] in (Status.BUILT, Status.SUSPENDED)
        floor_area = rng_range(self.rng, floor_range, 10)
        capacity = rng_range(self.rng, capacity_range)
        beds = rng_range(self.rng, beds_range)
        served = None
        if running and type_code in CROWDED and capacity is not None:
            served = round(capacity * self.rng.uniform(0.5, 1.35))
        elif running and type_code in ENROLLED and capacity is not None:
            served = round((beds or capacity) * self.rng.uniform(0.6, 1.0))
        elif running and type_code == "family-care-bed" and beds is not None:
            served = round(beds * self.rng.uniform(0.7, 1.0))
        model, operator = self._operation(facility_type, place) if running else (Model.GOVERNMENT, None)
        node = self._node(place.leaf, type_code in CENTRAL)
        profile = TYPE_HOURS[type_code]
        holiday_closed = profile in HOLIDAY_CLOSED or (profile in ("centre", "culture") and self.rng.random() < 0.3)
        area = place.area
        self._seq[area.code] += 1
        facility = Facility(
            code=f"F{area.code}{self._seq[area.code]:02d}",
            name=self._name(type_code, place),
            facility_type_id=facility_type.pk,
            area_id=self.area_ids[area.code],
            area_code=area.code,
            lon=round(float(self.district.node_lon[node]), 7),
            lat=round(float(self.district.node_lat[node]), 7),
            address=self._address(place),
            floor_area_m2=floor_area,
            capacity=capacity,
            beds=beds,
            served_persons=served,
            staff_count=rng_range(self.rng, staff_range) if running else None,
            operation_model=model,
            operator=operator,
            accessibility=self._accessibility(floor_area) if running else [],
            closed_on_public_holidays=holiday_closed,
            phone=f"8{self.rng.integers(0, 10**7):07d}" if running else "",
            **state,
        )
        self.facilities.append(facility)
        self.hours[facility.code] = profile

    def build_facilities(self) -> None:
        for type_code, level, per_area in PLAN:
            for area in self._areas_of(level):
                count = int(per_area) + int(self.rng.random() < per_area - int(per_area))
                for _ in range(count):
                    self.add_facility(type_code, self._place(area))
        present = {f.facility_type_id for f in self.facilities}
        for type_code, level, _share in PLAN:
            if self.types[type_code].pk not in present:
                areas = self._areas_of(level)
                self.add_facility(type_code, self._place(areas[int(self.rng.integers(len(areas)))]))
                present.add(self.types[type_code].pk)

    def _areas_of(self, level: str) -> list[SynthArea]:
        if level in ("sub", "town"):
            return [t for t in self.towns if t.kind == ("urban" if level == "sub" else "rural")]
        return [a for a in self.leaves if a.kind == ("urban" if level == "community" else "rural")]

    def _place(self, area: SynthArea) -> _Place:
        if area.level == "town":
            return _Place(area=area, town=area, leaf=self._seat(area))
        return _Place(area=area, town=self.by_code[str(area.parent_code)], leaf=area)


def demo_registry_load(district: SynthDistrict, rng: np.random.Generator) -> dict[str, int]:
    """Load the registry's defaults, the official calendar and, once, the demo district's registry."""
    result = registry_seed()
    result["calendar_days"] = calendar_load()["created"]
    counts = ("operators", "facilities", "opening_rules", "opening_exceptions", "offerings", "construction_targets")
    if Facility.objects.filter(area_code__startswith=DISTRICT[:6]).exists():
        return result | dict.fromkeys(counts, 0)
    return result | _load(district, rng)


@transaction.atomic
def _load(district: SynthDistrict, rng: np.random.Generator) -> dict[str, int]:
    builder = _Builder(district, rng, timezone.localdate())
    builder.build_operators()
    Operator.objects.bulk_create(builder.operators, batch_size=500)
    operator_ids = dict(
        Operator.objects.filter(credit_code__in=[o.credit_code for o in builder.operators]).values_list(
            "credit_code", "id"
        )
    )
    for operator in builder.operators:
        operator.pk = operator_ids[operator.credit_code]
    builder.build_facilities()
    Facility.objects.bulk_create(builder.facilities, batch_size=500)
    ids = dict(Facility.objects.filter(area_code__startswith=DISTRICT[:6]).values_list("code", "id"))
    today, hours = builder.today, builder.hours  # builder.rng is `rng`: the parts below draw from it in turn
    rules = opening_rules(rng, builder.facilities, hours, ids)
    OpeningRule.objects.bulk_create(rules, batch_size=2000)
    exceptions = opening_exceptions(rng, today, builder.facilities, hours, ids)
    OpeningException.objects.bulk_create(exceptions)
    offers = offerings(rng, builder.facilities, hours, builder.types, ids)
    Offering.objects.bulk_create(offers, batch_size=2000)
    targets = construction_targets(rng, today, builder.facilities, builder.towns, builder.types, builder.area_ids)
    ConstructionTarget.objects.bulk_create(targets)
    return {
        "operators": len(builder.operators),
        "facilities": len(builder.facilities),
        "opening_rules": len(rules),
        "opening_exceptions": len(exceptions),
        "offerings": len(offers),
        "construction_targets": len(targets),
    }
