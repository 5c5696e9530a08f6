"""Exchanging the registry as files: exports of the viewer's scope, and the all-or-nothing import of a
facilities workbook, GeoJSON or GeoPackage (facilities and their offerings) or of a catalogue workbook
(service items and operators).

An import checks every row with the registry's own checks (`facility_check`, `opening_hours_check`,
`catalog.hosting`, `service_item_check`, `operator_check`) plus what only a whole file can get wrong
(duplicate codes), and writes only when there is no problem at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from linli.catalog.hosting import Hosting, host_removal_problem
from linli.catalog.inputs import OfferingIn, ServiceItemIn
from linli.catalog.models import Offering, ServiceItem
from linli.catalog.services import offering_check, offerings_audit, service_item_check
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError, RowErrors
from linli.core.masking import OPERATOR_CONTACT_FIELDS, is_masked, mask_name, mask_phone, operator_contact
from linli.core.models import User
from linli.core.parsing import text
from linli.core.permissions import Perm, has_perm, in_scope, require
from linli.core.preview import CREATE, Preview, field_display, previewed
from linli.core.services import audit_record
from linli.facilities.inputs import FacilityIn, OperatorIn
from linli.facilities.models import Facility, FacilityType, OpeningRule, Operator
from linli.facilities.selectors import facilities_visible, operators_visible
from linli.facilities.services import Lookups, facility_check, opening_hours_check, operator_check
from linli.interop.registry_io import (
    FACILITIES,
    FACILITY_LABELS,
    ITEM_LABELS,
    OFFERING_LABELS,
    OPENING_HOURS_EXAMPLE,
    OPERATOR_LABELS,
    Row,
    catalog_workbook,
    facilities_geojson,
    facilities_geopackage,
    facilities_workbook,
    format_opening_hours,
    parse_opening_hours,
    sniff,
    workbook_kind,
)
from linli.jobs.models import Job
from linli.jobs.services import APPLY, PREVIEW, job_create, job_enqueue

if TYPE_CHECKING:
    import datetime as dt

    from linli.core.permissions import AnyUser

Progress = Callable[[int, int, str], None]
Hours = list[tuple[int, "dt.time", "dt.time"]]
EXPORT_FORMATS = ("xlsx", "geojson", "gpkg")
IMPORT_JOB = "interop.registry_import"


# Exports --------------------------------------------------------------------------------------------


def facilities_for_export(*, actor: AnyUser | None) -> tuple[QuerySet[Facility], QuerySet[Offering]]:
    """The facilities in the actor's scope (all of them for the command line) and their offerings."""
    if actor is None:
        facilities = Facility.objects.select_related("facility_type", "area", "operator")
    else:
        facilities = facilities_visible(viewer=actor)
    facilities = facilities.prefetch_related("opening_rules").order_by("area_code", "code")
    offerings = (
        Offering.objects.filter(facility__in=facilities.values("pk"))
        .select_related("facility", "item")
        .order_by("facility__area_code", "facility__code", "item__code")
    )
    return facilities, offerings


def facilities_export(*, actor: AnyUser | None, fmt: str) -> bytes:
    """The facilities of the actor's scope as an Excel workbook (with offerings), GeoJSON or GeoPackage."""
    facilities, offerings = facilities_for_export(actor=actor)
    if fmt == "xlsx":
        return facilities_workbook(facilities, offerings)
    if fmt == "geojson":
        return facilities_geojson(facilities)
    if fmt == "gpkg":
        return facilities_geopackage(facilities)
    raise ApplicationError("bad_format", _("Unknown export format."), {"field": "format", "format": fmt})


def catalog_export(*, actor: AnyUser | None) -> bytes:
    """The catalogue workbook: service items and operators. Operators' contacts are masked unless the actor
    may see them; an export with contacts is written to the audit log."""
    if actor is not None:
        require(actor, Perm.AREA_VIEW)
        operators = operators_visible(viewer=actor)
    else:
        operators = Operator.objects.order_by("name")
    contacts_visible = actor is None or has_perm(actor, Perm.OPERATOR_CONTACT_VIEW)
    items = ServiceItem.objects.prefetch_related("host_types").order_by("domain", "code")
    content = catalog_workbook(items, operators, contacts_visible=contacts_visible)
    with_contacts = [o.pk for o in operators if o.contact_name or o.contact_phone]
    if contacts_visible and with_contacts:
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            object_type="facilities.operator",
            fields=list(OPERATOR_CONTACT_FIELDS),
            detail={"operators": len(with_contacts), "file": "catalog.xlsx"},
        )
    return content


