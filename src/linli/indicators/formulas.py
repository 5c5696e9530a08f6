"""The indicators that today's data supports, each one definition over the registry, catalogue, bookings,
requests, feedback and planning data. Every compute function answers for every area of the context in a few
grouped queries (see `registry.Context`).

The read side of other apps: these functions aggregate their tables read-only (counts and sums grouped by
area code) - the bulk reads that their scoped, per-viewer selectors are not made for. Coverage reuses the
planning app's coverage runs (`planning.selectors.run_arrays`), it is not computed again here.

The indicators of organisations, volunteer hours, staff sent down, points, contracts' KPIs and construction
funds are in `formulas_apps.py`. Still to add: construction projects delayed (项目延期) as of a date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, Sum

from linli.areas.enums import AgeGroup, AreaKind, AreaLevel
from linli.bookings.enums import RegistrationStatus
from linli.bookings.models import Registration, Session
from linli.cases.enums import EventAction
from linli.cases.models import RequestEvent, ServiceRequest
from linli.catalog.enums import Domain
from linli.catalog.models import Offering, ServiceItem
from linli.facilities.enums import ConstructionStatus, FacilityFamily, OperationModel, OperatorKind
from linli.facilities.models import ConstructionTarget, Facility, FacilityType
from linli.feedback.enums import SurveyKind
from linli.feedback.models import Answer, Need, NeedSupport
from linli.indicators.registry import (
    ABOVE_VILLAGE,
    AreaInfo,
    Context,
    Direction,
    Figure,
    Indicator,
    TargetKind,
    Unit,
    register,
)

REPORT = "《推动公共服务进村进社区调研报告》(市委, 2024)"


# --- facilities built ------------------------------------------------------------------------------------


def built_q(day: dt.date, prefix: str = "") -> Q:
    """Facilities standing on `day`: built (completed on or before it, or without a recorded date), or
    closed after it."""
    completed = Q(completed_on__isnull=True) | Q(completed_on__lte=day)
    q = (Q(status=ConstructionStatus.BUILT) & completed) | (
        Q(status=ConstructionStatus.CLOSED, closed_on__gt=day) & completed
    )
    return q


def _types() -> dict[int, FacilityType]:
    return {t.pk: t for t in FacilityType.objects.all()}


def _built_rows(ctx: Context) -> list[dict[str, Any]]:
    """Built facilities per area and type (count, beds, third-party operated, market-operated): one query
    shared by every facility indicator of the context."""
    if "built" not in ctx.cache:
        third = Q(operator__kind__in=[OperatorKind.COMPANY, OperatorKind.SOCIAL_ORG])
        market = ~Q(operation_model=OperationModel.GOVERNMENT)
        ctx.cache["built"] = list(
            ctx.scoped(Facility.objects.filter(built_q(ctx.as_of)))
            .values("area_code", "facility_type_id", "area__kind")
            .annotate(
                n=Count("id"), beds=Sum("beds"), third=Count("id", filter=third), market=Count("id", filter=market)
            )
            .order_by()
        )
        ctx.cache["types"] = _types()
    return ctx.cache["built"]


def _matches(t: FacilityType, *, codes: tuple[str, ...] = (), family: str = "", tier: str = "") -> bool:
    if codes:
        return t.code in codes
    return t.family == family and (not tier or t.tier == tier)


def built_count(*, codes: tuple[str, ...] = (), family: str = "", tier: str = "", beds: bool = False) -> Any:
    def compute(ctx: Context) -> dict[str, Figure]:
        rows = _built_rows(ctx)
        types = ctx.cache["types"]
        wanted = {pk for pk, t in types.items() if _matches(t, codes=codes, family=family, tier=tier)}
        return ctx.rollup(
            (r["area_code"], float((r["beds"] or 0) if beds else r["n"]), None)
            for r in rows
            if r["facility_type_id"] in wanted
        )

    return compute


def _counted(code: str, zh: str, en: str, blank: str, order: int, unit: Unit = Unit.COUNT, **match: Any) -> None:
    what = "床位数之和" if match.get("beds") else "设施数"
    register(
        Indicator(
            code=code,
            name_zh=zh,
            name_en=en,
            unit=unit,
            direction=Direction.HIGHER,
            formula_zh=f"截至统计日已建成（竣工日期不晚于统计日、未关闭）的{zh.removeprefix('已建成')}{what}，"
            "按设施所在区划汇总到上级区划。",
            formula_en=f"{en}: facilities standing on the day (completed on or before it, not closed), "
            "summed from each facility's area up to every area above it"
            + (" (their beds)" if match.get("beds") else "")
            + ".",
            compute=built_count(**match),
            group="carriers",
            source=REPORT,
            blank=blank,
            target=TargetKind.NONE,
            order=order,
        )
    )


NC, RC = FacilityFamily.NEIGHBOURHOOD_CENTRE, FacilityFamily.RURAL_CENTRE
_counted("built.nc", "已建成邻里中心", "Neighbourhood centres built", "已建成邻里中心*个", 10, family=NC)
_counted("built.rural_centre", "已建成乡里中心", "Rural centres built", "乡里中心*个", 11, family=RC)
_counted("built.nc_district", "已建成片区级邻里中心", "District-area neighbourhood centres built",
         "片区级…邻里中心*个", 12, family=NC, tier="片区级")  # fmt: skip
_counted("built.nc_community", "已建成社区级邻里中心", "Community neighbourhood centres built",
         "社区级…邻里中心*个", 13, family=NC, tier="社区级")  # fmt: skip
_counted("built.nc_estate", "已建成小区级邻里中心", "Estate neighbourhood centres built",
         "小区级邻里中心*个", 14, family=NC, tier="小区级")  # fmt: skip
SP = FacilityFamily.SPORTS_PARK
_counted("built.sports_park_a", "已建成A类社区体育公园", "Class A community sports parks built",
         "A类社区体育公园*个", 16, family=SP, tier="A")  # fmt: skip
_counted("built.sports_park_b", "已建成B类社区体育公园", "Class B community sports parks built", "B类*个", 17,
         family=SP, tier="B")  # fmt: skip
_counted("built.sports_park_c", "已建成C类社区体育公园", "Class C community sports parks built", "C类*个", 18,
         family=SP, tier="C")  # fmt: skip
_counted("built.elderly_centre", "已建成社区养老服务中心", "Community elderly service centres built",
         "*个社区养老服务中心", 20, codes=("elderly-centre",))  # fmt: skip
_counted("built.elderly_station", "已建成居民小区养老服务站", "Estate elderly service stations built",
         "*个居民小区养老服务站", 21, codes=("elderly-station",))  # fmt: skip
_counted("built.family_care_beds", "已建成家庭养老床位", "Family elderly-care beds", "*张家庭养老床位", 22,
         unit=Unit.BEDS, codes=("family-care-bed",), beds=True)  # fmt: skip
_counted("built.rural_mutual_aid", "已建成集中互助养老服务站", "Rural mutual-aid elderly stations built",
         "*个集中互助养老服务站", 23, codes=("rural-mutual-aid",))  # fmt: skip
_counted("built.rural_small_care", "已建成小型集中养老服务点", "Small rural elderly care points built",
         "*个小型集中养老服务点", 24, codes=("rural-small-care",))  # fmt: skip
_counted("built.rural_home_help", "已建成村级居家助老服务点", "Village home-help points built",
         "*个村级居家助老服务点", 25, codes=("rural-home-help",))  # fmt: skip
_counted("built.chc", "已建成社区卫生服务中心", "Community health service centres built", "*个社区卫生服务中心", 26,
         codes=("chc",))  # fmt: skip
_counted("built.chs", "已建成社区卫生服务站", "Community health service stations built", "*个社区卫生服务站", 27,
         codes=("chs",))  # fmt: skip


def villages_without_rural_centre(ctx: Context) -> list[AreaInfo]:
    """Rural villages of the context with no rural centre standing in them on the day (the report's
    siting proposals and the re-plan button start from them)."""
    rows = _built_rows(ctx)
    types = ctx.cache["types"]
    with_centre = {r["area_code"] for r in rows if types[r["facility_type_id"]].family == RC}
    return [
        a
        for a in sorted(ctx.areas.values(), key=lambda a: a.code)
        if a.level == AreaLevel.VILLAGE and a.kind == AreaKind.RURAL and a.code not in with_centre
    ]


def domain_gaps(
    demand: dict[str, float], supply: dict[str, float], points: float = 5.0
) -> list[tuple[str, float, float]]:
    """(domain, share of demand %, share of supply %) for the domains whose share of demand exceeds their
    share of supply by `points` or more, largest gap first."""
    total_d, total_s = sum(demand.values()), sum(supply.values())
    if not total_d or not total_s:
        return []
    out = []
    for key in DOMAINS:
        d, s = demand.get(key, 0) / total_d * 100, supply.get(key, 0) / total_s * 100
        if d - s >= points:
            out.append((key, d, s))
    return sorted(out, key=lambda g: g[2] - g[1])


def rural_centre_villages(ctx: Context) -> dict[str, Figure]:
    """Rural villages with at least one rural centre standing in them / rural villages."""
    rows = _built_rows(ctx)
    types = ctx.cache["types"]
    with_centre = {
        r["area_code"] for r in rows if types[r["facility_type_id"]].family == RC and r["area_code"] in ctx.areas
    }
    villages = [a for a in ctx.areas.values() if a.level == AreaLevel.VILLAGE and a.kind == AreaKind.RURAL]
    return ctx.rate_rollup((v.code, 1.0 if v.code in with_centre else 0.0, 1.0) for v in villages)


register(
    Indicator(
        code="rural_centre.village_share",
        name_zh="建成乡里中心的行政村占比",
        name_en="Share of villages with a rural centre",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        formula_zh="辖区内有已建成乡里中心的行政村数 ÷ 辖区内行政村（乡村）总数 × 100%。",
        formula_en="Rural villages with a rural centre standing in them / all rural villages of the area x 100%.",
        compute=rural_centre_villages,
        group="carriers",
        source=REPORT,
        blank="全市*%以上行政村建成乡里中心",
        scale=100,
        levels=ABOVE_VILLAGE,
        order=15,
    )
)


def completion_rate(*, family: str, tiers: tuple[str, ...]) -> Any:
    """Facilities of the tiers completed in the day's calendar year up to the day / that year's
    construction targets (`facilities.ConstructionTarget`)."""

    def compute(ctx: Context) -> dict[str, Figure]:
        year = ctx.as_of.year
        type_ids = list(FacilityType.objects.filter(family=family, tier__in=tiers).values_list("pk", flat=True))
        done = (
            ctx.scoped(
                Facility.objects.filter(
                    built_q(ctx.as_of), facility_type_id__in=type_ids, completed_on__gte=dt.date(year, 1, 1)
                )
            )
            .values("area_code")
            .annotate(n=Count("id"))
            .order_by()
        )
        targets = (
            ctx.scoped(ConstructionTarget.objects.filter(year=year, facility_type_id__in=type_ids))
            .values("area_code")
            .annotate(t=Sum("target"))
            .order_by()
        )
        rows: list[tuple[str, float, float]] = [(r["area_code"], float(r["n"]), 0.0) for r in done]
        rows += [(r["area_code"], 0.0, float(r["t"] or 0)) for r in targets]
        return ctx.rate_rollup(rows)

    return compute


register(
    Indicator(
        code="completion.nc_district",
        name_zh="片区级邻里中心建设年度任务完成率",
        name_en="Annual completion rate of district-area neighbourhood centres",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        formula_zh="本年1月1日至统计日建成的片区级邻里中心数 ÷ 本年度片区级邻里中心建设任务数（建设目标）× 100%。",
        formula_en="District-area neighbourhood centres completed from 1 January to the day / the year's "
        "construction target for them x 100%.",
        compute=completion_rate(family=NC, tiers=("片区级",)),
        group="carriers",
        source=REPORT,
        blank="片区级邻里中心建设年度任务完成率仅为*%",
        scale=100,
        order=30,
    )
)
register(
    Indicator(
        code="completion.sports_park_ab",
        name_zh="A、B类社区体育公园建成率",
        name_en="Completion rate of class A and B community sports parks",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        formula_zh="本年1月1日至统计日建成的A、B类社区体育公园数 ÷ 本年度A、B类社区体育公园建设任务数 × 100%。",
        formula_en="Class A and B community sports parks completed from 1 January to the day / the year's "
        "construction target for them x 100%.",
        compute=completion_rate(family=SP, tiers=("A", "B")),
        group="carriers",
        source=REPORT,
        blank="A、B类社区体育公园建成率仅为*%",
        scale=100,
        order=31,
    )
)


# --- market operation ------------------------------------------------------------------------------------


def third_party_share(ctx: Context) -> dict[str, Figure]:
    rows = _built_rows(ctx)
    types = ctx.cache["types"]
    return ctx.rate_rollup(
        (r["area_code"], float(r["third"]), float(r["n"])) for r in rows if types[r["facility_type_id"]].family == NC
    )


def rural_elderly_market(ctx: Context) -> dict[str, Figure]:
    rows = _built_rows(ctx)
    types = ctx.cache["types"]
    return ctx.rate_rollup(
        (r["area_code"], float(r["market"]), float(r["n"]))
        for r in rows
        if types[r["facility_type_id"]].family == FacilityFamily.ELDERLY_CARE and r["area__kind"] == AreaKind.RURAL
    )


register(
    Indicator(
        code="market.third_party_share",
        name_zh="邻里中心第三方运营占比",
        name_en="Share of neighbourhood centres run by a third party",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        formula_zh="运营主体为企业或社会组织的已建成邻里中心数 ÷ 已建成邻里中心总数 × 100%。",
        formula_en="Neighbourhood centres standing whose operator is a company or a social organisation / all "
        "neighbourhood centres standing x 100%.",
        compute=third_party_share,
        group="market",
        source=REPORT,
        blank="*个邻里中心中由第三方运营的仅占*%",
        scale=100,
        order=40,
    )
)
register(
    Indicator(
        code="market.rural_elderly_rate",
        name_zh="农村养老服务设施市场化运营率",
        name_en="Market operation rate of rural elderly-care facilities",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        formula_zh="乡村区划内运营模式为公建民营、政府购买服务或市场化运营的已建成养老服务设施数 ÷ "
        "乡村已建成养老服务设施总数 × 100%。",
        formula_en="Elderly-care facilities standing in rural areas operated publicly-built-privately-run, by "
        "purchase of services or by the market / all elderly-care facilities standing in rural areas x 100%.",
        compute=rural_elderly_market,
        group="market",
        source=REPORT,
        blank="农村养老服务设施市场化运营率仅为*%",
        scale=100,
        order=41,
    )
)


# --- service functions -----------------------------------------------------------------------------------


def catalogue_items(ctx: Context) -> dict[str, Figure]:
    end = ctx.day_end
    n = float(ServiceItem.objects.filter(created_at__lt=end).count())
    return {code: Figure(n) for code in ctx.areas}


def offered_items(ctx: Context) -> dict[str, Figure]:
    """Distinct service items actively offered by facilities standing in each area (a union of sets, not a
    sum: one item offered in two communities counts once for their sub-district)."""
    pairs = (
        ctx.scoped(Offering.objects.filter(active=True, facility__in=Facility.objects.filter(built_q(ctx.as_of))))
        .values_list("area_code", "item_id")
        .distinct()
    )
    items: dict[str, set[int]] = defaultdict(set)
    for code, item in pairs:
        for a in ctx.ancestors(code):
            items[a].add(item)
    return {code: Figure(float(len(items.get(code, ())))) for code in ctx.areas}


register(
    Indicator(
        code="services.catalogue_items",
        name_zh="基本公共服务具体服务事项数",
        name_en="Service items in the catalogue",
        unit=Unit.COUNT,
        direction=Direction.HIGHER,
        formula_zh="服务目录中统计日前已登记的具体服务事项数（六大领域合计，全区统一目录）。",
        formula_en="Service items registered in the catalogue by the day (the six domains together; one "
        "catalogue for the whole district).",
        compute=catalogue_items,
        group="functions",
        source=REPORT,
        blank="将六大领域基本公共服务细化为*项具体服务",
        target=TargetKind.NONE,
        levels=ABOVE_VILLAGE,
        order=50,
    )
)
register(
    Indicator(
        code="services.offered_items",
        name_zh="辖区内实际提供的服务事项数",
        name_en="Service items offered in the area",
        unit=Unit.COUNT,
        direction=Direction.HIGHER,
        formula_zh="辖区内已建成设施正在提供的不同服务事项数（同一事项在多处提供只计一次）。",
        formula_en="Distinct service items actively offered by the facilities standing in the area (an item "
        "offered in several places counts once).",
        compute=offered_items,
        group="functions",
        source=REPORT,
        blank="分类制定下沉服务事项清单",
        order=51,
    )
)


def _sessions(ctx: Context) -> Any:
    return ctx.scoped(Session.objects.filter(starts_at__gte=ctx.window_start, starts_at__lt=ctx.day_end))


def booking_rate(ctx: Context) -> dict[str, Figure]:
    rows = _sessions(ctx).values("area_code").annotate(c=Sum("confirmed"), cap=Sum("capacity")).order_by()
    return ctx.rate_rollup((r["area_code"], float(r["c"] or 0), float(r["cap"] or 0)) for r in rows)


def attendance_rate(ctx: Context) -> dict[str, Figure]:
    cap = _sessions(ctx).values("area_code").annotate(cap=Sum("capacity")).order_by()
    attended = (
        ctx.scoped(
            Registration.objects.filter(
                status=RegistrationStatus.ATTENDED,
                session__starts_at__gte=ctx.window_start,
                session__starts_at__lt=ctx.day_end,
            )
        )
        .values("area_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows: list[tuple[str, float, float]] = [(r["area_code"], 0.0, float(r["cap"] or 0)) for r in cap]
    rows += [(r["area_code"], float(r["n"]), 0.0) for r in attended]
    return ctx.rate_rollup(rows)


register(
    Indicator(
        code="usage.booking_rate",
        name_zh="活动报名率",
        name_en="Booking rate of activities",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        formula_zh="统计日前365天内开始的活动场次已占座位数（已报名、已签到、未到场）÷ 这些场次的容量之和 × 100%。",
        formula_en="Seats taken (confirmed, attended, no-show) in sessions starting in the 365 days up to the "
        "day / the capacity of those sessions x 100%.",
        compute=booking_rate,
        group="functions",
        source=REPORT,
        blank="部分功能使用率不高",
        scale=100,
        order=52,
    )
)
register(
    Indicator(
        code="usage.attendance_rate",
        name_zh="功能使用率（到场率）",
        name_en="Function usage rate (attendance against capacity)",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        formula_zh="统计日前365天内开始的活动场次中已签到人数 ÷ 这些场次的容量之和 × 100%。",
        formula_en="Residents checked in at sessions starting in the 365 days up to the day / the capacity of "
        "those sessions x 100%.",
        compute=attendance_rate,
        group="functions",
        source=REPORT,
        blank="部分功能使用率不高",
        scale=100,
        order=53,
    )
)


DOMAINS = [d.value for d in Domain]


def demand_supply_by_domain(ctx: Context) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Per area and domain: demand (needs raised in the window, each counted once plus once per resident who
    supported it) and supply (capacity of the sessions offered in the window)."""
    if "mismatch" in ctx.cache:
        return ctx.cache["mismatch"]
    demand: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(DOMAINS, 0.0))
    supply: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(DOMAINS, 0.0))
    needs = ctx.scoped(Need.objects.filter(created_at__gte=ctx.window_start, created_at__lt=ctx.day_end))
    for r in needs.values("area_code", "domain").annotate(n=Count("id")).order_by():
        for a in ctx.ancestors(r["area_code"]):
            demand[a][r["domain"]] += r["n"]
    supports = NeedSupport.objects.filter(need__in=needs, created_at__lt=ctx.day_end)
    for r in supports.values("need__area_code", "need__domain").annotate(n=Count("id")).order_by():
        for a in ctx.ancestors(r["need__area_code"]):
            demand[a][r["need__domain"]] += r["n"]
    for r in _sessions(ctx).values("area_code", "activity__domain").annotate(cap=Sum("capacity")).order_by():
        for a in ctx.ancestors(r["area_code"]):
            supply[a][r["activity__domain"]] += float(r["cap"] or 0)
    ctx.cache["mismatch"] = (dict(demand), dict(supply))
    return ctx.cache["mismatch"]


