"""Reads of construction projects and of the year's targets against what was built.

Two kinds of reads:
- for people (pages, API): start from `Project.objects.visible_to(viewer)`; out of scope is 404;
- for the indicators app (by area, the caller decides who may see it): `completion`, `delayed_projects`,
  `funds_not_in_place`. Their definitions are in docs/apps/construction.md.

Computed, never typed:
- a project is delayed when one of its stages has a planned completion date that has passed (before today)
  and the stage is not completed; it is late since the earliest such date;
- funds not yet in place (资金未到位) = needed - secured, summed over the project's sources;
- built (for completion against a target) = facilities of the registry of that type in the area whose
  completion date (completed_on) falls in the year and which were built (built, later suspended or closed
  count: they were completed that year). A project that reaches 投入运营 registers or updates its facility
  with that date, so the projects' completions are in this count, and so are facilities registered by hand.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.areas.codes import prefix_of
from linli.areas.enums import AreaLevel
from linli.areas.models import Area
from linli.construction.enums import STAGE_ORDER, Stage
from linli.construction.models import Funding, Project, ProjectStage
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, in_scope, require, scope_prefix
from linli.facilities.enums import ConstructionStatus
from linli.facilities.models import ConstructionTarget, Facility, FacilityType

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

VIEW = Perm.CONSTRUCTION_VIEW
# A facility completed in the year counts as built whatever happened to it since.
BUILT_STATUSES = (ConstructionStatus.BUILT, ConstructionStatus.SUSPENDED, ConstructionStatus.CLOSED)
ZERO = Decimal("0.00")


def with_progress(qs: QuerySet[Project], today: dt.date | None = None) -> QuerySet[Project]:
    """Annotate `late_since` (the earliest planned date passed without completion, None when on time),
    `needed`, `secured` and `gap` (needed - secured) in one query."""
    today = today or timezone.localdate()
    late = (
        ProjectStage.objects.filter(
            project=OuterRef("pk"), completed_on__isnull=True, planned_on__isnull=False, planned_on__lt=today
        )
        .order_by()
        .values("project")
        .annotate(first=Min("planned_on"))
        .values("first")
    )
    money = DecimalField(max_digits=14, decimal_places=2)

    def total(column: str) -> Any:
        sums = Funding.objects.filter(project=OuterRef("pk")).order_by().values("project").annotate(t=Sum(column))
        return Coalesce(Subquery(sums.values("t"), output_field=money), Value(ZERO), output_field=money)

    return qs.annotate(late_since=Subquery(late[:1]), needed=total("needed"), secured=total("secured")).annotate(
        gap=ExpressionWrapper(F("needed") - F("secured"), output_field=money)
    )


# ------------------------------------------------------------------------------------------ for people


def projects_visible(*, viewer: AnyUser) -> QuerySet[Project]:
    require(viewer, VIEW)
    return with_progress(Project.objects.visible_to(viewer)).select_related("facility_type", "area", "facility")


@dataclass(frozen=True)
class ProjectFilter:
    year: int | None = None
    area_code: str = ""
    facility_type: str = ""
    stage: str = ""  # a stage code, or "none" (not yet approved)
    delayed: bool = False
    short_of_funds: bool = False
    q: str = ""


def projects_filtered(*, viewer: AnyUser, filters: ProjectFilter) -> QuerySet[Project]:
    qs = projects_visible(viewer=viewer)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.area_code:
        qs = qs.filter(area_code__startswith=prefix_of(filters.area_code))
    if filters.facility_type:
        qs = qs.filter(facility_type__code=filters.facility_type)
    if filters.stage == "none":
        qs = qs.filter(stage="")
    elif filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.delayed:
        qs = qs.filter(**{"late_since__isnull": False})
    if filters.short_of_funds:
        qs = qs.filter(**{"gap__gt": 0})
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(department__icontains=filters.q))
    return qs.order_by("year", "area_code", "name")


def project_get(*, viewer: AnyUser, pk: int) -> Project:
    project = projects_visible(viewer=viewer).filter(pk=pk).first()
    if project is None:
        raise ApplicationError("not_found", _("No such project."), {"id": pk}, status=404)
    return project


@dataclass(frozen=True)
class StageRow:
    stage: str
    label: str
    planned_on: dt.date | None
    completed_on: dt.date | None
    late_days: int | None  # days past the planned date (completed late, or still open and late)
    current: bool  # the next stage to complete


def project_timeline(project: Project, today: dt.date | None = None) -> list[StageRow]:
    today = today or timezone.localdate()
    rows = {s.stage: s for s in project.stages.all()}
    done = STAGE_ORDER.index(project.stage) + 1 if project.stage else 0
    out = []
    for i, stage in enumerate(STAGE_ORDER):
        row = rows.get(stage)
        planned = row.planned_on if row else None
        completed = row.completed_on if row else None
        late: int | None = None
        if planned is not None:
            end = completed or today
            if (completed and completed > planned) or (completed is None and planned < today):
                late = (end - planned).days
        out.append(StageRow(stage, str(Stage(stage).label), planned, completed, late, i == done))
    return out


def project_funding(project: Project) -> list[Funding]:
    return list(project.funding.order_by("source"))


def siting_projects(*, viewer: AnyUser, run_id: int) -> dict[int, Project]:
    """The projects made from the sites of one run, by site rank."""
    qs = projects_visible(viewer=viewer).filter(siting_run_id=run_id)
    return {p.siting_site: p for p in qs if p.siting_site is not None}


def project_map(*, viewer: AnyUser, filters: ProjectFilter) -> dict[str, Any]:
    """The projects as a GeoJSON FeatureCollection (name, type, stage, delayed, gap as properties)."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
            "properties": {
                "id": p.pk,
                "name": p.name,
                "type": p.facility_type.name,
                "stage": str(Stage(p.stage).label) if p.stage else _("planned, not yet approved"),
                "delayed": p.late_since is not None,  # type: ignore[attr-defined]
                "gap": float(p.gap),  # type: ignore[attr-defined]
            },
        }
        for p in projects_filtered(viewer=viewer, filters=filters)[:2000]
    ]
    return {"type": "FeatureCollection", "features": features}