# Import ---------------------------------------------------------------------------------------------


@dataclass
class FacilityEntry:
    row: int
    instance: Facility | None
    values: dict[str, Any]
    hours: Hours | None


@dataclass
class OfferingEntry:
    row: int
    facility_code: str
    item: ServiceItem
    instance: Offering | None
    values: dict[str, Any]


@dataclass
class ItemEntry:
    row: int
    instance: ServiceItem | None
    values: dict[str, Any]


@dataclass
class OperatorEntry:
    row: int
    instance: Operator | None
    values: dict[str, Any]


def registry_import(
    *,
    actor: AnyUser | None,
    kind: str,
    sheets: Mapping[str, list[Row]],
    source: str,
    errors: RowErrors | None = None,
    progress: Progress | None = None,
    dry_run: bool = False,
    expect: str | None = None,
) -> dict[str, Any]:
    """Import the rows of a file (`sheets` by sheet key, as read by `registry_io`): if the file has any
    problem, raise one `ApplicationError("invalid_rows")` listing every bad row and field, and write
    nothing; otherwise create or update everything by code in one transaction. `actor` None is the
    command line, which is trusted. The result carries the preview (`core.preview`): a dry run writes
    nothing; `expect` refuses a run that would not write what the confirmed preview showed."""
    errors = errors if errors is not None else RowErrors()
    if actor is not None:
        require(actor, Perm.FACILITY_CHANGE if kind == FACILITIES else Perm.CATALOG_CHANGE)
    if not any(sheets.values()) and not errors:
        raise ApplicationError("empty_file", _("The file has no rows."), {"source": source})
    write: Callable[[Preview], dict[str, int]]
    if kind == FACILITIES:
        facility_rows = sheets.get("facilities", [])
        facilities = _facilities_check(actor, facility_rows, errors, progress)
        offerings = _offerings_check(actor, sheets.get("offerings", []), facility_rows, facilities, errors)
        write = partial(_facilities_write, actor, facilities, offerings, progress)
        object_type = "facilities.facility"
    else:
        items = _items_check(sheets.get("items", []), errors)
        operators = _operators_check(sheets.get("operators", []), errors)
        write = partial(_catalog_write, actor, items, operators)
        object_type = "catalog.serviceitem"
    if errors:
        errors.errors.sort(key=lambda e: (e["row"], e["field"]))
        raise ApplicationError(
            "invalid_rows",
            _("%(n)d problem(s) in the file; nothing was imported.") % {"n": len(errors.errors)},
            {"errors": errors.errors, "source": source},
        )

    def run(preview: Preview) -> dict[str, Any]:
        counts = write(preview)
        audit_record(
            actor=actor, action=AuditAction.IMPORT, object_type=object_type, detail={"source": source, **counts}
        )
        return counts

    counts, preview = previewed(run, dry_run=dry_run, expect=expect)
    return {"source": source, **counts, "dry_run": dry_run, "preview": preview.as_dict()}


def _duplicates(rows: list[Row], key: str, errors: RowErrors, field: str) -> set[int]:
    """Rows repeating an earlier row's `key`; each gets an error naming the first."""
    first: dict[str, int] = {}
    repeated = set()
    for row, data in rows:
        value = text(data.get(key))
        if not value:
            continue
        if value in first:
            errors.add(row, field, _("duplicate; first given in row %(row)d") % {"row": first[value]}, value)
            repeated.add(row)
        else:
            first[value] = row
    return repeated


