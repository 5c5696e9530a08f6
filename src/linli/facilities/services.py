"""Changes to the registry: facilities, their opening hours, operators. Every change is checked whole
(a bad value names its field, nothing is written) and recorded in the audit log.

The same checks serve a form, an API call and every row of an Excel or GeoJSON file: each builds the
same typed input (`facilities.inputs.FacilityIn`, `OperatorIn`) and `facility_check` / `operator_check`
turn it into model values, adding any problem to a `RowErrors`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from linli.areas.io import check_lon_lat
from linli.areas.models import Area
from linli.core.enums import AuditAction
from linli.core.errors import RowErrors
from linli.core.models import area_code_moved
from linli.core.parsing import boolean, choice, count, date_value, text
from linli.core.permissions import Perm, in_scope, require
from linli.core.services import audit_record
from linli.engine.network import haversine
from linli.facilities.enums import Accessibility, ConstructionStatus, OperationModel, OperatorKind, OrgGrade
from linli.facilities.inputs import FacilityIn, OperatorIn
from linli.facilities.models import (
    FACILITY_CODE_PATTERN,
    Facility,
    FacilityType,
    OpeningException,
    OpeningRule,
    Operator,
)
from linli.facilities.validators import credit_code_problem, gcj02_to_wgs84

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

# Facility fields as they come from a form, an API body or a file row; "type" and "operator" are codes.
FACILITY_FIELDS = (
    "code", "name", "type", "area_code", "lon", "lat", "crs", "address", "floor_area_m2", "capacity", "beds",
    "served_persons", "staff_count", "operation_model", "operator", "status", "planned_on", "approved_on",
    "construction_started_on", "completed_on", "closed_on", "accessibility", "closed_on_public_holidays",
    "phone", "description",
)  # fmt: skip
COUNT_FIELDS = ("floor_area_m2", "capacity", "beds", "served_persons", "staff_count")
DATE_FIELDS = ("planned_on", "approved_on", "construction_started_on", "completed_on", "closed_on")
# How far outside its district's boundary a facility may be given (geocoding is rarely exact).
BOUNDARY_TOLERANCE_M = 200.0
# Operation models in which somebody other than the government runs the facility.
NEEDS_OPERATOR = {OperationModel.PUBLIC_PRIVATE, OperationModel.PURCHASE, OperationModel.MARKET}
# Rules of the apps above facilities that a change of a facility's type must pass: each takes
# {facility pk: new type} and returns a problem by facility pk. catalog adds "the new type may host every
# item the facility offers" (`catalog.hosting.type_change_problems`, registered in `CatalogConfig.ready`).
TypeChangeCheck = Callable[[Mapping[int, FacilityType]], dict[int, str]]
TYPE_CHANGE_CHECKS: list[TypeChangeCheck] = []


def _district_code(area_code: str) -> str:
    return area_code[:6] + "000000"


def _district_shape(county_code: str, lookups: Lookups) -> Any:
    """The prepared boundary of a district, or None when it has none. Prepared shapes are kept per
    process, keyed by the area's last change (read once per file by `Lookups`), so a re-imported boundary
    is used at once."""
    if county_code in lookups.district_changes:
        changed = lookups.district_changes[county_code]
    else:  # an update whose district the given data did not name
        changed = Area.objects.filter(code=county_code).values_list("updated_at", flat=True).first()
    return _prepared_shape(county_code, changed) if changed else None


@lru_cache(maxsize=64)
def _prepared_shape(county_code: str, changed: Any) -> Any:
    from shapely import prepare
    from shapely.geometry import shape

    boundary = Area.objects.filter(code=county_code).values_list("boundary", flat=True).first()
    if not boundary:
        return None
    geometry = shape(boundary)
    prepare(geometry)
    return geometry


def _outside_district(area_code: str, lon: float, lat: float, lookups: Lookups) -> bool:
    from shapely.geometry import Point
    from shapely.ops import nearest_points

    geometry = _district_shape(_district_code(area_code), lookups)
    if geometry is None:
        return False
    point = Point(lon, lat)
    if geometry.contains(point):
        return False
    nearest = nearest_points(geometry, point)[0]
    return bool(haversine(lon, lat, nearest.x, nearest.y) > BOUNDARY_TOLERANCE_M)


@dataclass
class Lookups:
    """Facility types, operators, areas and their districts' last change, fetched once for a whole file."""

    types: dict[str, FacilityType]
    operators: dict[str, Operator]
    areas: dict[str, Area]
    district_changes: dict[str, Any]

    @classmethod
    def for_rows(cls, rows: Iterable[FacilityIn]) -> Lookups:
        rows = list(rows)
        type_codes = {text(r.type) for r in rows}
        operator_codes = {text(r.operator) for r in rows} - {""}
        area_codes = {text(r.area_code) for r in rows}
        return cls(
            types={t.code: t for t in FacilityType.objects.filter(code__in=type_codes)},
            operators={
                o.credit_code: o for o in Operator.objects.filter(credit_code__in=operator_codes) if o.credit_code
            },
            areas={a.code: a for a in Area.objects.filter(code__in=area_codes)},
            district_changes=dict(
                Area.objects.filter(code__in={_district_code(c) for c in area_codes if c}).values_list(
                    "code", "updated_at"
                )
            ),
        )


