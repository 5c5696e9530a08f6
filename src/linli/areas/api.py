"""Areas API: list with filters, detail, subtree, population aggregates, boundaries, import."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from linli.areas import selectors
from linli.areas.codes import prefix_of
from linli.areas.enums import AreaLevel
from linli.areas.geo import area_features
from linli.areas.models import Area
from linli.areas.services import area_import_start
from linli.jobs.api import JobOut

router = Router(tags=["areas"])


class AreaOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    households: int | None = Field(
        None, description="Communities and villages only; a higher level's households are in /population."
    )
    centroid_lon: float | None
    centroid_lat: float | None

    @staticmethod
    def resolve_parent_code(obj: Area | dict[str, Any]) -> str | None:
        if isinstance(obj, dict):
            return obj.get("parent_code")
        return obj.parent.code if obj.parent_id and obj.parent else None

    @staticmethod
    def resolve_households(obj: Area | dict[str, Any]) -> int | None:
        level, households = (obj["level"], obj["households"]) if isinstance(obj, dict) else (obj.level, obj.households)
        return households if level == AreaLevel.VILLAGE else None


class PopulationOut(Schema):
    code: str
    population: dict[str, int]
    total: int
    households: int
    villages: int


class ChildPopulationOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    population: dict[str, int]
    total: int
    households: int


class AreaDetailOut(AreaOut):
    subtree_prefix: str
    population: PopulationOut
    boundary: dict[str, Any] | None


@router.get("/", response=list[AreaOut], summary="Areas in my scope")
@paginate
def area_list(
    request: HttpRequest,
    level: str | None = None,
    kind: str | None = None,
    parent: str | None = None,
    q: str | None = None,
) -> Any:
    return selectors.area_list(viewer=request.user, level=level, kind=kind, parent=parent, q=q).select_related("parent")


@router.post("/import", response={202: JobOut}, summary="Import areas from Excel (.xlsx) or GeoJSON; returns the job")
def area_import(request: HttpRequest, file: File[UploadedFile], dry_run: bool = False) -> Status:
    """`dry_run=true`: the job's result lists what the file would create and change, and writes nothing."""
    job = area_import_start(actor=request.user, name=file.name or "upload", content=file.read(), preview=dry_run)
    return Status(202, job)


@router.get("/{code}", response=AreaDetailOut, summary="One area with its population by age group")
def area_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    area = selectors.area_get(viewer=request.user, code=code)
    return {
        **AreaOut.from_orm(area).dict(),
        "subtree_prefix": prefix_of(area.code),
        "population": selectors.population_by_age(viewer=request.user, code=code),
        "boundary": area.boundary,
    }


@router.get("/{code}/subtree", response=list[AreaOut], summary="The area and everything below it")
@paginate
def area_subtree(request: HttpRequest, code: str, depth: int | None = None) -> Any:
    return selectors.area_subtree(viewer=request.user, code=code, depth=depth).select_related("parent")


@router.get(
    "/{code}/population", response=PopulationOut, summary="Population by age group (sum of communities and villages)"
)
def area_population(request: HttpRequest, code: str) -> dict[str, Any]:
    return selectors.population_by_age(viewer=request.user, code=code)


@router.get("/{code}/children/population", response=list[ChildPopulationOut], summary="Each child area's population")
def children_population(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    return [
        {
            "code": row["area"].code,
            "name": row["area"].name,
            "level": row["area"].level,
            "kind": row["area"].kind,
            "population": row["population"],
            "total": row["total"],
            "households": row["households"],
        }
        for row in selectors.children_population(viewer=request.user, code=code)
    ]


@router.get("/{code}/boundaries", summary="GeoJSON: the area and its children's boundaries")
def area_boundaries(request: HttpRequest, code: str) -> dict[str, Any]:
    return area_features(viewer=request.user, code=code)