def mismatch_index(ctx: Context) -> dict[str, Figure]:
    demand, supply = demand_supply_by_domain(ctx)
    out: dict[str, Figure] = {}
    for code in ctx.areas:
        d, s = demand.get(code), supply.get(code)
        dt_, st_ = sum((d or {}).values()), sum((s or {}).values())
        if not d or not s or dt_ == 0 or st_ == 0:
            out[code] = Figure(0.0, 0.0)  # missing: no demand or no supply to compare
            continue
        gap = sum(abs(d[k] / dt_ - s[k] / st_) for k in DOMAINS) / 2
        out[code] = Figure(gap, 1.0)
    return out


register(
    Indicator(
        code="usage.mismatch",
        name_zh="服务功能供需错配指数",
        name_en="Supply-demand mismatch index",
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        formula_zh="按六大领域分别计算需求占比（统计日前365天群众提出的需求数及附议人数）与供给占比（同期活动场次容量），"
        "错配指数 = ½ × Σ|需求占比 − 供给占比| × 100%（0为完全匹配，100%为完全错配）。",
        formula_en="Per domain, the share of demand (needs raised in the 365 days up to the day, plus their "
        "supporters) and the share of supply (capacity of the sessions offered then); index = 1/2 x sum of "
        "|demand share - supply share| x 100% (0: matched, 100%: nothing offered where it is asked).",
        compute=mismatch_index,
        group="functions",
        source=REPORT,
        blank="服务功能供需错配现象依然存在",
        scale=100,
        order=54,
    )
)


