"""The annual report on bringing public services into villages and communities (推动公共服务进村进社区工作报告),
generated from the indicators as a Word document in the layout of GB/T 9704 (党政机关公文格式) with an Excel
annex of every figure.

Every figure comes from the registry (`selectors.compute_all`), so the report says what the dashboard, the
API and the open data say. Wording follows the data: "仅为" only where a target is missed; a figure without
data is named as missing, never printed as a placeholder.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.areas.models import Area
from linli.catalog.enums import Domain
from linli.core.errors import ApplicationError
from linli.core.tabular import Writer
from linli.indicators.formulas import demand_supply_by_domain, domain_gaps, villages_without_rural_centre
from linli.indicators.registry import Indicator, TargetKind, definitions
from linli.indicators.selectors import Cell, Status, compute_all, parse_area, status_of, targets_for
from linli.planning.models import IdleSpace

Progress = Callable[[int, int, str], None]

# GB/T 9704-2012: A4, margins (top, bottom, left, right) in mm, 22 lines of 28 characters.
MARGINS_MM = (37, 35, 28, 26)
TITLE_FONT = "方正小标宋简体"  # 小标宋
TITLE_PT = 22  # 2号
BODY_FONT = "仿宋_GB2312"
BODY_PT = 16  # 3号
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
LATIN_FONT = "Times New Roman"
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
CN_NUMBERS = "一二三四五六七八九十"


def cn_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (up to 99)."""
    tens, units = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_NUMBERS[tens - 1] + "十")
    return head + (CN_NUMBERS[units - 1] if units else "") or "零"


@dataclass
class ReportData:
    area: Area
    year: int
    as_of: dt.date
    children: list[Area]
    cells: dict[tuple[str, str], Cell]  # (indicator, area) -> cell
    defs: list[Indicator]
    extras: dict[str, Any] = field(default_factory=dict)

    def cell(self, code: str, area: str | None = None) -> Cell | None:
        return self.cells.get((code, area or self.area.code))


def report_data(*, area_code: str, year: int, progress: Progress | None = None) -> ReportData:
    """Every figure of the report for the area and its children, as of the year's last day (or today for
    the current year)."""
    report: Progress = progress or _quiet
    area_code = parse_area(area_code)
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise ApplicationError("not_found", _("No such area."), {"field": "area", "code": area_code}, status=404)
    today = timezone.localdate()
    if year > today.year or year < 2000:
        raise ApplicationError(
            "invalid", _("Year: %(year)s has no data yet.") % {"year": year}, {"field": "year", "value": year}
        )
    as_of = min(dt.date(year, 12, 31), today)
    report(1, 6, _("computing the indicators"))
    ctx, figures = compute_all(as_of=as_of, area_code=area.code)
    children = list(Area.objects.filter(parent=area).order_by("code"))
    codes = [area.code, *(c.code for c in children)]
    targets = targets_for(codes, year)
    now = timezone.now()
    cells: dict[tuple[str, str], Cell] = {}
    defs = definitions()
    for ind in defs:
        for code in codes:
            fig = figures[ind.code].get(code)
            if fig is None:
                continue
            value = ind.value(fig)
            target = targets.get((ind.code, code))
            cells[(ind.code, code)] = Cell(
                ind,
                code,
                value,
                fig.numerator,
                fig.denominator,
                as_of,
                now,
                "live",
                target,
                status_of(ind, value, target),
            )
    demand, supply = demand_supply_by_domain(ctx)
    rural_without = villages_without_rural_centre(ctx)
    idle = dict(
        IdleSpace.objects.filter(
            area_code__in=[a.code for a in rural_without], status=IdleSpace.Status.AVAILABLE
        ).values_list("area_code", "name")
    )
    data = ReportData(area, year, as_of, children, cells, defs)
    data.extras = {
        "demand": demand.get(area.code, {}),
        "supply": supply.get(area.code, {}),
        "rural_without": rural_without,
        "idle": idle,
    }
    return data


def _quiet(done: int, total: int, message: str = "") -> None:
    return None


# --- wording ---------------------------------------------------------------------------------------------


def fmt(cell: Cell | None, *, digits: int = 1) -> str | None:
    """A figure as written in the text, or None when it has no data."""
    if cell is None or cell.value is None:
        return None
    ind = cell.indicator
    if ind.scale == 100:
        return f"{cell.value:.{digits}f}%"
    if ind.unit.value == "score":
        return f"{cell.value:.2f}分"
    return f"{cell.value:.0f}"


