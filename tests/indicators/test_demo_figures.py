"""On the demo district (loaded once for this module, rolled back at its end): every blank of the source
report has a figure; a sample is recomputed independently with plain SQL and the ORM and equals the
registry; the same figure appears in the snapshot, the API, the open data and the report. The report is read
back with python-docx: A4 and GB/T 9704 margins, title and body fonts (East Asian names set), headings
一、（一）1., real tables, a chart, every figure equal to the registry, "仅为" only where a target is missed,
missing figures named, no "*" placeholder; the Excel annex holds every figure."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.test import Client
from django.utils import timezone

from linli.bookings.models import Registration, Session
from linli.cases.models import ServiceRequest
from linli.catalog.models import ServiceItem
from linli.core.errors import ApplicationError
from linli.core.models import User
from linli.demo.ind_history import demo_indicators_load
from linli.demo.services import demo_load
from linli.feedback.models import Answer
from linli.indicators.models import IndicatorTarget, Snapshot
from linli.indicators.registry import definitions
from linli.indicators.report import BODY_FONT, TITLE_FONT, report_generate
from linli.indicators.selectors import Status, value_of
from tests.conftest import login

D = "990102000000"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            loaded = demo_load()["indicators"]  # the full demo takes the indicators' targets and snapshots
            yield loaded
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def today(demo, db) -> dt.date:  # type: ignore[no-untyped-def]
    return timezone.localdate()


def sql_one(query: str, *params: object) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()


BUILT_SQL = """
    SELECT COUNT(*) FROM facilities_facility f JOIN facilities_facilitytype t ON t.id = f.facility_type_id
    WHERE f.area_code LIKE %s AND t.family = %s AND (f.completed_on IS NULL OR f.completed_on <= %s)
      AND (f.status = 'built' OR (f.status = 'closed' AND f.closed_on > %s))