def _facilities_check(
    actor: AnyUser | None, rows: list[Row], errors: RowErrors, progress: Progress | None
) -> dict[str, FacilityEntry]:
    """Each row through `facility_check` (an existing code is an update of the columns given) and its
    opening hours through `opening_hours_check`. Returns the good rows by facility code."""
    repeated = _duplicates(rows, "code", errors, "code")
    codes = {text(data.get("code")) for _row, data in rows}
    existing = {
        f.code: f
        for f in Facility.objects.filter(code__in=codes)
        .select_related("facility_type", "operator", "area")
        .prefetch_related("opening_rules")
    }
    given = {row: FacilityIn.parse_row(data, row, errors) for row, data in rows}
    lookups = Lookups.for_rows(facility for facility in given.values() if facility is not None)
    entries: dict[str, FacilityEntry] = {}
    for done, (row, data) in enumerate(rows, start=1):
        code = text(data.get("code"))
        instance = existing.get(code)
        if instance is not None and actor is not None and not in_scope(actor, instance.area_code):
            errors.add(row, "code", _("this facility is outside your scope"), code)
            continue
        facility = given[row]
        values = (
            facility_check(actor=actor, facility=facility, row=row, errors=errors, lookups=lookups, instance=instance)
            if facility is not None
            else None
        )
        hours = _hours_check(data["opening_hours"], row, errors) if "opening_hours" in data else None
        if values is not None and row not in repeated:
            entries[code] = FacilityEntry(row, instance, values, hours)
        if progress and done % 200 == 0:
            progress(done, len(rows), _("checking row %(n)d") % {"n": row})
    return entries


def _hours_check(value: Any, row: int, errors: RowErrors) -> Hours | None:
    """The text form ("1-5 08:30-11:30,14:00-17:30; 6 09:00-12:00") through `opening_hours_check`."""
    raw = text(value)
    try:
        rules = parse_opening_hours(raw)
    except ValueError as exc:
        errors.add(
            row,
            "opening_hours",
            _("cannot read “%(part)s”; write opening hours like %(example)s (1 = Monday … 7 = Sunday)")
            % {"part": exc, "example": OPENING_HOURS_EXAMPLE},
            raw,
        )
        return None
    found = RowErrors()
    hours = opening_hours_check(rules, found, row=row)
    for problem in found.errors:
        errors.add(row, "opening_hours", problem["message"], raw)
    return None if found else hours


def _offerings_check(
    actor: AnyUser | None,
    rows: list[Row],
    facility_rows: list[Row],
    facilities: dict[str, FacilityEntry],
    errors: RowErrors,
) -> list[OfferingEntry]:
    """Each offering row: a facility of the file or of the database in the actor's scope, an existing
    item its (new) type can host (`catalog.hosting`), valid fee and active values; no pair twice."""
    repeated = _duplicates(
        [(row, {"pair": f"{text(d.get('facility'))} {text(d.get('item'))}"}) for row, d in rows],
        "pair",
        errors,
        "offerings.item",
    )
    in_file = {text(data.get("code")) for _row, data in facility_rows}
    facility_codes = {text(data.get("facility")) for _row, data in rows}
    stored = {
        f.code: f for f in Facility.objects.filter(code__in=facility_codes - in_file).select_related("facility_type")
    }
    item_codes = {text(d.get("item")) for _row, d in rows}
    items = {i.code: i for i in ServiceItem.objects.filter(code__in=item_codes).prefetch_related("host_types")}
    existing = {
        (o.facility.code, o.item.code): o
        for o in Offering.objects.filter(facility__code__in=facility_codes).select_related("facility", "item")
    }
    hosting = Hosting()
    entries = []
    for row, data in rows:
        before = len(errors.errors)
        code, item_code = text(data.get("facility")), text(data.get("item"))
        facility_type: FacilityType | None = None
        if code in facilities:
            entry = facilities[code]
            instance = entry.instance
            facility_type = entry.values.get("facility_type") or (instance.facility_type if instance else None)
        elif code in stored:
            if actor is not None and not in_scope(actor, stored[code].area_code):
                errors.add(row, "offerings.facility", _("this facility is outside your scope"), code)
            facility_type = stored[code].facility_type
        elif code not in in_file:
            errors.add(row, "offerings.facility", _("no such facility"), code or None)
        item = items.get(item_code)
        if item is None:
            errors.add(row, "offerings.item", _("no such service item"), item_code or None)
        elif facility_type is not None:
            problem = hosting.problem(facility_type, item)
            if problem:
                errors.add(row, "offerings.item", problem, item_code)
        offering = OfferingIn.parse_row(data, row, errors, prefix="offerings.")
        values = (
            offering_check(offering=offering, row=row, errors=errors, update=True, prefix="offerings.")
            if offering is not None
            else {}
        )
        if item is not None and len(errors.errors) == before and row not in repeated:
            entries.append(OfferingEntry(row, code, item, existing.get((code, item_code)), values))
    return entries


