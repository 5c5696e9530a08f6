"""Changes to areas: the import of many areas at once (from Excel or GeoJSON), all-or-nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from linli.areas.codes import LEVEL_DEPTH, level_of, parent_code_of
from linli.areas.enums import AreaKind, AreaLevel
from linli.areas.io import AREA_SHEET, AreaRow, RowErrors
from linli.areas.models import Area, AreaPopulation
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError
from linli.core.models import User
from linli.core.permissions import Perm, in_scope, require
from linli.core.preview import CREATE, UPDATE, Preview, previewed
from linli.core.services import audit_record
from linli.jobs.models import Job
from linli.jobs.services import APPLY, PREVIEW, job_create, job_enqueue

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

Progress = Callable[[int, int, str], None]
Change = tuple[str, Any, Any]


def area_rows_check(*, actor: AnyUser | None, rows: list[AreaRow], errors: RowErrors) -> None:
    """Checks the rows together: duplicate codes, parents that exist (in the database or the file),
    population only on communities and villages, every area in the actor's scope. Adds to `errors`."""
    seen: dict[str, int] = {}
    for row in rows:
        if row.code in seen:
            errors.add(
                row.row, "code", _("duplicate code; first given in row %(row)d") % {"row": seen[row.code]}, row.code
            )
        else:
            seen[row.code] = row.row
    parents = {p for row in rows if (p := parent_code_of(row.code)) is not None and p not in seen}
    existing_parents = set(Area.objects.filter(code__in=parents).values_list("code", flat=True))
    for row in rows:
        parent = parent_code_of(row.code)
        if parent is not None and parent not in seen and parent not in existing_parents:
            errors.add(row.row, "code", _("the parent area %(parent)s does not exist") % {"parent": parent}, row.code)
        level = level_of(row.code)
        if level != AreaLevel.VILLAGE and (row.population or row.households):
            field = "households" if row.households else next(iter(row.population))
            errors.add(
                row.row,
                field,
                _("population and households are recorded on communities and villages; higher levels are their sums"),
            )
        if actor is not None and not in_scope(actor, row.code):
            errors.add(row.row, "code", _("outside your scope"), row.code)


def _label(key: str) -> str:
    return AREA_SHEET.column(key).zh


def _area_changes(area: Area | None, row: AreaRow, population: dict[tuple[str, str], int]) -> list[Change]:
    """(header, old, new) for each value of `row` that differs from the stored area (all given values for
    a new area); a value not given is left as it is, so it is no change."""

    def old(attr: str) -> Any:
        return getattr(area, attr) if area is not None else None

    changes: list[Change] = [(_label("name"), old("name"), row.name)]
    if row.kind is not None:
        changes.append((_label("kind"), AreaKind(old("kind")).label if old("kind") else None, AreaKind(row.kind).label))
    if row.households is not None:
        changes.append((_label("households"), old("households"), row.households))
    for group, count in row.population.items():
        changes.append((_label(group), population.get((row.code, group)), count))
    if row.centroid is not None:
        changes.append((_label("lon"), old("centroid_lon"), row.centroid[0]))
        changes.append((_label("lat"), old("centroid_lat"), row.centroid[1]))
    if row.boundary is not None and (area is None or area.boundary != row.boundary):
        changes.append((_("boundary"), _("stored boundary") if old("boundary") else None, _("boundary from the file")))
    return changes


@transaction.atomic
def area_rows_write(
    *, rows: list[AreaRow], progress: Progress | None = None, preview: Preview | None = None
) -> dict[str, int]:
    """Create or update the areas of `rows`, top level first so parents exist before children. A value
    not given in a row leaves the stored value as it is. Each row's changes go to `preview`."""
    by_level: dict[AreaLevel, list[AreaRow]] = {level: [] for level in AreaLevel}
    for row in rows:
        by_level[level_of(row.code)].append(row)
    codes = [row.code for row in rows]
    existing = {a.code: a for a in Area.objects.filter(code__in=codes)}
    stored_population = {
        (code, group): count
        for code, group, count in AreaPopulation.objects.filter(area__code__in=codes).values_list(
            "area__code", "age_group", "count"
        )
    }
    preview = preview if preview is not None else Preview()
    actions: dict[str, str] = {}
    for row in rows:
        area = existing.get(row.code)
        preview.add(
            sheet=_("area"),
            key=row.code,
            name=row.name,
            changes=_area_changes(area, row, stored_population),
            action=CREATE if area is None else None,
        )
        actions[row.code] = preview.rows[-1]["action"]
    created = updated = 0
    done = 0
    for level in sorted(by_level, key=lambda lvl: LEVEL_DEPTH[lvl]):
        level_rows = by_level[level]
        if not level_rows:
            continue
        parent_ids = dict(
            Area.objects.filter(code__in={parent_code_of(r.code) for r in level_rows}).values_list("code", "id")
        )
        objects = []
        for row in level_rows:
            area = existing.get(row.code)
            parent_code = parent_code_of(row.code)
            if area is None:
                area = Area(code=row.code, level=level)
                created += 1
            elif actions[row.code] == UPDATE:
                updated += 1
            area.name = row.name
            area.parent_id = parent_ids.get(parent_code) if parent_code else None
            if row.kind is not None:
                area.kind = row.kind
            elif area.pk is None:
                area.kind = _kind_of(parent_code) or AreaKind.URBAN
            if row.households is not None:
                area.households = row.households
            if row.boundary is not None:
                area.boundary = row.boundary
            if row.centroid is not None:
                area.centroid_lon, area.centroid_lat = row.centroid
            elif row.boundary is not None:
                area.centroid_lon, area.centroid_lat = centre_of(row.boundary)
            objects.append(area)
        Area.objects.bulk_create(
            objects,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=[
                "name",
                "parent",
                "kind",
                "households",
                "boundary",
                "centroid_lon",
                "centroid_lat",
                "updated_at",
            ],
        )
        done += len(level_rows)
        if progress:
            progress(done, len(rows), _("writing areas"))
    _write_population(rows)
    return {"created": created, "updated": updated, "unchanged": len(rows) - created - updated}