def phrase(data: ReportData, code: str, template: str, missing: list[str]) -> str:
    """`template` with {v} replaced by the figure; when it has no data, a sentence saying so (and the
    indicator is listed among the missing ones)."""
    cell = data.cell(code)
    text = fmt(cell)
    if text is None:
        ind = next(i for i in data.defs if i.code == code)
        missing.append(ind.name_zh)
        return f"{ind.name_zh}本期无数据"
    return template.format(v=text)


def rate_sentence(cell: Cell | None, name: str) -> str:
    """ "X为y%" or, only where the target is missed, "X仅为y%（目标z%）"; with the target's state named."""
    text = fmt(cell)
    if cell is None or text is None:
        return f"{name}本期无数据"
    ind = cell.indicator
    target = cell.target
    target_text = "" if target is None else (f"{target:.1f}%" if ind.scale == 100 else f"{target:g}")
    if cell.status == Status.RED or cell.status == Status.AMBER:
        if ind.direction.value == "higher":
            return f"{name}仅为{text}，低于{target_text}的目标"
        return f"{name}达{text}，高于{target_text}的目标"
    if cell.status == Status.GREEN:
        return f"{name}为{text}，达到{target_text}的目标"
    if cell.status == Status.NO_TARGET:
        return f"{name}为{text}（未设定年度目标）"
    return f"{name}为{text}"


def shortfalls(data: ReportData) -> list[Cell]:
    return [c for ind in data.defs if (c := data.cell(ind.code)) is not None and c.status in (Status.RED, Status.AMBER)]


# --- document --------------------------------------------------------------------------------------------