def facility_check(
    *,
    actor: AnyUser | None,
    facility: FacilityIn,
    row: int,
    errors: RowErrors,
    lookups: Lookups,
    instance: Facility | None = None,
) -> dict[str, Any] | None:
    """Model values for one facility as given, or None (with `errors` added) when anything is wrong. For
    an update of `instance`, a field not set in `facility` keeps the instance's value."""
    before = len(errors.errors)
    values: dict[str, Any] = {}
    data = facility.given(update=instance is not None)
    present = set(data)

    def given(field: str) -> bool:
        return field in present

    if given("code"):
        code = text(data.get("code"))
        if not code:
            errors.add(row, "code", _("required"))
        elif len(code) > 32:
            errors.add(row, "code", _("at most 32 characters"), code)
        elif not re.fullmatch(FACILITY_CODE_PATTERN, code):
            errors.add(row, "code", _("letters, digits, '.', '_' and '-' only, starting with a letter or digit"), code)
        else:
            values["code"] = code
    if given("name"):
        name = text(data.get("name"))
        if not name:
            errors.add(row, "name", _("required"))
        elif len(name) > 100:
            errors.add(row, "name", _("at most %(n)d characters") % {"n": 100}, name)
        else:
            values["name"] = name
    if given("type"):
        type_code = text(data.get("type"))
        facility_type = lookups.types.get(type_code)
        if facility_type is None:
            errors.add(row, "type", _("unknown facility type"), type_code)
        else:
            values["facility_type"] = facility_type
    if given("area_code"):
        area_code = text(data.get("area_code"))
        area = lookups.areas.get(area_code)
        if area is None:
            errors.add(row, "area_code", _("no such area"), area_code)
        elif actor is not None and not in_scope(actor, area.code):
            errors.add(row, "area_code", _("outside your scope"), area_code)
        else:
            values["area"], values["area_code"] = area, area.code
    if given("lon") or given("lat"):
        _check_location(data, row, errors, values, instance, lookups)
    for field in COUNT_FIELDS:
        if given(field):
            values[field] = count(data.get(field), row, field, errors)
    for field in DATE_FIELDS:
        if given(field):
            values[field] = date_value(data.get(field), row, field, errors)
    if given("operation_model"):
        values["operation_model"] = (
            choice(data.get("operation_model"), OperationModel, row, "operation_model", errors)
            or OperationModel.GOVERNMENT
        )
    if given("status"):
        values["status"] = (
            choice(data.get("status"), ConstructionStatus, row, "status", errors) or ConstructionStatus.BUILT
        )
    if given("operator"):
        operator_code = text(data.get("operator"))
        if operator_code and operator_code not in lookups.operators:
            problem = credit_code_problem(operator_code.upper())
            message = (
                _("not a valid unified social credit code: %(why)s") % {"why": _(problem)}
                if problem
                else _("no operator with this credit code")
            )
            errors.add(row, "operator", message, operator_code)
        values["operator"] = lookups.operators.get(operator_code)
    if given("accessibility"):
        raw = data.get("accessibility")
        items = (
            raw if isinstance(raw, list | tuple) else [p for p in text(raw).replace("，", ",").split(",") if p.strip()]
        )
        features = [choice(item, Accessibility, row, "accessibility", errors) for item in items]
        values["accessibility"] = [f for f in features if f]
    if given("closed_on_public_holidays"):
        values["closed_on_public_holidays"] = bool(
            boolean(data.get("closed_on_public_holidays"), row, "closed_on_public_holidays", errors)
        )
    for field, limit in (("address", 200), ("phone", 20), ("description", 5000)):
        if given(field):
            value = text(data.get(field))
            if len(value) > limit:
                errors.add(row, field, _("at most %(n)d characters") % {"n": limit}, value)
            values[field] = value
    if len(errors.errors) > before:
        return None
    _check_together(values, instance, row, errors)
    return None if len(errors.errors) > before else values