def centre_of(geometry: dict[str, Any]) -> tuple[float, float]:
    """A point inside a polygon: its centroid when that lies inside, else a representative point."""
    from shapely.geometry import shape

    polygon = shape(geometry)
    point = polygon.centroid if polygon.contains(polygon.centroid) else polygon.representative_point()
    return round(point.x, 7), round(point.y, 7)


def _kind_of(code: str | None) -> str | None:
    if code is None:
        return None
    return Area.objects.filter(code=code).values_list("kind", flat=True).first()


def _write_population(rows: Iterable[AreaRow]) -> None:
    with_population = [row for row in rows if row.population]
    ids = dict(Area.objects.filter(code__in=[r.code for r in with_population]).values_list("code", "id"))
    AreaPopulation.objects.bulk_create(
        [
            AreaPopulation(area_id=ids[row.code], age_group=group, count=count)
            for row in with_population
            for group, count in row.population.items()
        ],
        batch_size=5000,
        update_conflicts=True,
        unique_fields=["area", "age_group"],
        update_fields=["count"],
    )


def area_import(
    *,
    actor: AnyUser | None,
    rows: list[AreaRow],
    errors: RowErrors,
    source: str,
    progress: Progress | None = None,
    dry_run: bool = False,
    expect: str | None = None,
) -> dict[str, Any]:
    """Import `rows` read from a file: if the file or the rows together have any error, raise one
    `ApplicationError` listing every bad row and field, and write nothing. The result carries the
    preview (`core.preview`): a dry run writes nothing; `expect` refuses a run that would not write what
    the confirmed preview showed."""
    if actor is not None:
        require(actor, Perm.AREA_CHANGE)
    area_rows_check(actor=actor, rows=rows, errors=errors)
    if errors.errors:
        errors.errors.sort(key=lambda e: (e["row"], e["field"]))
        raise ApplicationError(
            "invalid_rows",
            _("%(n)d problem(s) in the file; nothing was imported.") % {"n": len(errors.errors)},
            {"errors": errors.errors, "source": source},
        )
    if not rows:
        raise ApplicationError("empty_file", _("The file has no areas."), {"source": source})

    def write(preview: Preview) -> dict[str, Any]:
        counts = area_rows_write(rows=rows, progress=progress, preview=preview)
        audit_record(
            actor=actor,
            action=AuditAction.IMPORT,
            object_type="areas.area",
            detail={"source": source, **counts},
        )
        return counts

    counts, preview = previewed(write, dry_run=dry_run, expect=expect)
    return {"source": source, "rows": len(rows), **counts, "dry_run": dry_run, "preview": preview.as_dict()}


EXCEL_TYPES = (".xlsx",)
GEOJSON_TYPES = (".geojson", ".json")


def area_import_start(
    *, actor: AnyUser | None, name: str, content: bytes, enqueue: bool = True, preview: bool = True
) -> Job:
    """Check the upload is a file we read, keep it in the data directory and create the import job
    (handed to the worker when `enqueue`): by default a preview, which writes nothing and keeps the file
    for `jobs.services.job_confirm`. `actor` None is the command line, which is trusted."""
    if actor is not None:
        require(actor, Perm.AREA_CHANGE)
    lower = name.lower()
    if lower.endswith(EXCEL_TYPES) and content[:2] == b"PK":
        file_format = "excel"
    elif lower.endswith(GEOJSON_TYPES) and content.lstrip()[:1] == b"{":
        file_format = "geojson"
    else:
        raise ApplicationError(
            "bad_file_type",
            _("Upload an Excel file (.xlsx) made from the template, or a GeoJSON file (.geojson)."),
            {"field": "file", "name": name},
        )
    folder = Path(settings.DATA_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"uploads/{uuid.uuid4().hex}{Path(lower).suffix}"
    (Path(settings.DATA_DIR) / stored).write_bytes(content)
    job = job_create(
        kind="areas.import",
        title=_("Import areas from %(name)s") % {"name": name},
        params={"path": stored, "format": file_format, "name": name, "mode": PREVIEW if preview else APPLY},
        user=actor if isinstance(actor, User) else None,
    )
    return job_enqueue(job=job) if enqueue else job