# ----------------------------------------------------------------------------------- for the indicators


@dataclass
class CompletionRow:
    """One facility type (type and tier) in one area and year: target, built, completion rate, and the
    projects still in progress and delayed."""

    area_code: str
    area_name: str
    facility_type: str
    facility_type_name: str
    tier: str
    target: int
    built: int
    in_progress: int = 0
    delayed: int = 0

    @property
    def rate(self) -> float | None:
        """built / target (may exceed 1); None without a target."""
        return self.built / self.target if self.target else None

    @property
    def percent(self) -> int | None:
        return round(100 * self.built / self.target) if self.target else None


def completion(*, area_code: str, year: int, today: dt.date | None = None) -> list[CompletionRow]:
    """The year's targets of `area_code` per facility type against what was built there that year (see
    the module for "built"), with that year's projects still in progress and delayed. A type with projects
    in progress but no target is listed too (target 0, no rate). Target: the area's own targets of the year,
    or, when it has none, the sum of its sub-areas' targets."""
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise ApplicationError("not_found", _("No such area."), {"field": "area_code"}, status=404)
    return completion_by_area(areas=[area], year=year, today=today)[area.code]


def completion_by_area(*, areas: list[Area], year: int, today: dt.date | None = None) -> dict[str, list[CompletionRow]]:
    """`completion` for several areas (e.g. the sub-areas of a board) in four queries whatever their number."""
    if not areas:
        return {}
    prefixes = {a.code: prefix_of(a.code) for a in areas}
    common = _common_prefix(list(prefixes.values()))
    targets_rows = list(
        ConstructionTarget.objects.filter(year=year, area_code__startswith=common).values_list(
            "area_code", "facility_type_id", "target"
        )
    )
    built_rows = list(
        Facility.objects.filter(area_code__startswith=common, completed_on__year=year, status__in=BUILT_STATUSES)
        .values("area_code", "facility_type_id")
        .annotate(n=Count("pk"))
        .values_list("area_code", "facility_type_id", "n")
    )
    late_field = "late_since"  # an annotation (mypy's Django plugin knows only the model's fields)
    project_rows = list(
        with_progress(
            Project.objects.filter(area_code__startswith=common, year=year).exclude(stage=Stage.OPERATION), today
        ).values_list("area_code", "facility_type_id", late_field)
    )
    type_ids = {t for _a, t, _n in targets_rows} | {t for _a, t, _l in project_rows}
    types = FacilityType.objects.in_bulk(type_ids)
    result: dict[str, list[CompletionRow]] = {}
    for area in areas:
        prefix = prefixes[area.code]
        own = {t: n for code, t, n in targets_rows if code == area.code}
        if not own:
            own = defaultdict(int)
            for code, t, n in targets_rows:
                if code.startswith(prefix) and code != area.code:
                    own[t] += n
        built: dict[int, int] = defaultdict(int)
        for code, t, n in built_rows:
            if code.startswith(prefix) and t in own:
                built[t] += n
        in_progress: dict[int, int] = defaultdict(int)
        delayed: dict[int, int] = defaultdict(int)
        for code, t, late in project_rows:
            if code.startswith(prefix):
                in_progress[t] += 1
                delayed[t] += late is not None
        rows = [
            CompletionRow(
                area_code=area.code,
                area_name=area.name,
                facility_type=types[t].code,
                facility_type_name=types[t].name,
                tier=types[t].tier,
                target=own.get(t, 0),
                built=built.get(t, 0),
                in_progress=in_progress.get(t, 0),
                delayed=delayed.get(t, 0),
            )
            for t in set(own) | set(in_progress)
        ]
        result[area.code] = sorted(rows, key=lambda r: (types_order(types, r.facility_type), r.facility_type))
    return result