def _check_location(
    given: Mapping[str, Any],
    row: int,
    errors: RowErrors,
    values: dict[str, Any],
    instance: Facility | None,
    lookups: Lookups,
) -> None:
    """Longitude and latitude in WGS-84 (or GCJ-02 when `crs` says so, converted), inside China and
    inside the facility's district."""
    try:
        lon, lat = float(given.get("lon")), float(given.get("lat"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        errors.add(
            row,
            "lon",
            _("longitude and latitude must both be numbers"),
            f"{text(given.get('lon'))}, {text(given.get('lat'))}",
        )
        return
    crs = text(given.get("crs")).lower() or "wgs84"
    if crs not in ("wgs84", "gcj02"):
        errors.add(row, "crs", _("must be wgs84 or gcj02"), crs)
        return
    problem = check_lon_lat(lon, lat)
    if problem:
        errors.add(row, "lon", problem, f"{lon}, {lat}")
        return
    if crs == "gcj02":
        lon, lat = gcj02_to_wgs84(lon, lat)
    area_code = values.get("area_code") or (instance.area_code if instance else "")
    if area_code and _outside_district(area_code, lon, lat, lookups):
        errors.add(row, "lon", _("the point lies outside the district"), f"{lon:.6f}, {lat:.6f}")
        return
    values["lon"], values["lat"] = round(lon, 7), round(lat, 7)


def _check_together(values: dict[str, Any], instance: Facility | None, row: int, errors: RowErrors) -> None:
    def current(field: str) -> Any:
        return values[field] if field in values else getattr(instance, field, None)

    if current("operation_model") in NEEDS_OPERATOR and current("operator") is None:
        errors.add(row, "operator", _("this operation model needs an operator"))
    dates = [(field, current(field)) for field in DATE_FIELDS[:4]]
    known = [(field, day) for field, day in dates if day is not None]
    for (first, a), (second, b) in itertools.pairwise(known):
        if b < a:
            errors.add(row, second, _("must not be before %(field)s") % {"field": first}, b)
    new_type = values.get("facility_type")
    if instance is not None and new_type is not None and new_type.pk != instance.facility_type_id:
        for check in TYPE_CHANGE_CHECKS:
            problem = check({instance.pk: new_type}).get(instance.pk)
            if problem:
                errors.add(row, "type", problem)
    closed_on = current("closed_on")
    if closed_on is not None and current("status") != ConstructionStatus.CLOSED:
        errors.add(row, "closed_on", _("only a closed facility has a closing date"), closed_on)


def _audit_change(
    actor: AnyUser | None, facility: Facility, changed: dict[str, tuple[Any, Any]], action: AuditAction
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="facilities.facility",
        object_id=facility.code,
        fields=sorted(changed),
        detail={field: [str(a), str(b)] for field, (a, b) in changed.items()},
    )


@transaction.atomic
def facility_create(*, actor: AnyUser | None, facility: FacilityIn) -> Facility:
    if actor is not None:
        require(actor, Perm.FACILITY_CHANGE)
    errors = RowErrors()
    values = facility_check(actor=actor, facility=facility, row=0, errors=errors, lookups=Lookups.for_rows([facility]))
    if values is not None and Facility.objects.filter(code=values["code"]).exists():
        errors.add(0, "code", _("a facility with this code exists"), values["code"])
    errors.raise_if_any("invalid", _("The facility was not saved."))
    assert values is not None
    created = Facility.objects.create(**values)
    _audit_change(actor, created, {k: (None, v) for k, v in values.items()}, AuditAction.CREATE)
    return created


@transaction.atomic
def facility_update(*, actor: AnyUser | None, facility: Facility, changes: FacilityIn) -> Facility:
    """Change the fields set in `changes`. Community staff may change only facilities in their scope, and
    may not move one out of it."""
    if actor is not None:
        require(actor, Perm.FACILITY_CHANGE, facility.area_code)
    errors = RowErrors()
    values = facility_check(
        actor=actor, facility=changes, row=0, errors=errors, lookups=Lookups.for_rows([changes]), instance=facility
    )
    new_code = values.get("code", facility.code) if values is not None else facility.code
    if new_code != facility.code and actor is not None:
        # The code is how other systems and files refer to the facility: changing it is the district's call.
        require(actor, Perm.FACILITY_CODE_CHANGE, facility.area_code)
    if new_code != facility.code and Facility.objects.filter(code=new_code).exclude(pk=facility.pk).exists():
        errors.add(0, "code", _("a facility with this code exists"), new_code)
    errors.raise_if_any("invalid", _("The facility was not saved."))
    assert values is not None
    changed = {k: (getattr(facility, k), v) for k, v in values.items() if getattr(facility, k) != v}
    for field, (_old, new) in changed.items():
        setattr(facility, field, new)
    if changed:
        facility.save()
        if "area_code" in changed:
            area_code_moved(facility)  # offerings, activities, venues... follow
        _audit_change(actor, facility, changed, AuditAction.UPDATE)
    return facility


def weekday_name(weekday: int) -> str:
    names = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday"))
    return str(names[weekday])


def opening_hours_check(
    rules: Iterable[Mapping[str, Any]], errors: RowErrors, *, row: int = 0, field: str = "opening_hours"
) -> list[tuple[int, dt.time, dt.time]]:
    """Weekly rules [{weekday, opens, closes}] as tuples; each must end after it starts and none may
    overlap another on the same day."""
    parsed: list[tuple[int, dt.time, dt.time]] = []
    for index, rule in enumerate(rules, start=1):
        label = f"{field}[{index}]"
        try:
            weekday = int(rule["weekday"])
            opens = rule["opens"] if isinstance(rule["opens"], dt.time) else dt.time.fromisoformat(str(rule["opens"]))
            closes = (
                rule["closes"] if isinstance(rule["closes"], dt.time) else dt.time.fromisoformat(str(rule["closes"]))
            )
        except (KeyError, TypeError, ValueError):
            errors.add(row, label, _("give weekday (0 = Monday … 6 = Sunday), opens and closes as HH:MM"), rule)
            continue
        if not 0 <= weekday <= 6:
            errors.add(row, label, _("weekday must be 0 (Monday) to 6 (Sunday)"), weekday)
        elif closes <= opens:
            errors.add(
                row,
                label,
                _("closes at %(closes)s, before it opens at %(opens)s")
                % {"closes": closes.strftime("%H:%M"), "opens": opens.strftime("%H:%M")},
            )
        else:
            parsed.append((weekday, opens, closes))
    by_day: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for weekday, opens, closes in sorted(parsed):
        previous = by_day.setdefault(weekday, [])
        if previous and opens < previous[-1][1]:
            errors.add(
                row,
                field,
                _("on %(day)s, %(a)s overlaps %(b)s")
                % {
                    "day": weekday_name(weekday),
                    "a": f"{opens:%H:%M}-{closes:%H:%M}",
                    "b": f"{previous[-1][0]:%H:%M}-{previous[-1][1]:%H:%M}",
                },
            )
        previous.append((opens, closes))
    return parsed


@transaction.atomic
def opening_hours_set(
    *,
    actor: AnyUser | None,
    facility: Facility,
    rules: Iterable[Mapping[str, Any]],
    exceptions: Iterable[Mapping[str, Any]] | None = None,
) -> Facility:
    """Replace the facility's weekly hours (and, if given, its dated exceptions)."""
    if actor is not None:
        require(actor, Perm.FACILITY_CHANGE, facility.area_code)
    errors = RowErrors()
    parsed = opening_hours_check(rules, errors)
    parsed_exceptions = _exceptions_check(exceptions or [], errors) if exceptions is not None else None
    errors.raise_if_any("invalid_opening_hours", _("The opening hours were not saved."))
    facility.opening_rules.all().delete()
    OpeningRule.objects.bulk_create(OpeningRule(facility=facility, weekday=w, opens=o, closes=c) for w, o, c in parsed)
    if parsed_exceptions is not None:
        facility.opening_exceptions.all().delete()
        OpeningException.objects.bulk_create(OpeningException(facility=facility, **e) for e in parsed_exceptions)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="facilities.facility",
        object_id=facility.code,
        fields=["opening_hours"],
        detail={"rules": [f"{w} {o:%H:%M}-{c:%H:%M}" for w, o, c in parsed]},
    )
    return facility


def _exceptions_check(exceptions: Iterable[Mapping[str, Any]], errors: RowErrors) -> list[dict[str, Any]]:
    out = []
    for index, item in enumerate(exceptions, start=1):
        label = f"exceptions[{index}]"
        day = date_value(item.get("date"), 0, label, errors)
        closed = bool(item.get("closed", True))
        opens = closes = None
        if not closed:
            try:
                opens = dt.time.fromisoformat(str(item["opens"]))
                closes = dt.time.fromisoformat(str(item["closes"]))
            except (KeyError, ValueError):
                errors.add(0, label, _("an open day needs opens and closes as HH:MM"), item)
                continue
            if closes <= opens:
                errors.add(0, label, _("closes before it opens"), item)
                continue
        if day is not None:
            out.append(
                {
                    "date": day,
                    "closed": closed,
                    "opens": opens,
                    "closes": closes,
                    "reason": text(item.get("reason"))[:100],
                }
            )
    return out


# Operators -------------------------------------------------------------------------------------------

OPERATOR_FIELDS = (
    "name",
    "kind",
    "credit_code",
    "grade",
    "area_code",
    "address",
    "contact_name",
    "contact_phone",
    "website",
    "description",
)


def operator_check(
    *, operator: OperatorIn, row: int, errors: RowErrors, instance: Operator | None = None
) -> dict[str, Any] | None:
    """Model values of an operator as given (for an update of `instance`, the fields set), or None with
    every problem added to `errors`."""
    before = len(errors.errors)
    data = operator.given(update=instance is not None)
    present = set(data)
    values: dict[str, Any] = {}
    if "name" in present:
        values["name"] = text(data.get("name"))[:100]
        if not values["name"]:
            errors.add(row, "name", _("required"))
    if "kind" in present:
        values["kind"] = choice(data.get("kind"), OperatorKind, row, "kind", errors)
        if values["kind"] is None and not text(data.get("kind")):
            errors.add(row, "kind", _("required"))
    if "credit_code" in present:
        code = text(data.get("credit_code")).upper() or None
        if code is not None:
            problem = credit_code_problem(code)
            if problem:
                errors.add(
                    row, "credit_code", _("not a valid unified social credit code: %(why)s") % {"why": _(problem)}, code
                )
            elif Operator.objects.filter(credit_code=code).exclude(pk=instance.pk if instance else 0).exists():
                errors.add(row, "credit_code", _("an operator with this credit code exists"), code)
        values["credit_code"] = code
    if "grade" in present:
        values["grade"] = choice(data.get("grade"), OrgGrade, row, "grade", errors) or ""
        kind = values.get("kind") or getattr(instance, "kind", None)
        if values["grade"] and kind != OperatorKind.SOCIAL_ORG:
            errors.add(row, "grade", _("only social organisations are graded"), values["grade"])
    if "area_code" in present:
        values["area_code"] = text(data.get("area_code"))
        if not Area.objects.filter(code=values["area_code"]).exists():
            errors.add(row, "area_code", _("no such area"), values["area_code"])
    for field, limit in (
        ("address", 200),
        ("contact_name", 32),
        ("contact_phone", 20),
        ("website", 200),
        ("description", 5000),
    ):
        if field in present:
            values[field] = text(data.get(field))
            if len(values[field]) > limit:
                errors.add(row, field, _("at most %(n)d characters") % {"n": limit}, values[field])
    if values.get("website") and not values["website"].startswith(("http://", "https://")):
        errors.add(row, "website", _("must start with http:// or https://"), values["website"])
    return None if len(errors.errors) > before else values


@transaction.atomic
def operator_create(*, actor: AnyUser | None, operator: OperatorIn) -> Operator:
    if actor is not None:
        require(actor, Perm.CATALOG_CHANGE)
    errors = RowErrors()
    values = operator_check(operator=operator, row=0, errors=errors)
    errors.raise_if_any("invalid", _("The operator was not saved."))
    assert values is not None
    created = Operator.objects.create(**values)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        on=created,
        fields=sorted(values),
    )
    return created


@transaction.atomic
def operator_update(*, actor: AnyUser | None, operator: Operator, changes: OperatorIn) -> Operator:
    """Change the fields set in `changes`."""
    if actor is not None:
        require(actor, Perm.CATALOG_CHANGE)
    errors = RowErrors()
    values = operator_check(operator=changes, row=0, errors=errors, instance=operator)
    errors.raise_if_any("invalid", _("The operator was not saved."))
    assert values is not None
    changed = sorted(k for k, v in values.items() if getattr(operator, k) != v)
    for field in changed:
        setattr(operator, field, values[field])
    if changed:
        operator.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            on=operator,
            fields=changed,
        )
    return operator
