"""Indicators of the apps built after the first registry: residents' organisations (三自组织), volunteer
hours and staff sent down (下沉), the points ledger, purchased services' KPIs and construction funds. Same
rules as `formulas.py`: every area of the context at once, a few grouped queries, read-only."""

from __future__ import annotations

from django.db.models import Count, F, QuerySet, Sum

from linli.construction.models import Funding
from linli.indicators.formulas import REPORT
from linli.indicators.registry import Context, Direction, Figure, Indicator, TargetKind, Unit, register
from linli.organizations.enums import OrgState, ShiftKind
from linli.organizations.models import HoursRecord, Organization, Rating
from linli.points.enums import AccountKind
from linli.points.models import Transfer
from linli.procurement.models import KpiObservation


def organizations_filed(ctx: Context) -> dict[str, Figure]:
    filed = ctx.scoped(
        Organization.objects.filter(state__in=[OrgState.APPROVED, OrgState.SUSPENDED], approved_at__lt=ctx.day_end)
    )
    rows = filed.values("area_code").annotate(n=Count("id")).order_by()
    return ctx.rollup((r["area_code"], float(r["n"]), None) for r in rows)


def organizations_rated(ctx: Context) -> dict[str, Figure]:
    rated = ctx.scoped(Rating.objects.filter(year=ctx.as_of.year))
    rows = rated.values("area_code").annotate(n=Count("organization", distinct=True)).order_by()
    return ctx.rollup((r["area_code"], float(r["n"]), None) for r in rows)


def _hours_in_window(ctx: Context, kind: str) -> QuerySet[HoursRecord]:
    return ctx.scoped(
        HoursRecord.objects.filter(
            kind=kind,
            replaced_by__isnull=True,
            shift__starts_at__gte=ctx.window_start,
            shift__starts_at__lt=ctx.day_end,
        )
    )


def volunteer_hours(ctx: Context) -> dict[str, Figure]:
    rows = _hours_in_window(ctx, ShiftKind.VOLUNTEER).values("area_code").annotate(h=Sum("hours")).order_by()
    return ctx.rollup((r["area_code"], float(r["h"] or 0), None) for r in rows)


def sent_down_person_times(ctx: Context) -> dict[str, Figure]:
    rows = _hours_in_window(ctx, ShiftKind.SENT_DOWN).values("area_code").annotate(n=Count("id")).order_by()
    return ctx.rollup((r["area_code"], float(r["n"]), None) for r in rows)


def points_outstanding(ctx: Context) -> dict[str, Figure]:
    """Points held by residents at the end of the day: what reached their accounts minus what left them."""
    moved = ctx.scoped(Transfer.objects.filter(occurred_at__lt=ctx.day_end))
    into = moved.filter(credit__kind=AccountKind.RESIDENT).values("area_code").annotate(p=Sum("amount")).order_by()
    out = moved.filter(debit__kind=AccountKind.RESIDENT).values("area_code").annotate(p=Sum("amount")).order_by()
    rows = [(r["area_code"], float(r["p"] or 0), None) for r in into]
    rows += [(r["area_code"], -float(r["p"] or 0), None) for r in out]
    return ctx.rollup(rows)


def kpi_attainment(ctx: Context) -> dict[str, Figure]:
    """Mean attainment of the KPI observations of months in the 365 days up to the day (numerator: the sum
    of attainments, denominator: their number)."""
    observed = ctx.scoped(
        KpiObservation.objects.filter(month__gt=ctx.window_start.date(), month__lte=ctx.as_of),
        field="contract__area_code",
    )
    rows = observed.values("contract__area_code").annotate(total=Sum("attainment"), n=Count("id")).order_by()
    return ctx.rate_rollup((r["contract__area_code"], float(r["total"] or 0), float(r["n"])) for r in rows)


def funds_not_in_place(ctx: Context) -> dict[str, Figure]:
    """Funds needed and not yet secured by the construction projects (today's figures: funding rows keep
    no history, so a past date shows today's amounts)."""
    funding = ctx.scoped(Funding.objects.filter(secured__lt=F("needed")), field="project__area_code")
    rows = funding.values("project__area_code").annotate(gap=Sum(F("needed") - F("secured"))).order_by()
    return ctx.rollup((r["project__area_code"], float(r["gap"] or 0), None) for r in rows)