def _common_prefix(prefixes: list[str]) -> str:
    first, last = min(prefixes), max(prefixes)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def types_order(types: dict[int, FacilityType], code: str) -> int:
    return next((t.sort_order for t in types.values() if t.code == code), 0)


def delayed_projects(*, area_code: str, today: dt.date | None = None) -> QuerySet[Project]:
    """Projects in the area (code and its subtree) with a stage past its planned date and not completed,
    the longest late first; each annotated as `with_progress`."""
    prefix = prefix_of(area_code)
    qs = with_progress(Project.objects.filter(area_code__startswith=prefix), today)
    return (
        qs.filter(**{"late_since__isnull": False})
        .select_related("facility_type", "area", "facility")
        .order_by(F("late_since").asc(), "pk")
    )


@dataclass
class FundsGap:
    needed: Decimal = ZERO
    secured: Decimal = ZERO
    projects_short: int = 0
    by_source: dict[str, Decimal] = field(default_factory=dict)

    @property
    def gap(self) -> Decimal:
        return self.needed - self.secured


def funds_not_in_place(*, area_code: str, year: int | None = None) -> FundsGap:
    """Needed, secured and not yet in place (needed - secured, 10,000 yuan) over the projects of the area
    (and of `year` if given) not yet in operation, with the gap by source and the number of projects short."""
    qs = Funding.objects.filter(project__area_code__startswith=prefix_of(area_code)).exclude(
        project__stage=Stage.OPERATION
    )
    if year:
        qs = qs.filter(project__year=year)
    result = FundsGap()
    for source, needed, secured in qs.values_list("source", "needed", "secured"):
        result.needed += needed
        result.secured += secured
        if needed > secured:
            result.by_source[source] = result.by_source.get(source, ZERO) + needed - secured
    result.projects_short = qs.filter(secured__lt=F("needed")).values("project").distinct().count()
    return result


# ------------------------------------------------------------------------------------------ the board


@dataclass
class Board:
    year: int
    area: Area
    rows: list[CompletionRow]
    children: list[tuple[Area, list[CompletionRow]]]
    funds: FundsGap
    delayed: list[Project]


def board_area(*, viewer: AnyUser, area_code: str | None) -> Area:
    """The area the board shows: the one asked for (in scope, else 404) or the top of the viewer's scope."""
    require(viewer, VIEW)
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None or not in_scope(viewer, area.code):
            raise ApplicationError("not_found", _("No such area."), {"field": "area_code"}, status=404)
        return area
    prefix = scope_prefix(viewer) or ""
    area = Area.objects.filter(code__startswith=prefix).order_by("code").first() if prefix else None
    if area is None:
        area = Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").first()
    if area is None:
        raise ApplicationError("not_found", _("No area yet."), {"field": "area_code"}, status=404)
    return area


def board(*, viewer: AnyUser, year: int, area_code: str | None = None) -> Board:
    """The year's board of an area: targets against progress per type, the same per sub-area, funds not
    in place, delayed projects."""
    area = board_area(viewer=viewer, area_code=area_code)
    today = timezone.localdate()
    subareas = list(Area.objects.filter(parent=area).order_by("code"))
    by_area = completion_by_area(areas=subareas, year=year, today=today)
    children = [(child, by_area[child.code]) for child in subareas]
    return Board(
        year=year,
        area=area,
        rows=completion(area_code=area.code, year=year, today=today),
        children=[(child, rows) for child, rows in children if rows],
        funds=funds_not_in_place(area_code=area.code, year=year),
        delayed=list(delayed_projects(area_code=area.code, today=today).filter(year__lte=year)[:50]),
    )


def target_rows(*, viewer: AnyUser, year: int) -> QuerySet[ConstructionTarget]:
    require(viewer, VIEW)
    return (
        ConstructionTarget.objects.visible_to(viewer)
        .filter(year=year)
        .select_related("facility_type", "area")
        .order_by("area_code", "facility_type__sort_order", "facility_type__code")
    )


def facility_types() -> QuerySet[FacilityType]:
    return FacilityType.objects.order_by("sort_order", "code")


def areas_for_targets(*, viewer: AnyUser) -> QuerySet[Area]:
    """Districts and sub-districts/towns of the viewer's scope (the areas that have targets)."""
    prefix = scope_prefix(viewer)
    if prefix is None:
        return Area.objects.none()
    return Area.objects.filter(level__in=[AreaLevel.COUNTY, AreaLevel.TOWN], code__startswith=prefix).order_by("code")


def facilities_without_project(*, viewer: AnyUser) -> QuerySet[Facility]:
    """Facilities of the viewer's scope not built yet (planned, approved, under construction) that have no
    project: where a project starts."""
    require(viewer, VIEW)
    return (
        Facility.objects.visible_to(viewer)
        .filter(
            status__in=[ConstructionStatus.PLANNED, ConstructionStatus.APPROVED, ConstructionStatus.UNDER_CONSTRUCTION],
            construction_project__isnull=True,
        )
        .select_related("facility_type", "area")
        .order_by("area_code", "code")
    )