"""


def test_loader_is_idempotent(demo, today):
    assert demo["indicator_targets"] > 0 and demo["coverage_runs"] == 1 and demo["snapshot_days"] >= 2
    n_targets, n_snapshots = IndicatorTarget.objects.count(), Snapshot.objects.count()
    again = demo_indicators_load(months=2)
    assert again == {"indicator_targets": 0, "coverage_runs": 0, "snapshot_days": 0}
    assert (IndicatorTarget.objects.count(), Snapshot.objects.count()) == (n_targets, n_snapshots)


def test_every_blank_of_the_source_report_has_a_figure(today):
    for ind in definitions():
        if ind.applies_to("county"):
            assert value_of(ind.code, D, today) is not None, ind.code


def test_independent_recomputation_equals_the_registry(today):
    like = "990102%"
    nc = sql_one(BUILT_SQL, like, "neighbourhood_centre", today, today)[0]
    assert value_of("built.nc", D, today) == nc > 0
    rc = sql_one(BUILT_SQL, "990102101%", "rural_centre", today, today)[0]
    assert value_of("built.rural_centre", "990102101000", today) == rc
    villages, with_centre = sql_one(
        """SELECT COUNT(*), SUM(CASE WHEN EXISTS (
               SELECT 1 FROM facilities_facility f JOIN facilities_facilitytype t ON t.id = f.facility_type_id
               WHERE f.area_code = a.code AND t.family = 'rural_centre' AND f.status = 'built'
                 AND (f.completed_on IS NULL OR f.completed_on <= %s)) THEN 1 ELSE 0 END)
           FROM areas_area a WHERE a.level = 'village' AND a.kind = 'rural' AND a.code LIKE %s""",
        today, like,
    )  # fmt: skip
    assert value_of("rural_centre.village_share", D, today) == pytest.approx(100 * with_centre / villages)
    third, total = sql_one(
        """SELECT SUM(CASE WHEN o.kind IN ('company', 'social_org') THEN 1 ELSE 0 END), COUNT(*)
           FROM facilities_facility f JOIN facilities_facilitytype t ON t.id = f.facility_type_id
           LEFT JOIN facilities_operator o ON o.id = f.operator_id
           WHERE f.area_code LIKE %s AND t.family = 'neighbourhood_centre' AND f.status = 'built'
             AND (f.completed_on IS NULL OR f.completed_on <= %s)""",
        like, today,
    )  # fmt: skip
    assert value_of("market.third_party_share", D, today) == pytest.approx(100 * third / total)
    end = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
    start = end - dt.timedelta(days=365)
    sessions = Session.objects.filter(starts_at__gte=start, starts_at__lt=end, area_code__startswith="990102")
    capacity = sessions.aggregate(c=Sum("capacity"))["c"]
    attended = Registration.objects.filter(session__in=sessions, status="attended").count()
    assert value_of("usage.attendance_rate", D, today) == pytest.approx(100 * attended / capacity)
    resolved = ServiceRequest.objects.filter(resolved_at__gte=start, resolved_at__lt=end)
    on_time = resolved.filter(resolved_at__lte=F("deadline_at")).count()
    assert value_of("requests.on_time_rate", D, today) == pytest.approx(100 * on_time / resolved.count())
    ratings = Answer.objects.filter(
        question__overall=True, question__survey__kind="satisfaction", rating__isnull=False,
        response__created_at__gte=start, response__created_at__lt=end,
    ).aggregate(n=Count("id"), good=Count("id", filter=Q(rating__gte=4)))  # fmt: skip
    assert value_of("quality.satisfaction_rate", D, today) == pytest.approx(100 * ratings["good"] / ratings["n"])
    assert value_of("services.catalogue_items", D, today) == ServiceItem.objects.count()


def test_the_new_apps_figures_equal_their_own_records(today):
    """Organisations, volunteer hours, staff sent down, points, KPIs and construction funds: the registry
    against the apps' own selectors and balances (other code paths than the indicators' grouped queries)."""
    from linli.construction.models import Funding
    from linli.organizations.selectors import hours_per_area, organizations_per_area
    from linli.points.enums import AccountKind
    from linli.points.models import Account
    from linli.procurement.models import KpiObservation

    district = User.objects.get(username="district")
    filed = sum(r["count"] for r in organizations_per_area(viewer=district, area="990102", level=6))
    # the selector counts organisations in force now; suspended ones are on the register too
    from linli.organizations.models import Organization

    suspended = Organization.objects.filter(area_code__startswith="990102", state="suspended").count()
    assert value_of("organizations.filed", D, today) == filed + suspended > 100
    start, end = today + dt.timedelta(days=1) - dt.timedelta(days=365), today + dt.timedelta(days=1)
    hours = hours_per_area(viewer=district, start=start, end=end, area="990102", level=6)
    volunteer = sum(float(r["hours"]) for r in hours if r["kind"] == "volunteer")
    sent_down = sum(r["person_times"] for r in hours if r["kind"] == "sent_down")
    assert value_of("volunteer.hours", D, today) == pytest.approx(volunteer) and volunteer > 0
    assert value_of("sent_down.person_times", D, today) == sent_down > 0
    held = Account.objects.filter(kind=AccountKind.RESIDENT, area_code__startswith="990102").aggregate(b=Sum("balance"))
    assert value_of("points.outstanding", D, today) == held["b"] > 0
    gap = sum(
        float(f.needed - f.secured) for f in Funding.objects.filter(project__area_code__startswith="990102")
        if f.secured < f.needed
    )  # fmt: skip
    assert value_of("construction.funds_not_in_place", D, today) == pytest.approx(gap) and gap > 0
    observed = [
        float(o.attainment)
        for o in KpiObservation.objects.filter(month__gt=start - dt.timedelta(days=1), month__lte=today)
    ]
    assert value_of("procurement.kpi_attainment", D, today) == pytest.approx(100 * sum(observed) / len(observed))


def test_the_same_figure_everywhere(today):
    client = Client()
    registry = value_of("built.nc", D, today)
    snap = Snapshot.objects.get(date=today, area_code=D, code="built.nc").value
    login(client, User.objects.get(username="district"))
    api = next(v for v in client.get("/api/indicators/values", {"area": D}).json()["values"] if v["code"] == "built.nc")
    open_data = json.loads(client.get("/api/indicators/open/indicators.json", {"area": D}).content)
    open_value = next(r for r in open_data["records"] if r["code"] == "built.nc" and r["area_code"] == D)["value"]
    _data, docx_bytes, _annex = report_generate(area_code=D, year=today.year)
    text = "\n".join(p.text for p in _document(docx_bytes).paragraphs)
    assert registry == snap == api["value"] == open_value
    assert f"已建成邻里中心{registry:.0f}个" in text


def _document(content: bytes):  # type: ignore[no-untyped-def]
    import docx

    return docx.Document(io.BytesIO(content))


def _east_asian(run) -> str | None:  # type: ignore[no-untyped-def]
    from docx.oxml.ns import qn

    fonts = run._element.rPr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def test_report_layout_fonts_structure_and_figures(today):
    from docx.shared import Pt

    data, docx_bytes, annex = report_generate(area_code=D, year=today.year)
    doc = _document(docx_bytes)
    section = doc.sections[0]
    # stored in twentieths of a point: equal to a tenth of a millimetre
    assert [round(x.mm, 1) for x in (section.page_width, section.page_height)] == [210, 297]
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(x.mm, 1) for x in margins] == [37, 35, 28, 26]
    paragraphs = [p for p in doc.paragraphs if p.text.strip()]
    title = paragraphs[0]
    assert title.text == f"邻里区{today.year}年推动公共服务进村进社区工作报告"
    assert _east_asian(title.runs[0]) == TITLE_FONT and title.runs[0].font.size == Pt(22)
    body = next(p for p in paragraphs if p.text.startswith("把邻里中心"))
    assert _east_asian(body.runs[0]) == BODY_FONT and body.runs[0].font.size == Pt(16)
    # 22 lines a page: exact line spacing of the text block's height / 22
    assert body.paragraph_format.line_spacing.pt == pytest.approx((297 - 37 - 35) / 25.4 * 72 / 22, abs=0.05)
    texts = [p.text for p in paragraphs]
    for heading in ("一、主要做法", "二、存在问题", "三、下步工作", "（一）建好载体平台", "（四）引入市场运营机制"):
        assert heading in texts
    assert any(re.match(r"^1\.", t) for t in texts)
    # every run has its East Asian font set explicitly
    assert all(_east_asian(r) for p in paragraphs for r in p.runs)
    # real tables: the children table has a row per sub-district/town, the indicator table one per figure
    assert len(doc.tables) == 2 and len(doc.tables[0].rows) == 1 + len(data.children)
    first = doc.tables[0].rows[1].cells
    assert first[0].text == data.children[0].name
    assert first[1].text == f"{value_of('built.nc', data.children[0].code, today):.0f}"
    assert len(doc.inline_shapes) == 1  # the chart
    full = "\n".join(texts + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    assert "*" not in full and "None" not in full
    # the figures are the registry's
    tiers = [value_of(c, D, today) for c in ("built.nc_district", "built.nc_community", "built.nc_estate")]
    assert "已分别建成片区级、社区级、小区级邻里中心{:.0f}个、{:.0f}个、{:.0f}个".format(*tiers) in full
    share = value_of("rural_centre.village_share", D, today)
    assert f"{share:.1f}%的行政村建成乡里中心" in full
    # "仅为" exactly where a target is missed (the demo's targets are missed by some figures)
    assert "仅为" in full
    for ind in definitions():
        cell = data.cell(ind.code)
        if cell is None or ind.direction.value != "higher":
            continue
        says_only = f"{ind.name_zh}仅为" in full
        assert says_only == (cell.status in (Status.RED, Status.AMBER) and ind.code in _reported_rates()), ind.code
    # the annex holds every figure of the area and its children
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(annex), read_only=True)["指标明细"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + len(data.cells)
    nc = next(r for r in rows if r[0] == D and r[2] == "built.nc")
    assert nc[4] == value_of("built.nc", D, today)


def _reported_rates() -> set[str]:
    """Rates whose sentence the report writes by name (the others appear in its tables)."""
    return {
        "usage.attendance_rate", "requests.on_time_rate", "quality.satisfaction_rate",
        "market.rural_elderly_rate", "completion.nc_district", "completion.sports_park_ab",
        "rural_centre.village_share", "usage.booking_rate", "market.third_party_share",
        "coverage.age_60_79", "coverage.age_80plus", "services.offered_items", "quality.satisfaction_score",
    }  # fmt: skip


def test_missing_figures_are_named_and_bad_input_refused(today):
    from linli.planning.models import PlanningRun

    PlanningRun.objects.all().delete()  # no coverage run: coverage has no data
    IndicatorTarget.objects.filter(code="usage.attendance_rate").delete()
    _data, docx_bytes, _annex = report_generate(area_code=D, year=today.year)
    full = "\n".join(p.text for p in _document(docx_bytes).paragraphs)
    assert "生活圈覆盖率本期无数据" in full and "说明：以下数字本期无数据" in full
    assert "功能使用率（到场率）为" in full and "（未设定年度目标）" in full
    with pytest.raises(ApplicationError) as exc:
        report_generate(area_code=D, year=today.year + 1)
    assert exc.value.extra["field"] == "year"
    with pytest.raises(ApplicationError) as exc:
        report_generate(area_code="990102999000", year=today.year)
    assert exc.value.status == 404


def test_no_cjk_font_fails_clearly(today, monkeypatch):
    from matplotlib import font_manager

    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    with pytest.raises(ApplicationError) as exc:
        report_generate(area_code=D, year=today.year)
    assert exc.value.code == "no_cjk_font"


def test_report_job_and_download(today):
    from linli.indicators.jobs import report_start
    from linli.jobs.services import job_run

    district = User.objects.get(username="district")
    job = job_run(job_id=str(report_start(actor=district, area_code=D, year=today.year).pk))
    assert job.status == "succeeded" and job.done == job.total == 6
    client = Client()
    login(client, district)
    r = client.get(job.result["url"])
    assert r.status_code == 200 and _document(b"".join(r.streaming_content)).paragraphs[0].text.startswith("邻里区")
    login(client, User.objects.get(username="town"))
    assert client.get(job.result["url"]).status_code == 403


def test_replan_starts_a_siting_run_prefilled_from_the_indicators(today):
    from linli.indicators.replan import replan_proposal
    from linli.planning.models import PlanningRun

    district = User.objects.get(username="district")
    town = "990102101000"
    proposal = replan_proposal(viewer=district, code=town)
    assert proposal.villages and proposal.facility_type == "rural-centre"
    client = Client()
    login(client, district)
    before = set(PlanningRun.objects.filter(kind=PlanningRun.Kind.SITING).values_list("pk", flat=True))
    r = client.post("/indicators/replan/", {"area": town})
    run = PlanningRun.objects.exclude(pk__in=before).get(kind=PlanningRun.Kind.SITING)
    assert r.status_code == 302 and str(run.job_id) in r["Location"]
    assert run.params["k"] == proposal.k and 1 <= proposal.k <= len(proposal.villages)
    assert run.params["facility_type"] == "rural-centre" and run.params["candidates"] == proposal.candidates
    assert run.scenario is None or run.scenario.area_code == town