FACILITY_CHANGE_LABELS = {**FACILITY_LABELS, "facility_type": FACILITY_LABELS["type"]}
ITEM_CHANGE_LABELS = ITEM_LABELS
OPERATOR_CHANGE_LABELS = OPERATOR_LABELS


def _changes(
    model: type[Any], labels: Mapping[str, str], changed: Mapping[str, tuple[Any, Any]]
) -> list[tuple[str, str, str]]:
    """(header, old, new) as a person reads them, for the preview; internal fields (the area behind its
    code) are left out."""
    return [
        (labels[name], field_display(model, name, old), field_display(model, name, new))
        for name, (old, new) in changed.items()
        if name in labels
    ]


def _facilities_write(
    actor: AnyUser | None,
    facilities: dict[str, FacilityEntry],
    offerings: list[OfferingEntry],
    progress: Progress | None,
    preview: Preview,
) -> dict[str, int]:
    """Create or update the facilities, their opening hours and offerings; each change audited."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "offerings_created": 0, "offerings_updated": 0}
    saved: dict[str, Facility] = {}
    for done, (code, entry) in enumerate(facilities.items(), start=1):
        facility = entry.instance
        if facility is None:
            facility = Facility.objects.create(**entry.values)
            changed: dict[str, tuple[Any, Any]] = {k: (None, v) for k, v in entry.values.items()}
        else:
            changed = {k: (getattr(facility, k), v) for k, v in entry.values.items() if getattr(facility, k) != v}
            for field, (_old, new) in changed.items():
                setattr(facility, field, new)
            if changed:
                facility.save()
            if "area_code" in changed:
                Offering.objects.filter(facility=facility).update(area_code=facility.area_code)
        if entry.hours is not None:
            old_hours = sorted((r.weekday, r.opens, r.closes) for r in facility.opening_rules.all())
            if old_hours != sorted(entry.hours):
                facility.opening_rules.all().delete()
                OpeningRule.objects.bulk_create(
                    OpeningRule(facility=facility, weekday=w, opens=o, closes=c) for w, o, c in entry.hours
                )
                changed["opening_hours"] = (format_opening_hours(old_hours), format_opening_hours(entry.hours))
        preview.add(
            sheet=_("facility"),
            key=facility.code,
            name=facility.name,
            changes=_changes(Facility, FACILITY_CHANGE_LABELS, changed),
            action=CREATE if entry.instance is None else None,
        )
        if entry.instance is None or changed:
            counts["created" if entry.instance is None else "updated"] += 1
            audit_record(
                actor=actor,
                action=AuditAction.CREATE if entry.instance is None else AuditAction.UPDATE,
                object_type="facilities.facility",
                object_id=facility.code,
                fields=sorted(changed),
                detail={field: [str(old), str(new)] for field, (old, new) in changed.items()},
            )
        else:
            counts["unchanged"] += 1
        saved[code] = facility
        if progress and done % 200 == 0:
            progress(done, len(facilities), _("writing facilities"))
    stored = {f.code: f for f in Facility.objects.filter(code__in={o.facility_code for o in offerings} - set(saved))}
    for offering in offerings:
        facility = saved.get(offering.facility_code) or stored[offering.facility_code]
        _offering_write(actor, facility, offering, counts, preview)
    return counts


def _offering_write(
    actor: AnyUser | None, facility: Facility, entry: OfferingEntry, counts: dict[str, int], preview: Preview
) -> None:
    offering = entry.instance
    old = {k: (getattr(offering, k) if offering is not None else None, v) for k, v in entry.values.items()}
    preview.add(
        sheet=_("service offering"),
        key=f"{facility.code} {entry.item.code}",
        name=entry.item.name,
        changes=_changes(Offering, OFFERING_LABELS, {k: pair for k, pair in old.items() if pair[0] != pair[1]}),
        action=CREATE if offering is None else None,
    )
    if offering is None:
        Offering.objects.create(facility=facility, item=entry.item, **entry.values)
        changed = sorted(entry.values)
        counts["offerings_created"] += 1
    else:
        changed = sorted(k for k, v in entry.values.items() if getattr(offering, k) != v)
        if not changed:
            return
        for field in changed:
            setattr(offering, field, entry.values[field])
        offering.save()
        counts["offerings_updated"] += 1
    offerings_audit(actor=actor, facility=facility, action=AuditAction.UPDATE, item=entry.item.code, fields=changed)


def _items_check(rows: list[Row], errors: RowErrors) -> list[ItemEntry]:
    """Each item row through `service_item_check`; removing a host type is refused while a facility of
    that type offers the item."""
    repeated = _duplicates(rows, "code", errors, "code")
    types = {t.code: t for t in FacilityType.objects.all()}
    existing = {
        i.code: i
        for i in ServiceItem.objects.filter(code__in={text(d.get("code")) for _r, d in rows}).prefetch_related(
            "host_types"
        )
    }
    entries = []
    for row, data in rows:
        instance = existing.get(text(data.get("code")))
        item = ServiceItemIn.parse_row(data, row, errors)
        values = service_item_check(item=item, row=row, errors=errors, types=types, instance=instance) if item else None
        if values is None or row in repeated:
            continue
        problem = host_removal_problem(instance, values["host_types"]) if instance and "host_types" in values else None
        if problem:
            errors.add(row, "host_types", problem)
            continue
        entries.append(ItemEntry(row, instance, values))
    return entries


def _operators_check(rows: list[Row], errors: RowErrors) -> list[OperatorEntry]:
    """Each operator row through `operator_check`, matched by id, else by credit code, else new. A masked
    contact (as exported to someone who may not see it) leaves the stored value unchanged. Problems name
    their field as `operators.<column>`."""
    found = RowErrors()
    repeated = _duplicates(rows, "credit_code", found, "credit_code") | _duplicates(rows, "id", found, "id")
    ids = {int(text(d["id"])) for _r, d in rows if text(d.get("id")).isdigit()}
    by_id = Operator.objects.in_bulk(ids)
    by_credit = {
        o.credit_code: o
        for o in Operator.objects.filter(credit_code__in={text(d.get("credit_code")).upper() for _r, d in rows})
    }
    entries = []
    for row, raw in rows:
        data = dict(raw)
        given_id = text(data.pop("id", None))
        instance: Operator | None = None
        if given_id:
            instance = by_id.get(int(given_id)) if given_id.isdigit() else None
            if instance is None:
                found.add(row, "id", _("no operator with this id; leave it blank for a new operator"), given_id)
                continue
        else:
            instance = by_credit.get(text(data.get("credit_code")).upper())
        for field in OPERATOR_CONTACT_FIELDS:
            value = text(data.get(field))
            if not is_masked(value):
                continue
            # Files exported before names were masked like names (赵**) carry them masked like a phone (***).
            masks = (
                {operator_contact(instance, visible=False)[field], mask_phone(getattr(instance, field))}
                if instance is not None
                else set()
            )
            if value in masks:
                del data[field]
            else:
                found.add(row, field, _("a masked value cannot be stored; give the full value"), value)
        operator = OperatorIn.parse_row(data, row, found)
        values = operator_check(operator=operator, row=row, errors=found, instance=instance) if operator else None
        if values is not None and row not in repeated:
            entries.append(OperatorEntry(row, instance, values))
    for problem in found.errors:
        errors.add(problem["row"], f"operators.{problem['field']}", problem["message"], problem.get("value"))
    return entries


def _catalog_write(
    actor: AnyUser | None, items: list[ItemEntry], operators: list[OperatorEntry], preview: Preview
) -> dict[str, int]:
    counts = {"items_created": 0, "items_updated": 0, "operators_created": 0, "operators_updated": 0}
    for item_entry in items:
        item = item_entry.instance or ServiceItem()
        values = dict(item_entry.values)
        hosts = values.pop("host_types", None)
        changed = sorted(k for k, v in values.items() if item.pk is None or getattr(item, k) != v)
        old_hosts = sorted(str(t) for t in item.host_types.all()) if item.pk is not None else []
        if hosts is not None and (item.pk is None or {t.pk for t in item.host_types.all()} != {t.pk for t in hosts}):
            changed.append("host_types")
        pairs = {
            k: (getattr(item, k) if item.pk is not None else None, values[k]) for k in changed if k != "host_types"
        }
        if "host_types" in changed:
            pairs["host_types"] = (old_hosts, sorted(str(t) for t in hosts or ()))
        preview.add(
            sheet=_("service item"),
            key=values.get("code") or item.code,
            name=values.get("name") or item.name,
            changes=_changes(ServiceItem, ITEM_CHANGE_LABELS, pairs),
            action=CREATE if item.pk is None else None,
        )
        if not changed:
            continue
        for field in changed:
            if field != "host_types":
                setattr(item, field, values[field])
        item.save()
        if hosts is not None:
            item.host_types.set(hosts)
        _audit_saved(actor, "catalog.serviceitem", item.code, item_entry.instance is None, changed, counts, "items")
    for operator_entry in operators:
        operator = operator_entry.instance or Operator()
        changed = sorted(
            k for k, v in operator_entry.values.items() if operator.pk is None or getattr(operator, k) != v
        )
        contacts_masked = {
            k: (getattr(operator, k) if operator.pk is not None else None, operator_entry.values[k]) for k in changed
        }
        for k in OPERATOR_CONTACT_FIELDS:  # the preview never shows personal data in full
            if k in contacts_masked:
                old_value, new_value = contacts_masked[k]
                contacts_masked[k] = (_mask_contact(k, old_value), _mask_contact(k, new_value))
        preview.add(
            sheet=_("operator"),
            key=operator_entry.values.get("credit_code") or (str(operator.pk) if operator.pk else ""),
            name=operator_entry.values.get("name") or operator.name,
            changes=_changes(Operator, OPERATOR_CHANGE_LABELS, contacts_masked),
            action=CREATE if operator.pk is None else None,
        )
        if not changed:
            continue
        for field in changed:
            setattr(operator, field, operator_entry.values[field])
        operator.save()
        created = operator_entry.instance is None
        _audit_saved(actor, "facilities.operator", str(operator.pk), created, changed, counts, "operators")
    return counts


def _mask_contact(field: str, value: Any) -> str:
    if not value:
        return ""
    return mask_phone(str(value)) if field == "contact_phone" else mask_name(str(value))


def _audit_saved(
    actor: AnyUser | None,
    object_type: str,
    object_id: str,
    created: bool,
    fields: list[str],
    counts: dict[str, int],
    noun: str,
) -> None:
    counts[f"{noun}_created" if created else f"{noun}_updated"] += 1
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        object_type=object_type,
        object_id=object_id,
        fields=fields,
    )


def registry_import_start(
    *, actor: AnyUser | None, name: str, content: bytes, enqueue: bool = True, preview: bool = True
) -> Job:
    """Check the upload is a registry file (a facilities or catalogue workbook by its sheets, GeoJSON or
    GeoPackage), keep it in the data directory and create the import job (handed to the worker when
    `enqueue`): by default a preview, which writes nothing and keeps the file for
    `jobs.services.job_confirm`. `actor` None is the command line, which is trusted."""
    file_format = sniff(name, content)
    if file_format is None:
        raise ApplicationError(
            "bad_file_type",
            _("Upload an exported Excel workbook (.xlsx), a GeoJSON (.geojson) or a GeoPackage (.gpkg) file."),
            {"field": "file", "name": name},
        )
    kind = workbook_kind(content) if file_format == "xlsx" else FACILITIES
    if kind is None:
        raise ApplicationError(
            "bad_file",
            _("This workbook has neither a facilities sheet nor a service items sheet."),
            {"field": "file", "name": name},
        )
    if actor is not None:
        require(actor, Perm.FACILITY_CHANGE if kind == FACILITIES else Perm.CATALOG_CHANGE)
    folder = Path(settings.DATA_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"uploads/{uuid.uuid4().hex}.{file_format}"
    (Path(settings.DATA_DIR) / stored).write_bytes(content)
    title = (
        _("Import facilities from %(name)s") if kind == FACILITIES else _("Import the catalogue from %(name)s")
    ) % {"name": name}
    job = job_create(
        kind=IMPORT_JOB,
        title=title,
        params={"path": stored, "format": file_format, "name": name, "mode": PREVIEW if preview else APPLY},
        user=actor if isinstance(actor, User) else None,
    )
    return job_enqueue(job=job) if enqueue else job