# --- quality ---------------------------------------------------------------------------------------------


def _overall_ratings(ctx: Context) -> list[dict[str, Any]]:
    if "ratings" not in ctx.cache:
        answers = Answer.objects.filter(
            question__overall=True,
            question__survey__kind=SurveyKind.SATISFACTION,
            rating__isnull=False,
            response__created_at__gte=ctx.window_start,
            response__created_at__lt=ctx.day_end,
        )
        if ctx.prefix:
            answers = answers.filter(response__area_code__startswith=ctx.prefix)
        ctx.cache["ratings"] = list(
            answers.values("response__area_code")
            .annotate(n=Count("id"), total=Sum("rating"), good=Count("id", filter=Q(rating__gte=4)))
            .order_by()
        )
    return ctx.cache["ratings"]


def satisfaction_rate(ctx: Context) -> dict[str, Figure]:
    return ctx.rate_rollup((r["response__area_code"], float(r["good"]), float(r["n"])) for r in _overall_ratings(ctx))


def satisfaction_score(ctx: Context) -> dict[str, Figure]:
    return ctx.rate_rollup(
        (r["response__area_code"], float(r["total"] or 0), float(r["n"])) for r in _overall_ratings(ctx)
    )


register(
    Indicator(
        code="quality.satisfaction_rate",
        name_zh="群众满意率",
        name_en="Satisfaction rate",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        formula_zh="统计日前365天满意度调查中总体评价为4分或5分的答卷数 ÷ 总体评价答卷数 × 100%（按答卷人所在区划）。",
        formula_en="Overall ratings of 4 or 5 in satisfaction surveys answered in the 365 days up to the day / "
        "all overall ratings then x 100% (by the respondent's area).",
        compute=satisfaction_rate,
        group="quality",
        source=REPORT,
        blank="不断提高人民群众的获得感满意度",
        scale=100,
        order=60,
    )
)
register(
    Indicator(
        code="quality.satisfaction_score",
        name_zh="总体满意度平均分",
        name_en="Mean overall satisfaction rating",
        unit=Unit.SCORE,
        direction=Direction.HIGHER,
        formula_zh="统计日前365天满意度调查总体评价分数之和 ÷ 总体评价答卷数（1—5分）。",
        formula_en="Sum of the overall ratings (1-5) of satisfaction surveys answered in the 365 days up to the "
        "day / their number.",
        compute=satisfaction_score,
        group="quality",
        source=REPORT,
        blank="不断提高人民群众的获得感满意度",
        order=61,
    )
)


