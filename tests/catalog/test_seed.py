"""The registry's default data loads completely, once, without overwriting edits; bad entries are refused
by name. Also the official calendar loader, the other default data linli ships."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from linli.catalog.enums import Domain
from linli.catalog.models import ServiceItem, TierStandard
from linli.catalog.seed import FACILITY_TYPES_FILE, SERVICE_ITEMS_FILE, TIER_STANDARDS_FILE, registry_seed
from linli.core.calendar import calendar_load
from linli.core.errors import ApplicationError
from linli.core.models import CalendarDay
from linli.facilities.models import FacilityType

NAMED_TYPES = {
    "片区级邻里中心",
    "社区级邻里中心",
    "小区级邻里中心",
    "乡里中心",
    "A类社区体育公园",
    "B类社区体育公园",
    "C类社区体育公园",
    "社区养老服务中心",
    "小区养老服务站",
    "家庭养老床位",
    "集中互助养老服务站",
    "小型集中养老服务点",
    "村级居家助老服务点",
    "社区卫生服务中心",
    "社区卫生服务站",
    "标准化村卫生室",
    "文化活动站",
    "文化活动中心",
    "幼儿园",
    "小学",
    "初中",
    "街道（乡镇）党群服务中心",
    "社区（村）党群服务中心",
    "养老院",
    "老年养护院",
    "老年人日间照料中心",
    "社区服务站",
    "社区服务中心（街道级）",
    "大型多功能运动场地",
    "中型多功能运动场地",
    "小型多功能运动场地",
    "室外综合健身场地",
    "菜市场或生鲜超市",
    "门诊部",
    "司法所",
    "街道办事处",
}


def counts() -> tuple[int, ...]:
    return (
        FacilityType.objects.count(),
        ServiceItem.objects.count(),
        TierStandard.objects.count(),
        ServiceItem.host_types.through.objects.count(),
        TierStandard.required_items.through.objects.count(),
    )


def test_seed_loads_the_whole_registry(db):
    created = registry_seed()
    assert created == {
        "facility_types": FacilityType.objects.count(),
        "service_items": ServiceItem.objects.count(),
        "tier_standards": TierStandard.objects.count(),
    }
    assert ServiceItem.objects.count() >= 100
    assert set(ServiceItem.objects.values_list("domain", flat=True)) == set(Domain.values)
    assert set(FacilityType.objects.values_list("name", flat=True)) >= NAMED_TYPES
    assert not ServiceItem.objects.filter(host_types=None).exists()

    meals = ServiceItem.objects.get(code="elderly-meals")
    hosts = set(meals.host_types.values_list("code", flat=True))
    assert {"elderly-centre", "elderly-station", "nc-community", "rural-centre"} <= hosts
    assert "primary-school" not in hosts
    community = TierStandard.objects.get(facility_type__code="nc-community")
    assert community.min_floor_area_m2 == 600 and community.recommended_floor_area_m2 == 800
    assert "elderly-meals" in set(community.required_items.values_list("code", flat=True))
    for standard in TierStandard.objects.prefetch_related("required_items__host_types"):
        for item in standard.required_items.all():
            assert standard.facility_type in item.host_types.all(), (standard, item)


def test_reseeding_changes_nothing_and_keeps_edits(db):
    registry_seed()
    FacilityType.objects.filter(code="nc-community").update(name="社区邻里中心（改）", service_radius_m=600)
    meals = ServiceItem.objects.get(code="elderly-meals")
    meals.host_types.remove(FacilityType.objects.get(code="nc-estate"))
    before = counts()

    out = io.StringIO()
    call_command("seed_registry", stdout=out)
    assert "facility_types 0, service_items 0, tier_standards 0" in out.getvalue()
    assert counts() == before
    edited = FacilityType.objects.get(code="nc-community")
    assert (edited.name, edited.service_radius_m) == ("社区邻里中心（改）", 600)
    assert not meals.host_types.filter(code="nc-estate").exists()


def test_seed_recreates_only_what_was_deleted(db):
    registry_seed()
    ServiceItem.objects.filter(code="coding-class").delete()
    assert registry_seed() == {"facility_types": 0, "service_items": 1, "tier_standards": 0}
    assert ServiceItem.objects.get(code="coding-class").host_types.count() == 4


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def load(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        ("types", {"family": "castle"}, "facility_types.json, entry 1 (nc-district): family: unknown value 'castle'"),
        ("types", {"age_groups": ["60+"]}, "(nc-district): age_groups: unknown value(s) 60+"),
        ("types", {"colour": "red"}, "(nc-district): colour: unknown field"),
        ("items", {"domain": "weather"}, "service_items.json, entry 1 (library-lending): domain: unknown value"),
        ("items", {"host_types": ["castle"]}, "(library-lending): host_types: unknown facility type(s) castle"),
        ("items", {"target_groups": ["pets"]}, "(library-lending): target_groups: unknown value(s) pets"),
        ("items", {"min_age": 12, "max_age": 6}, "(library-lending): max_age: is below min_age"),
        ("items", {"duration_minutes": "an hour"}, "(library-lending): duration_minutes: must be a whole number"),
        ("standards", {"required_items": ["nothing"]}, "tier_standards.json, entry 1 (nc-district): required_items"),
        ("standards", {"required_items": ["junior-education"]}, "junior-education cannot be hosted by nc-district"),
    ],
)
def test_bad_entries_are_refused_by_name(db, tmp_path, file, change, message):
    originals = {"types": FACILITY_TYPES_FILE, "items": SERVICE_ITEMS_FILE, "standards": TIER_STANDARDS_FILE}
    paths = {key: write(tmp_path, path.name, load(path)) for key, path in originals.items()}
    entries = load(paths[file])
    entries[0].update(change)
    write(tmp_path, paths[file].name, entries)

    with pytest.raises(ApplicationError) as caught:
        registry_seed(
            facility_types_file=paths["types"],
            service_items_file=paths["items"],
            tier_standards_file=paths["standards"],
        )
    assert caught.value.code == "registry_data_invalid"
    assert message in caught.value.message
    assert counts() == (0, 0, 0, 0, 0)


def test_every_bad_entry_is_named_by_its_place_in_the_file(db, tmp_path):
    items = load(SERVICE_ITEMS_FILE)
    del items[1]["name"]
    items[2]["host_types"] = ["castle"]
    items.append(dict(items[0]))
    with pytest.raises(ApplicationError) as caught:
        registry_seed(service_items_file=write(tmp_path, "service_items.json", items))
    message = caught.value.message
    assert "entry 2 (parent-child-reading): name: is missing" in message
    assert f"entry 3 ({items[2]['code']}): host_types: unknown facility type(s) castle" in message
    assert f"entry {len(items)} (library-lending): code: appears twice" in message
    assert len(caught.value.extra["errors"]) == 3


def test_calendar_has_the_2026_spring_festival_and_make_up_days(db):
    out = io.StringIO()
    call_command("calendar_load", "--year", "2026", stdout=out)
    assert "created" in out.getvalue()
    holidays = set(
        CalendarDay.objects.filter(kind="holiday", name="春节", date__year=2026).values_list("date", flat=True)
    )
    assert {datetime.date(2026, 2, 16), datetime.date(2026, 2, 17), datetime.date(2026, 2, 23)} <= holidays
    workdays = CalendarDay.objects.filter(kind="workday", date__year=2026)
    assert workdays.filter(date=datetime.date(2026, 2, 14), name="春节").exists()
    assert all(day.weekday() >= 5 for day in workdays.values_list("date", flat=True))
    assert not CalendarDay.objects.exclude(date__year=2026).exists()


def test_calendar_load_is_idempotent_and_repairs_edits(db):
    first = calendar_load()
    assert first["created"] == CalendarDay.objects.count() > 500
    CalendarDay.objects.filter(date=datetime.date(2026, 10, 1)).update(name="误改")
    assert calendar_load() == {"created": 0, "updated": 1}
    assert CalendarDay.objects.get(date=datetime.date(2026, 10, 1)).name == "国庆节"


def test_calendar_refuses_years_the_package_does_not_know(db):
    with pytest.raises(CommandError, match="2099"):
        call_command("calendar_load", "--year", "2099", stdout=io.StringIO())
