"""Indicators API: the definitions, values per area and date (from the daily snapshots, or computed from the
raw rows), monthly series, targets, and the public open data downloads."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from linli.indicators import opendata, selectors, services
from linli.indicators.registry import definitions

router = Router(tags=["indicators"])


class DefinitionOut(Schema):
    code: str
    name_zh: str
    name_en: str
    unit: str
    direction: str = Field(description="higher or lower is better")
    formula_zh: str
    formula_en: str
    group: str
    source: str = Field(description="the source report the figure fills, by its title")
    blank: str = Field(description="the blank of the source report it fills")
    levels: list[str]
    target: str = Field(description="indicator_target (compared with a target per area and year) or none")


class CellOut(Schema):
    code: str
    area_code: str
    value: float | None
    numerator: float | None
    denominator: float | None
    target: float | None
    status: str = Field(description="green, amber, red, no_target, missing or not_compared")
    as_of: dt.date
    computed_at: dt.datetime | None
    source: str = Field(description="snapshot or live")


class ValuesOut(Schema):
    area_code: str
    area_name: str
    as_of: dt.date
    source: str
    values: list[CellOut]
    children: list[CellOut]


class SeriesPoint(Schema):
    month: str
    date: dt.date
    value: float | None
    numerator: float | None
    denominator: float | None


class TargetIn(Schema):
    code: str = Field(description="indicator code")
    area_code: str
    year: int
    value: float | None = Field(None, description="the target; null removes it")
    note: str = ""
    dry_run: bool = Field(False, description="check and show what would change, write nothing")


class TargetOut(Schema):
    code: str
    area_code: str
    year: int
    value: float | None
    previous: float | None = Field(description="the target before (null: none)")
    written: bool


class TargetRow(Schema):
    code: str
    area_code: str
    year: int
    value: float
    note: str


def _cell(c: selectors.Cell) -> CellOut:
    return CellOut(
        code=c.indicator.code,
        area_code=c.area_code,
        value=c.value,
        numerator=c.numerator,
        denominator=c.denominator,
        target=c.target,
        status=c.status,
        as_of=c.as_of,
        computed_at=c.computed_at,
        source=c.source,
    )


@router.get("/definitions", response=list[DefinitionOut], auth=None, summary="Every indicator's definition")
def definitions_list(request: HttpRequest) -> list[DefinitionOut]:
    return [
        DefinitionOut(
            code=i.code,
            name_zh=i.name_zh,
            name_en=i.name_en,
            unit=i.unit.value,
            direction=i.direction.value,
            formula_zh=i.formula_zh,
            formula_en=i.formula_en,
            group=i.group,
            source=i.source,
            blank=i.blank,
            levels=sorted(str(level) for level in i.levels),
            target=i.target.value,
        )
        for i in definitions()
    ]


@router.get("/values", response=ValuesOut, summary="Staff: every indicator of an area and of its children on a day")
def values(
    request: HttpRequest,
    area: str,
    date: dt.date | None = None,
    live: bool = Query(False, description="compute from the raw rows instead of the latest snapshot"),
) -> ValuesOut:
    board = selectors.dashboard(viewer=request.user, code=area, as_of=date, live=live)
    main, children = [], []
    for row in board.rows:
        main.append(_cell(row["cell"]))
        children += [_cell(c) for _child, c in row["children"] if c is not None]
    return ValuesOut(
        area_code=board.area.code,
        area_name=board.area.name,
        as_of=board.as_of,
        source=board.source,
        values=main,
        children=children,
    )


@router.get("/series", response=list[SeriesPoint], summary="Staff: an indicator's value at each month's last snapshot")
def series(request: HttpRequest, area: str, indicator: str, months: int = 24) -> list[SeriesPoint]:
    return [
        SeriesPoint(**p) for p in selectors.series(viewer=request.user, code=area, indicator=indicator, months=months)
    ]


@router.put("/targets", response=TargetOut, summary="District staff: set (or with value null remove) a target")
def target_put(request: HttpRequest, body: TargetIn) -> TargetOut:
    change = services.target_set(
        actor=request.user,
        code=body.code,
        area_code=body.area_code,
        year=body.year,
        value=body.value,
        note=body.note,
        dry_run=body.dry_run,
    )
    return TargetOut(
        code=body.code,
        area_code=body.area_code,
        year=body.year,
        value=change.value,
        previous=change.previous,
        written=change.written,
    )


@router.get("/targets", response=list[TargetRow], summary="Staff: the targets of my scope (of a year)")
def targets_list(request: HttpRequest, year: int | None = None) -> list[TargetRow]:
    return [
        TargetRow(code=t.code, area_code=t.area_code, year=t.year, value=t.value, note=t.note)
        for t in selectors.targets_visible(viewer=request.user, year=year)
    ]


@router.get(
    "/open/{dataset}.{fmt}",
    auth=None,
    summary="Open data: facilities, services or indicators of an area as csv, json or geojson (CC BY 4.0)",
    description="Public, no personal data. dataset: facilities | services | indicators; fmt: csv | json | "
    "geojson; area: a 12-digit area code (the area and everything below it). Every file carries the "
    "licence line: " + opendata.LICENCE,
)
def open_data(request: HttpRequest, dataset: str, fmt: str, area: str) -> HttpResponse:
    content, content_type, name = opendata.render(dataset, fmt, area)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