class Doc:
    """A python-docx document in the GB/T 9704 layout; every run gets its East Asian font (w:eastAsia)."""

    def __init__(self) -> None:
        from docx import Document
        from docx.enum.section import WD_ORIENT
        from docx.shared import Mm, Pt

        self.document = Document()
        section = self.document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        top, bottom, left, right = MARGINS_MM
        section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
        section.left_margin, section.right_margin = Mm(left), Mm(right)
        self.line = Pt((297 - top - bottom) / 25.4 * 72 / LINES_PER_PAGE)
        self._grid(section)
        normal = self.document.styles["Normal"]
        normal.font.size = Pt(BODY_PT)
        normal.font.name = LATIN_FONT
        self.east_asian(normal.element, BODY_FONT)

    def _grid(self, section: Any) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        sect = section._sectPr
        for old in sect.findall(qn("w:docGrid")):
            sect.remove(old)
        grid = OxmlElement("w:docGrid")
        grid.set(qn("w:type"), "linesAndChars")
        grid.set(qn("w:linePitch"), str(round(self.line.pt * 20)))
        grid.set(qn("w:charSpace"), "0")
        sect.append(grid)

    @staticmethod
    def east_asian(element: Any, font: str) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        rpr = element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        fonts.set(qn("w:eastAsia"), font)
        fonts.set(qn("w:ascii"), LATIN_FONT)
        fonts.set(qn("w:hAnsi"), LATIN_FONT)

    def paragraph(
        self, text: str, *, font: str = BODY_FONT, size: float = BODY_PT, bold: bool = False, align: str = "justify",
        indent: bool = True,
    ) -> Any:  # fmt: skip
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
        from docx.shared import Pt

        p = self.document.add_paragraph()
        fmt_ = p.paragraph_format
        fmt_.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt_.line_spacing = self.line
        fmt_.space_before = fmt_.space_after = Pt(0)
        if indent:
            fmt_.first_line_indent = Pt(size * 2)
        p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
        run = p.add_run(text)
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = LATIN_FONT
        self.east_asian(run._element, font)
        return p

    def title(self, text: str) -> None:
        self.paragraph(text, font=TITLE_FONT, size=TITLE_PT, align="center", indent=False)
        self.paragraph("", indent=False)

    def heading1(self, number: int, text: str) -> None:
        self.paragraph(f"{cn_number(number)}、{text}", font=HEADING1_FONT)

    def heading2(self, number: int, text: str) -> None:
        self.paragraph(f"（{cn_number(number)}）{text}", font=HEADING2_FONT)

    def heading3(self, number: int, text: str, body: str = "") -> None:
        from docx.shared import Pt

        p = self.paragraph(f"{number}.{text}", bold=True)
        if body:
            run = p.add_run(body)
            run.font.size = Pt(BODY_PT)
            run.font.name = LATIN_FONT
            self.east_asian(run._element, BODY_FONT)

    def table(self, header: list[str], rows: list[list[str]], caption: str) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        self.paragraph(caption, font=HEADING1_FONT, size=14, align="center", indent=False)
        table = self.document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            self._cell(cell, text, bold=True)
        for row in rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                self._cell(cell, text)
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                    p.paragraph_format.space_after = Pt(0)

    def _cell(self, cell: Any, text: str, bold: bool = False) -> None:
        from docx.shared import Pt

        p = cell.paragraphs[0]
        run = p.add_run(text)
        run.font.size = Pt(12)
        run.font.bold = bold
        run.font.name = LATIN_FONT
        self.east_asian(run._element, BODY_FONT)

    def picture(self, png: bytes, caption: str) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Mm

        self.document.add_picture(io.BytesIO(png), width=Mm(150))
        self.document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.paragraph(caption, size=14, align="center", indent=False)

    def content(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


def cjk_font_path() -> str:
    """A CJK font for the charts (Debian's fonts-noto-cjk), found through matplotlib's font manager."""
    from matplotlib import font_manager

    for font in font_manager.fontManager.ttflist:
        if "CJK" in font.name and ("SC" in font.name or "JP" in font.name or "Noto" in font.name):
            return str(font.fname)
    found = [f for f in font_manager.findSystemFonts() if "NotoSansCJK" in f or "NotoSerifCJK" in f]
    if found:
        return sorted(found)[0]
    raise ApplicationError(
        "no_cjk_font",
        _("No Chinese font for the charts: install Debian's fonts-noto-cjk (make installs it) and try again."),
        status=500,
    )


def bar_chart(labels: list[str], values: list[float], title: str, unit: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    prop = font_manager.FontProperties(fname=cjk_font_path())
    fig, ax = plt.subplots(figsize=(6.3, 3.4), dpi=150)
    try:
        ax.bar(range(len(values)), values, color="#2563eb")
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, fontproperties=prop, rotation=35, ha="right", fontsize=8)
        ax.set_title(title, fontproperties=prop, fontsize=11)
        ax.set_ylabel(unit, fontproperties=prop)
        for i, v in enumerate(values):
            ax.annotate(f"{v:g}", (i, v), ha="center", va="bottom", fontsize=7)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(fig)


def _num(cell: Cell | None) -> str:
    text = fmt(cell)
    return text if text is not None else "无数据"


def report_docx(data: ReportData, progress: Progress | None = None) -> bytes:
    report: Progress = progress or _quiet
    cjk_font_path()  # fail before writing anything
    doc = Doc()
    area, year = data.area, data.year
    missing: list[str] = []
    doc.title(f"{area.name}{year}年推动公共服务进村进社区工作报告")
    doc.paragraph(
        f"本报告所有数字由 linli 根据系统内的设施、服务、预约、办件和评价数据计算，统计截至{data.as_of:%Y年%m月%d日}。"
        f"对照《推动公共服务进村进社区调研报告》(市委, 2024)的结构编写。"
    )
    report(3, 6, _("writing the main practices"))
    doc.heading1(1, "主要做法")
    doc.heading2(1, "建好载体平台")
    nc = phrase(data, "built.nc", "已建成邻里中心{v}个", missing)
    rc = phrase(data, "built.rural_centre", "乡里中心{v}个", missing)
    doc.paragraph(
        f"把邻里中心、乡里中心作为推动公共服务进村进社区的重要载体。截至{data.as_of:%Y年%m月%d日}，{nc}、{rc}。"
    )
    tiers = [fmt(data.cell(c)) for c in ("built.nc_district", "built.nc_community", "built.nc_estate")]
    tier_text = (
        f"已分别建成片区级、社区级、小区级邻里中心{tiers[0]}个、{tiers[1]}个、{tiers[2]}个"
        if all(tiers)
        else "分级邻里中心数本期无数据"
    )
    share = data.cell("rural_centre.village_share")
    share_text = (
        f"{fmt(share)}的行政村建成乡里中心"
        if fmt(share)
        else phrase(data, "rural_centre.village_share", "{v}", missing)
    )
    doc.paragraph(f"在邻里中心和乡里中心建设上，{tier_text}，{share_text}。")
    parks = [fmt(data.cell(c)) for c in ("built.sports_park_a", "built.sports_park_b", "built.sports_park_c")]
    doc.paragraph(
        f"在社区体育公园建设上，共建成A类社区体育公园{parks[0]}个、B类{parks[1]}个、C类{parks[2]}个。"
        if all(parks)
        else "社区体育公园建成数本期无数据。"
    )
    e = {c: _num(data.cell(c)) for c in (
        "built.elderly_centre", "built.elderly_station", "built.family_care_beds", "built.rural_mutual_aid",
        "built.rural_small_care", "built.rural_home_help", "built.chc", "built.chs")}  # fmt: skip
    doc.paragraph(
        f"在养老服务站点建设上，城市共建成{e['built.elderly_centre']}个社区养老服务中心、{e['built.elderly_station']}个"
        f"居民小区养老服务站、{e['built.family_care_beds']}张家庭养老床位，农村共建成{e['built.rural_mutual_aid']}个集中互助"
        f"养老服务站、{e['built.rural_small_care']}个小型集中养老服务点、{e['built.rural_home_help']}个村级居家助老服务点。"
        f"在卫生服务机构建设上，已建成{e['built.chc']}个社区卫生服务中心、{e['built.chs']}个社区卫生服务站。"
    )
    cov = [(ind, data.cell(ind.code)) for ind in data.defs if ind.code.startswith("coverage.")]
    if any(c is not None and c.value is not None for _i, c in cov):
        parts = "、".join(f"{ind.name_zh.removesuffix('居民生活圈覆盖率')}居民{fmt(c)}" for ind, c in cov if fmt(c))
        doc.paragraph(f"按最近一次覆盖分析，生活圈覆盖率分别为：{parts}。")
    else:
        missing.append("生活圈覆盖率（尚无覆盖分析）")
        doc.paragraph("生活圈覆盖率本期无数据：尚未完成覆盖分析。")
    if data.children:
        rows = []
        for child in data.children:
            rows.append(
                [child.name]
                + [
                    _num(data.cell(code, child.code))
                    for code in (
                        "built.nc",
                        "built.rural_centre",
                        "rural_centre.village_share",
                        "built.sports_park_a",
                        "built.sports_park_b",
                        "built.sports_park_c",
                    )
                ]
            )
        doc.table(
            ["区划", "邻里中心", "乡里中心", "建有乡里中心的村占比", "A类体育公园", "B类体育公园", "C类体育公园"],
            rows,
            "表1 各区划载体建设情况",
        )
        report(4, 6, _("drawing the charts"))
        values = [data.cell("built.nc", c.code) for c in data.children]
        doc.picture(
            bar_chart(
                [c.name for c in data.children],
                [v.value or 0 if v else 0 for v in values],
                "各区划已建成邻里中心数",
                "个",
            ),
            "图1 各区划已建成邻里中心数",
        )
    doc.heading2(2, "丰富服务功能")
    items = phrase(data, "services.catalogue_items", "将六大领域基本公共服务细化为{v}项具体服务", missing)
    offered = phrase(data, "services.offered_items", "辖区设施实际提供{v}项", missing)
    booking = rate_sentence(data.cell("usage.booking_rate"), "活动报名率")
    attendance = rate_sentence(data.cell("usage.attendance_rate"), "功能使用率（到场率）")
    doc.paragraph(f"根据群众需求，{items}，{offered}。近一年{booking}，{attendance}。")
    doc.heading2(3, "提升服务质量")
    doc.paragraph(
        "；".join(
            rate_sentence(data.cell(code), name)
            for code, name in (
                ("quality.satisfaction_rate", "群众满意率"),
                ("requests.on_time_rate", "办件按时办结率"),
                ("requests.escalation_rate", "办件超时升级率"),
            )
        )
        + "。"
    )
    doc.heading2(4, "引入市场运营机制")
    third = data.cell("market.third_party_share")
    nc_n = fmt(data.cell("built.nc"))
    doc.paragraph(
        (f"{nc_n}个邻里中心中，" if nc_n else "")
        + rate_sentence(third, "由第三方运营的占比")
        + "；"
        + rate_sentence(data.cell("market.rural_elderly_rate"), "农村养老服务设施市场化运营率")
        + "。"
    )
    table_rows = []
    for ind in data.defs:
        c = data.cell(ind.code)
        if c is None or not ind.applies_to(data.area.level):
            continue
        target = "—" if ind.target == TargetKind.NONE else ("未设定" if c.target is None else f"{c.target:g}")
        table_rows.append([ind.name_zh, _num(c), target, str(_status_zh(c.status))])
    doc.table(["指标", "数值", "年度目标", "状态"], table_rows, "表2 主要指标一览")

    report(5, 6, _("writing the problems and next steps"))
    doc.heading1(2, "存在问题")
    problems = shortfalls(data)
    if problems:
        for k, c in enumerate(problems, start=1):
            doc.paragraph(f"{cn_number(k)}是{rate_sentence(c, c.indicator.name_zh)}。")
    else:
        doc.paragraph("对照已设定的年度目标，本期未发现未达标的指标。")
    no_target = [
        ind.name_zh for ind in data.defs if (c := data.cell(ind.code)) is not None and c.status == Status.NO_TARGET
    ]
    if no_target:
        doc.paragraph(f"以下指标尚未设定年度目标，无法判断是否达标：{'、'.join(no_target)}。")
    gaps = _domain_gaps(data)
    if gaps:
        doc.paragraph(
            "服务功能供需错配："
            + "；".join(f"{label}领域需求占{d:.1f}%、供给占{s:.1f}%" for label, d, s in gaps)
            + "。"
        )

    doc.heading1(3, "下步工作")
    steps = _suggestions(data, gaps)
    for k, (title, body) in enumerate(steps, start=1):
        doc.heading3(k, title, body)
    if missing:
        doc.paragraph(f"说明：以下数字本期无数据，报告中如实注明：{'、'.join(dict.fromkeys(missing))}。")
    doc.paragraph(f"附件：{area.name}{year}年指标明细（Excel）")
    return doc.content()


def _status_zh(status: str) -> str:
    from django.utils import translation

    from linli.indicators.selectors import STATUS_LABELS

    with translation.override("zh-hans"):
        return str(STATUS_LABELS[status])


DOMAIN_ZH = {d.value: str(d.label).split("(")[-1].rstrip(")") for d in Domain}


def _domain_gaps(data: ReportData) -> list[tuple[str, float, float]]:
    """Domains whose share of demand exceeds their share of supply by 5 points or more (Chinese labels)."""
    return [(DOMAIN_ZH.get(k, k), d, s) for k, d, s in domain_gaps(data.extras["demand"], data.extras["supply"])]


def _suggestions(data: ReportData, gaps: list[tuple[str, float, float]]) -> list[tuple[str, str]]:
    steps = []
    without = data.extras["rural_without"]
    if without:
        names = "、".join(a.name for a in without[:10]) + ("等" if len(without) > 10 else "")
        idle = data.extras["idle"]
        idle_text = f"其中{len(idle)}个村有可用闲置空间，可作为选址候选。" if idle else ""
        steps.append(
            (
                "加快推进载体建设。",
                f"尚有{len(without)}个行政村未建成乡里中心（{names}），建议在规划选址分析中优先覆盖。{idle_text}",
            )
        )
    if gaps:
        steps.append(
            (
                "科学设置服务功能。",
                "按需求调整服务供给，优先增加" + "、".join(g[0] for g in gaps) + "领域的活动和服务容量。",
            )
        )
    usage = data.cell("usage.attendance_rate")
    if usage is not None and usage.value is not None and data.children:
        low = sorted(
            (c for c in data.children if (x := data.cell("usage.attendance_rate", c.code)) and x.value is not None),
            key=lambda c: data.cell("usage.attendance_rate", c.code).value or 0,  # type: ignore[union-attr]
        )[:3]
        if low:
            steps.append(
                (
                    "提高设施使用效率。",
                    "到场率最低的区划为" + "、".join(c.name for c in low) + "，建议优化活动时段与内容，集约配置功能。",
                )
            )
    third = data.cell("market.third_party_share")
    if third is not None and third.status in (Status.RED, Status.AMBER, Status.NO_TARGET) and third.value is not None:
        steps.append(
            (
                "积极引入市场机制。",
                f"邻里中心第三方运营占比为{fmt(third)}，建议通过政府购买服务、公建民营引入专业运营机构。",
            )
        )
    if not steps:
        steps.append(("巩固提升。", "各项指标均达到目标，继续按年度计划推进。"))
    return steps


def report_annex(data: ReportData) -> bytes:
    """Every figure of the report, per area and indicator, with its numerator, denominator and target."""
    writer = Writer()
    names = {data.area.code: data.area.name, **{c.code: c.name for c in data.children}}
    rows = []
    for (code, area), c in sorted(data.cells.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        ind = c.indicator
        rows.append(
            [area, names.get(area, area), code, ind.name_zh, None if c.value is None else round(c.value, 4),
             ind.unit_label, c.numerator, c.denominator, c.target, _status_zh(c.status), c.as_of.isoformat()]
        )  # fmt: skip
    writer.sheet(
        "指标明细",
        ["区划代码", "区划", "指标代码", "指标", "数值", "单位", "分子", "分母", "目标", "状态", "统计日"],
        rows,
        widths=[14, 14, 26, 30, 10, 6, 10, 10, 8, 10, 12],
        freeze="A2",
    )
    writer.notes("指标定义", [[i.name_zh, i.formula_zh, i.source] for i in data.defs], widths=(30, 90, 50))
    return writer.content()


def report_generate(*, area_code: str, year: int, progress: Progress | None = None) -> tuple[ReportData, bytes, bytes]:
    data = report_data(area_code=area_code, year=year, progress=progress)
    docx_bytes = report_docx(data, progress)
    return data, docx_bytes, report_annex(data)