register(
    Indicator(
        code="organizations.filed",
        name_zh="三自组织登记备案数",
        name_en="Residents' organisations filed",
        unit=Unit.COUNT,
        direction=Direction.HIGHER,
        formula_zh="统计日结束前已备案且在册（含暂停）的自治、自乐、志愿组织数（按组织所在社区、村）。",
        formula_en="Self-governance, self-entertainment and volunteer organisations filed before the end of the "
        "day and still on the register (suspended included), by their community or village.",
        compute=organizations_filed,
        group="functions",
        source=REPORT,
        blank="三自组织登记备案数量达到*万余家",
        order=80,
    )
)
register(
    Indicator(
        code="organizations.rated",
        name_zh="当年完成星级评定的三自组织数",
        name_en="Organisations rated this year",
        unit=Unit.COUNT,
        direction=Direction.HIGHER,
        formula_zh="统计日所在年度有星级评定结果的三自组织数。",
        formula_en="Organisations with a star rating for the year of the day.",
        compute=organizations_rated,
        group="functions",
        source=REPORT,
        blank="星级评定",
        target=TargetKind.INDICATOR_TARGET,
        order=81,
    )
)
register(
    Indicator(
        code="volunteer.hours",
        name_zh="志愿服务时长",
        name_en="Volunteer hours",
        unit=Unit.HOURS,
        direction=Direction.HIGHER,
        formula_zh="统计日前365天内开始的志愿服务班次中，经负责人或工作人员确认且未被更正的时长之和。",
        formula_en="Hours confirmed by a leader or staff (not replaced by a correction) of volunteer shifts "
        "starting in the 365 days up to the day.",
        compute=volunteer_hours,
        group="functions",
        source=REPORT,
        blank="志愿服务",
        order=82,
    )
)
register(
    Indicator(
        code="sent_down.person_times",
        name_zh="下沉服务人次",
        name_en="Staff sent down to serve (person-times)",
        unit=Unit.PERSON_TIMES,
        direction=Direction.HIGHER,
        formula_zh="统计日前365天内开始的下沉服务班次中，经确认的到岗记录数"
        "（党员干部、巡诊医生、法律援助、教师、农技人员等）。",
        formula_en="Confirmed attendances at sent-down service (party members and cadres, doctors' rounds, "
        "legal aid, teachers, agricultural advice) of shifts starting in the 365 days up to the day.",
        compute=sent_down_person_times,
        group="functions",
        source=REPORT,
        blank="下沉",
        order=83,
    )
)
register(
    Indicator(
        code="points.outstanding",
        name_zh="居民积分余额（未兑换未过期）",
        name_en="Points outstanding (issued, not yet spent or expired)",
        unit=Unit.POINTS,
        direction=Direction.LOWER,
        formula_zh="统计日结束前转入居民积分账户的积分之和 − 从居民积分账户转出的积分之和"
        "（兑换、过期、冲正），按社区、村。",
        formula_en="Points moved into residents' accounts before the end of the day minus points moved out of "
        "them (redeemed, expired, reversed), by community or village.",
        compute=points_outstanding,
        group="functions",
        source=REPORT,
        blank="积分兑商品、换服务",
        order=84,
    )
)
register(
    Indicator(
        code="procurement.kpi_attainment",
        name_zh="购买服务合同绩效达成率",
        name_en="KPI attainment of purchased services",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        formula_zh="统计日前365天内各月合同绩效观测值的达成率（实际值 ÷ 目标值，最高100%）的平均值。",
        formula_en="Mean attainment (value / target, at most 100%) of the contracts' monthly KPI observations of "
        "the months in the 365 days up to the day.",
        compute=kpi_attainment,
        group="market",
        source=REPORT,
        blank="以质定酬",
        scale=100,
        order=85,
    )
)
register(
    Indicator(
        code="construction.funds_not_in_place",
        name_zh="载体建设资金缺口",
        name_en="Construction funds not yet in place",
        unit=Unit.WAN_YUAN,
        direction=Direction.LOWER,
        formula_zh="在建项目各资金来源（财政、专项债、政策性金融、社会资本）所需资金 − 已落实资金之和（当前数）。",
        formula_en="Funds needed minus funds secured over every source (budget, special bonds, policy finance, "
        "private capital) of the construction projects (current figures).",
        compute=funds_not_in_place,
        group="carriers",
        source=REPORT,
        blank="载体建设相对缓慢……资金不到位",
        order=86,
    )
)
