"""Construction services: stages in order with sane dates, every transition audited, the registry follows
the project, funds and land checked, computed delays and funds not in place, targets against built."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from linli.construction import selectors
from linli.construction.inputs import DelayReasonIn, FundingIn, LandIn, ProjectIn, StageIn, TargetIn
from linli.construction.models import Funding, Project, ProjectStage
from linli.construction.services import (
    delay_reason_add,
    funding_set,
    land_set,
    project_update,
    stage_complete,
    target_preview,
    target_set,
)
from linli.core.errors import ApplicationError
from linli.core.models import AuditLog
from linli.facilities.models import ConstructionTarget, Facility
from tests.construction.conftest import EAST, WEST, days, new_project


def complete(actor, project, stage, on):
    return stage_complete(actor=actor, project=project, stage=StageIn(stage=stage, completed_on=on))


def refusal(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


def fields_of(error: ApplicationError) -> set[str]:
    return {e["field"] for e in error.extra.get("errors", [])}


def test_create_refuses_bad_fields_by_name_and_writes_nothing(types, users):
    error = refusal(
        lambda: new_project(
            users["district"],
            name="",
            facility_type="no-such",
            lon=10.0,
            department="",
            year=1990,
            planned_land=days(10),
            planned_approval=days(20),
        )
    )
    assert error.status == 400
    assert {"name", "facility_type", "lon", "department", "year", "planned_land"} <= fields_of(error)
    assert not Project.objects.exists() and not ProjectStage.objects.exists()


def test_create_outside_scope_and_by_town_refused(types, users):
    assert refusal(lambda: new_project(users["town"])).status == 403  # town staff read only
    assert refusal(lambda: new_project(users["community"])).status == 403


def test_stages_complete_in_order_with_sane_dates(project, users):
    district = users["district"]
    error = refusal(lambda: complete(district, project, "design", days(-30)))
    assert (fields_of(error) == {"stage"} and "立项" in error.extra["errors"][0]["message"]) or "approval" in str(
        error.extra
    )
    assert refusal(lambda: complete(district, project, "approval", days(3))).extra["errors"][0]["field"] == (
        "completed_on"
    )
    complete(district, project, "approval", days(-30))
    assert refusal(lambda: complete(district, project, "approval", days(-20))).extra["errors"][0]["field"] == "stage"
    error = refusal(lambda: complete(district, project, "land", days(-40)))  # before 立项 was completed
    assert fields_of(error) == {"completed_on"}
    complete(district, project, "land", days(-30))  # same day is fine
    project.refresh_from_db()
    assert project.stage == "land"
    assert ProjectStage.objects.get(project=project, stage="land").completed_on == days(-30)
    entries = AuditLog.objects.filter(object_type="construction.project", object_id=str(project.pk), fields=["stage"])
    assert [e.detail["stage"] for e in entries.order_by("pk")] == [["", "approval"], ["approval", "land"]]


def test_unknown_stage_named(project, users):
    error = refusal(lambda: complete(users["district"], project, "painting", days(-1)))
    assert fields_of(error) == {"stage"}


def test_project_reaching_operation_registers_its_facility(project, users):
    district = users["district"]
    for i, stage in enumerate(("approval", "land", "design", "construction", "acceptance")):
        complete(district, project, stage, days(-100 + 10 * i))
    assert not Facility.objects.exists()
    complete(district, project, "operation", days(-1))
    project.refresh_from_db()
    facility = project.facility
    assert facility is not None and facility.status == "built" and facility.completed_on == days(-1)
    assert facility.facility_type.code == "nc-district" and facility.area_code == EAST
    assert facility.approved_on == days(-100) and facility.construction_started_on == days(-80)
    assert AuditLog.objects.filter(object_type="facilities.facility", object_id=facility.code, action="create").exists()


def test_linked_planned_facility_follows_the_stages(types, users):
    planned = Facility.objects.create(
        code="P1",
        name="规划片区级邻里中心",
        facility_type=types["centre"],
        area_id=_area(EAST),
        area_code=EAST,
        lon=120.004,
        lat=30.004,
        status="planned",
        planned_on=days(-10),
    )
    from linli.construction.services import project_create

    project = project_create(
        actor=users["district"],
        project=ProjectIn(
            name="x",
            year=2026,
            facility_type="nc-district",
            area_code=EAST,
            lon=120.004,
            lat=30.004,
            department="区民政局",
        ),
        facility=planned,
    )
    complete(users["district"], project, "approval", days(-50))
    planned.refresh_from_db()
    assert planned.status == "approved" and planned.approved_on == days(-50) and planned.planned_on == days(-50)
    complete(users["district"], project, "land", days(-40))
    complete(users["district"], project, "design", days(-30))
    planned.refresh_from_db()
    assert planned.status == "under_construction" and planned.construction_started_on == days(-30)


def _area(code):
    from linli.areas.models import Area

    return Area.objects.get(code=code).pk


def test_computed_delay_and_reasons(project, users):
    district = users["district"]
    project_update(
        actor=district,
        project=project,
        changes=ProjectIn(planned_approval=days(-20), planned_land=days(-5), planned_design=days(30)),
    )
    row = selectors.project_get(viewer=district, pk=project.pk)
    assert row.late_since == days(-20)
    assert [p.pk for p in selectors.delayed_projects(area_code="990102000000")] == [project.pk]
    complete(district, project, "approval", days(-19))
    row = selectors.project_get(viewer=district, pk=project.pk)
    assert row.late_since == days(-5)  # 用地 still open past its date
    complete(district, project, "land", days(-1))
    assert selectors.project_get(viewer=district, pk=project.pk).late_since is None
    assert not selectors.delayed_projects(area_code="990102000000").exists()
    timeline = selectors.project_timeline(selectors.project_get(viewer=district, pk=project.pk))
    assert timeline[0].late_days == 1 and timeline[1].late_days == 4 and timeline[2].current
    reason = delay_reason_add(
        actor=district, project=project, reason=DelayReasonIn(stage="land", reason="土地性质变更手续办理缓慢")
    )
    assert reason.stage == "land"
    assert fields_of(
        refusal(
            lambda: delay_reason_add(actor=district, project=project, reason=DelayReasonIn(stage="land", reason=" "))
        )
    ) == {"reason"}


def test_planned_dates_never_backwards(project, users):
    error = refusal(
        lambda: project_update(
            actor=users["district"],
            project=project,
            changes=ProjectIn(planned_design=days(10), planned_construction=days(5)),
        )
    )
    assert fields_of(error) == {"planned_construction"}


def test_funds_not_in_place_computed_and_secured_within_needed(project, users):
    district = users["district"]
    funding_set(
        actor=district,
        project=project,
        funding=FundingIn(source="fiscal", needed=Decimal("500"), secured=Decimal("300")),
    )
    funding_set(
        actor=district,
        project=project,
        funding=FundingIn(source="专项债", needed=Decimal("200"), secured=Decimal("200")),
    )
    error = refusal(
        lambda: funding_set(
            actor=district,
            project=project,
            funding=FundingIn(source="social_capital", needed=Decimal("100"), secured=Decimal("120")),
        )
    )
    assert fields_of(error) == {"secured"}
    row = selectors.project_get(viewer=district, pk=project.pk)
    assert (row.needed, row.secured, row.gap) == (Decimal("700"), Decimal("500"), Decimal("200"))
    gap = selectors.funds_not_in_place(area_code="990102000000")
    assert gap.gap == Decimal("200") and gap.projects_short == 1 and gap.by_source == {"fiscal": Decimal("200")}
    # a second write of the same source replaces it
    funding_set(
        actor=district,
        project=project,
        funding=FundingIn(source="fiscal", needed=Decimal("500"), secured=Decimal("500")),
    )
    assert selectors.funds_not_in_place(area_code="990102000000").gap == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        Funding.objects.filter(project=project, source="fiscal").update(secured=Decimal("600"))


def test_land_procedure_dates(project, users):
    district = users["district"]
    error = refusal(
        lambda: land_set(
            actor=district, project=project, land=LandIn(kind="use_change", status="done", started_on=days(-10))
        )
    )
    assert fields_of(error) == {"done_on"}
    error = refusal(
        lambda: land_set(
            actor=district,
            project=project,
            land=LandIn(kind="use_change", status="done", started_on=days(-10), done_on=days(-20)),
        )
    )
    assert fields_of(error) == {"done_on"}
    row = land_set(
        actor=district, project=project, land=LandIn(kind="土地性质变更", status="in_progress", started_on=days(-10))
    )
    assert row.kind == "use_change" and row.status == "in_progress"


def test_scope_and_roles(project, users):
    assert selectors.project_get(viewer=users["town"], pk=project.pk) == project  # 东湖 is in the town's scope
    other = new_project(users["district"], area_code=WEST, lon=120.055, lat=30.005, name="西山")
    assert refusal(lambda: selectors.project_get(viewer=users["town"], pk=other.pk)).status == 404
    assert refusal(lambda: complete(users["town"], project, "approval", days(-1))).status == 403
    assert refusal(lambda: selectors.project_get(viewer=users["resident"], pk=project.pk)).status == 403


def test_target_preview_then_set_and_completion(types, users):
    district = users["district"]
    year = timezone.localdate().year
    data = TargetIn(year=year, area_code="990102001000", facility_type="nc-district", target=2)
    preview = target_preview(actor=district, target=data)
    assert (preview.old, preview.new) == (None, 2) and not ConstructionTarget.objects.exists()
    target_set(actor=district, target=data)
    change = target_preview(
        actor=district, target=TargetIn(year=year, area_code="990102001000", facility_type="nc-district", target=3)
    )
    assert (change.old, change.new) == (2, 3)
    assert fields_of(
        refusal(
            lambda: target_set(
                actor=district, target=TargetIn(year=year, area_code=EAST, facility_type="nc-district", target=1)
            )
        )
    ) == {"area_code"}
    assert refusal(lambda: target_set(actor=users["town"], target=data)).status == 403
    # one built this year in the sub-district, one last year, one in another sub-district
    for code, area, completed in (
        ("A", EAST, dt.date(year, 1, 2)),
        ("B", EAST, dt.date(year - 1, 6, 1)),
        ("C", WEST, dt.date(year, 2, 1)),
    ):
        Facility.objects.create(
            code=code,
            name=code,
            facility_type=types["centre"],
            area_id=_area(area),
            area_code=area,
            lon=120.0,
            lat=30.0,
            status="built",
            completed_on=completed,
        )
    new_project(district, name="在建")  # in progress this year
    (row,) = selectors.completion(area_code="990102001000", year=year)
    assert (row.target, row.built, row.in_progress, row.percent) == (2, 1, 1, 50)
    # the district has no target of its own: its sub-areas' targets add up
    (district_row,) = selectors.completion(area_code="990102000000", year=year)
    assert (district_row.target, district_row.built) == (2, 2)
    assert AuditLog.objects.filter(object_type="facilities.constructiontarget").count() == 1
    # several areas at once give the same rows as one by one
    from linli.areas.models import Area

    subs = list(Area.objects.filter(code__in=["990102001000", "990102002000"]).order_by("code"))
    batched = selectors.completion_by_area(areas=subs, year=year)
    assert [(r.target, r.built, r.in_progress) for r in batched["990102001000"]] == [(2, 1, 1)]
    assert batched["990102002000"] == []  # no target there, nothing in progress


def test_project_outside_the_scope_named_once(types, users):
    from linli.core.enums import Role
    from tests.conftest import make_user

    # a district user of another district cannot place a project in this one
    other = make_user("other-district", Role.DISTRICT_ADMIN, scope="990103")
    error = refusal(lambda: new_project(other))
    assert [e["field"] for e in error.extra["errors"]] == ["area_code"]