def on_time_rate(ctx: Context) -> dict[str, Figure]:
    resolved = ctx.scoped(ServiceRequest.objects.filter(resolved_at__gte=ctx.window_start, resolved_at__lt=ctx.day_end))
    from django.db.models import F

    rows = (
        resolved.values("area_code")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(resolved_at__lte=F("deadline_at"))))
        .order_by()
    )
    return ctx.rate_rollup((r["area_code"], float(r["ok"]), float(r["n"])) for r in rows)


def escalation_rate(ctx: Context) -> dict[str, Figure]:
    filed = ctx.scoped(ServiceRequest.objects.filter(submitted_at__gte=ctx.window_start, submitted_at__lt=ctx.day_end))
    escalated = RequestEvent.objects.filter(action=EventAction.ESCALATE, at__lt=ctx.day_end).values("request_id")
    rows = filed.values("area_code").annotate(n=Count("id"), up=Count("id", filter=Q(pk__in=escalated))).order_by()
    return ctx.rate_rollup((r["area_code"], float(r["up"]), float(r["n"])) for r in rows)


register(
    Indicator(
        code="requests.on_time_rate",
        name_zh="办件按时办结率",
        name_en="Requests resolved on time",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        formula_zh="统计日前365天内办结的办件中，在办结时限内办结的件数 ÷ 办结件数 × 100%。",
        formula_en="Requests resolved in the 365 days up to the day before their deadline / all requests "
        "resolved then x 100%.",
        compute=on_time_rate,
        group="quality",
        source="《积极探索突出特色 多方式推进基层公共服务体系建设》(成都, 2011)：全程代理、限时办结",
        blank="限时办结",
        scale=100,
        order=62,
    )
)
register(
    Indicator(
        code="requests.escalation_rate",
        name_zh="办件超时升级率",
        name_en="Requests escalated for being overdue",
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        formula_zh="统计日前365天内提交的办件中，因超时被升级到上一级办理的件数 ÷ 提交件数 × 100%。",
        formula_en="Requests filed in the 365 days up to the day that were escalated one level for being "
        "overdue / all requests filed then x 100%.",
        compute=escalation_rate,
        group="quality",
        source="《积极探索突出特色 多方式推进基层公共服务体系建设》(成都, 2011)：全程代理、限时办结",
        blank="限时办结",
        scale=100,
        order=63,
    )
)


