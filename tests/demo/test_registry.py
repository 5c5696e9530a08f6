"""The demo district's registry: hundreds of facilities of every type where they belong, offerings only
where the type can host the item, realistic gaps, valid operators, and nothing loaded twice."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import shapely
from django.db.models import Count, F, Q

from linli.areas.models import Area
from linli.catalog.models import Offering, ServiceItem, TierStandard
from linli.catalog.seed import FACILITY_TYPES_FILE
from linli.core.models import CalendarDay
from linli.demo.services import demo_load
from linli.facilities.enums import ConstructionStatus, OperationModel, OperatorKind
from linli.facilities.models import (
    ConstructionTarget,
    Facility,
    FacilityType,
    OpeningException,
    OpeningRule,
    Operator,
)
from linli.facilities.validators import credit_code_problem

REGISTRY = (
    FacilityType,
    ServiceItem,
    Operator,
    Facility,
    OpeningRule,
    OpeningException,
    Offering,
    ConstructionTarget,
    CalendarDay,
)


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in REGISTRY)


def test_demo_registry(db):
    result = demo_load(apps=False)["registry"]
    assert result["facilities"] == Facility.objects.count()
    assert 500 <= Facility.objects.count() <= 2000

    shipped = {t["code"] for t in json.loads(FACILITY_TYPES_FILE.read_text(encoding="utf-8"))}
    assert set(Facility.objects.values_list("facility_type__code", flat=True)) == shipped

    boundaries = {a.code: shapely.geometry.shape(a.boundary) for a in Area.objects.exclude(boundary=None)}
    for code, lon, lat in Facility.objects.values_list("area_code", "lon", "lat"):
        assert boundaries[code].contains(shapely.Point(lon, lat)), code
    assert not Facility.objects.exclude(area__code=F("area_code")).exists()
    assert not Facility.objects.exclude(facility_type__setting__in=["both", F("area__kind")]).exists()
    codes = list(Facility.objects.values_list("code", flat=True))
    assert all(code.startswith("F99") and len(code) == 15 for code in codes)

    hostable = set(ServiceItem.host_types.through.objects.values_list("facilitytype_id", "serviceitem_id"))
    offered = set(Offering.objects.values_list("facility__facility_type_id", "item_id"))
    assert offered and offered <= hostable
    assert not Offering.objects.exclude(area_code=F("facility__area_code")).exists()
    not_running = Q(facility__status__in=[ConstructionStatus.BUILT, ConstructionStatus.SUSPENDED])
    assert not Offering.objects.exclude(not_running).exists()

    # The gaps planning and compliance pages are there to find.
    with_centre = set(Facility.objects.filter(facility_type__code="nc-community").values_list("area_code", flat=True))
    communities = set(Area.objects.filter(level="village", kind="urban").values_list("code", flat=True))
    assert 0 < len(communities - with_centre) < len(communities) / 2
    with_clinic = set(Facility.objects.filter(facility_type__code="village-clinic").values_list("area_code", flat=True))
    villages = set(Area.objects.filter(level="village", kind="rural").values_list("code", flat=True))
    assert villages - with_clinic
    assert Facility.objects.filter(facility_type__family="elderly_care", served_persons__gt=F("capacity")).exists()
    statuses = Counter(Facility.objects.values_list("status", flat=True))
    assert statuses[ConstructionStatus.BUILT] > 0.8 * Facility.objects.count()
    assert all(statuses[s] for s in (ConstructionStatus.PLANNED, ConstructionStatus.UNDER_CONSTRUCTION))
    assert statuses[ConstructionStatus.CLOSED] and not Facility.objects.filter(status="closed", closed_on=None).exists()
    assert not Facility.objects.filter(status="built", completed_on=None).exists()
    below = Facility.objects.filter(
        facility_type__standard__min_floor_area_m2__isnull=False,
        floor_area_m2__lt=F("facility_type__standard__min_floor_area_m2"),
    )
    assert below.exists()
    required = defaultdict(set)
    for type_id, item_id in TierStandard.required_items.through.objects.values_list(
        "tierstandard__facility_type_id", "serviceitem_id"
    ):
        required[type_id].add(item_id)
    offers = defaultdict(set)
    for facility_id, item_id in Offering.objects.values_list("facility_id", "item_id"):
        offers[facility_id].add(item_id)
    standardised = Facility.objects.filter(status="built", facility_type__standard__isnull=False)
    complete = [required[type_id] <= offers[pk] for pk, type_id in standardised.values_list("pk", "facility_type_id")]
    assert 0.5 * len(complete) < sum(complete) < len(complete)

    targets = ConstructionTarget.objects.all()
    assert targets.filter(area_code="990102000000").exists() and targets.exclude(area_code="990102000000").exists()
    year = targets.first().year
    built = Counter(
        Facility.objects.filter(status="built", completed_on__year=year).values_list("area_code", "facility_type_id")
    )
    met = [
        sum(n for (code, type_id), n in built.items() if code[:9] == t.area_code[:9] and type_id == t.facility_type_id)
        >= t.target
        for t in targets.exclude(area_code="990102000000")
    ]
    assert any(met) and not all(met)

    operators = Operator.objects.all()
    assert all(credit_code_problem(code) is None for code in operators.values_list("credit_code", flat=True))
    assert set(operators.values_list("kind", flat=True)) == set(OperatorKind.values)
    assert {"5A", "4A", "3A", "2A", "1A"} <= set(operators.values_list("grade", flat=True))
    assert set(Facility.objects.values_list("operation_model", flat=True)) == set(OperationModel.values)
    assert not Facility.objects.filter(status="built", operator=None).exists()
    assert not operators.filter(Q(contact_name="") | Q(contact_phone="")).exists()

    hours = Facility.objects.filter(status="built").annotate(n=Count("opening_rules"))
    assert not hours.filter(n=0).exists()
    assert OpeningException.objects.count() > 10
    assert Facility.objects.filter(closed_on_public_holidays=True).exists()
    assert CalendarDay.objects.filter(date__year=2026, name="春节").exists()

    first = counts()
    again = demo_load(apps=False)["registry"]
    assert counts() == first
    assert not any(again.values())