# --- coverage (reuses the planning app's coverage runs) --------------------------------------------------


def coverage_by_age(group_index: int) -> Any:
    def compute(ctx: Context) -> dict[str, Figure]:
        from linli.indicators.coverage import coverage_rows

        return ctx.rate_rollup(
            (code, covered[group_index], total[group_index]) for code, covered, total in coverage_rows(ctx)
        )

    return compute


for _i, _group in enumerate(AgeGroup):
    register(
        Indicator(
            code=f"coverage.age_{_group.value.replace('-', '_').replace('+', 'plus')}",
            name_zh=f"{_group.value}岁居民生活圈覆盖率",
            name_en=f"Living-circle coverage, residents aged {_group.value}",
            unit=Unit.PERCENT,
            direction=Direction.HIGHER,
            formula_zh=f"最近一次（统计日前完成的）覆盖分析中，步行距离在邻里中心或乡里中心生活圈半径内的"
            f"{_group.value}岁居民数 ÷ {_group.value}岁居民总数 × 100%（分析未含中心时取所分析的全部设施类型）。",
            formula_en=f"In the latest coverage run finished by the day: residents aged {_group.value} within the "
            "walking distance of a neighbourhood or rural centre (of any analysed type when it has no centre) / "
            f"all residents aged {_group.value} x 100%.",
            compute=coverage_by_age(_i),
            group="carriers",
            source=REPORT + "：综合考虑地理区位、行政区划、人口规模、服务半径等因素",
            blank="做到层级分明、密度适宜、有效覆盖",
            scale=100,
            order=70 + _i,
        )
    )
