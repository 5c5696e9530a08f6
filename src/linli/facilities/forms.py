"""Forms of the registry pages. They only render fields and collect what was typed: every check is done by
the services, whose problems `show_errors` puts back next to the fields they name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.areas.enums import AreaLevel
from linli.areas.selectors import areas_visible
from linli.core.errors import ApplicationError
from linli.facilities.enums import (
    Accessibility,
    ConstructionStatus,
    OperationModel,
    OperatorKind,
    OrgGrade,
)
from linli.facilities.inputs import FacilityIn, OperatorIn
from linli.facilities.models import Facility, OpeningException, Operator
from linli.facilities.selectors import facility_types, operators_visible
from linli.facilities.services import COUNT_FIELDS

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

CRS_CHOICES = [("wgs84", _("WGS-84 (GPS)")), ("gcj02", _("GCJ-02 (高德/腾讯 maps)"))]
# Fields that describe one location: sent together whenever one of them changes.
LOCATION_FIELDS = ("lon", "lat", "crs")


def show_errors(form: forms.Form, exc: ApplicationError) -> None:
    """Put every problem of a refused change next to the field it names (or above the form). Anything but a
    refused input (403, 404 …) is raised again for the error page."""
    if exc.status != 400:
        raise exc
    items = exc.extra.get("errors") or [{"field": exc.extra.get("field"), "message": exc.message}]
    for item in items:
        field = item.get("field")
        form.add_error(field if field in form.fields else None, str(item["message"]))


def set_choices(form: forms.Form, name: str, choices: Any) -> None:
    """Give a choice field of `form` its options (known only at run time)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def text_input(**attrs: Any) -> forms.TextInput:
    return forms.TextInput(attrs=attrs)


def number_input(**attrs: Any) -> forms.NumberInput:
    return forms.NumberInput(attrs={"min": 0, **attrs})


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


def area_choices(viewer: AnyUser, levels: tuple[str, ...], extra: str | None = None) -> list[tuple[str, str]]:
    """Areas of `levels` in the viewer's scope as (code, "name code"); `extra` is kept if given."""
    areas = areas_visible(viewer=viewer).filter(Q(level__in=levels) | Q(code=extra or "")).order_by("code")
    return [(a.code, f"{a.name} · {a.code}") for a in areas]


def type_choices() -> list[tuple[str, str]]:
    return [(t.code, t.name if not t.tier or t.tier in t.name else f"{t.name} ({t.tier})") for t in facility_types()]


class OpenChoiceField(forms.ChoiceField):
    """A select whose value the service checks, so that its message says what is wrong."""

    def valid_value(self, value: Any) -> bool:
        return True


class OpenMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes whose values the service checks."""

    def valid_value(self, value: Any) -> bool:
        return True


class RegistryForm(forms.Form):
    """A form whose fields are all optional to Django (the service says what is missing) but marked
    `required` in the page where the service needs them."""

    required_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.required_fields:
            self.fields[name].widget.attrs["required"] = True

    def changed_values(self, group: tuple[str, ...] = ()) -> dict[str, Any]:
        """What the user changed (for an update), with every field of `group` when one of them changed."""
        changed = set(self.changed_data)
        if changed & set(group):
            changed |= set(group)
        return {name: self.cleaned_data.get(name) for name in self.fields if name in changed}


class FacilityFilterForm(forms.Form):
    """The filters of the facility list."""

    q = forms.CharField(label=_("Search"), required=False, widget=text_input(type="search"))
    type = forms.ChoiceField(label=_("Type"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)

    def __init__(self, *args: Any, viewer: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anything = ("", _("all"))
        set_choices(self, "type", [anything, *type_choices()])
        set_choices(self, "status", [anything, *ConstructionStatus.choices])
        set_choices(self, "area", [anything, *area_choices(viewer, (AreaLevel.TOWN, AreaLevel.VILLAGE))])

    def filters(self) -> dict[str, str | None]:
        """The filters given, for `selectors.facilities_filtered` (values the form refused are left out)."""
        if not self.is_valid():
            return {}
        return {name: self.cleaned_data[name] or None for name in ("type", "status", "area", "q")}


class FacilityForm(RegistryForm):
    """The fields of `services.FACILITY_FIELDS`; type and operator by code, area by 12-digit code."""

    required_fields = ("code", "name", "type", "area_code", "lon", "lat")

    code = forms.CharField(label=_("Facility code"), required=False, max_length=32)
    name = forms.CharField(label=_("Name"), required=False, max_length=100)
    type = OpenChoiceField(label=_("Type"), required=False)
    area_code = OpenChoiceField(label=_("Area"), required=False)
    lon = forms.CharField(label=_("Longitude"), required=False, widget=text_input(inputmode="decimal"))
    lat = forms.CharField(label=_("Latitude"), required=False, widget=text_input(inputmode="decimal"))
    crs = OpenChoiceField(
        label=_("Coordinates from"), choices=CRS_CHOICES, initial="wgs84", required=False, widget=forms.RadioSelect
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    floor_area_m2 = forms.CharField(label=_("Floor area (m²)"), required=False, widget=number_input())
    capacity = forms.CharField(label=_("Capacity (persons at once)"), required=False, widget=number_input())
    beds = forms.CharField(label=_("Beds"), required=False, widget=number_input())
    served_persons = forms.CharField(label=_("Registered users"), required=False, widget=number_input())
    staff_count = forms.CharField(label=_("Staff"), required=False, widget=number_input())
    operation_model = OpenChoiceField(
        label=_("Operation model"), choices=OperationModel.choices, initial=OperationModel.GOVERNMENT, required=False
    )
    operator = OpenChoiceField(label=_("Operator"), required=False)
    status = OpenChoiceField(
        label=_("Status"), choices=ConstructionStatus.choices, initial=ConstructionStatus.BUILT, required=False
    )
    planned_on = forms.CharField(label=_("Planned on"), required=False, widget=date_input())
    approved_on = forms.CharField(label=_("Approved on"), required=False, widget=date_input())
    construction_started_on = forms.CharField(label=_("Construction started on"), required=False, widget=date_input())
    completed_on = forms.CharField(label=_("Completed on"), required=False, widget=date_input())
    closed_on = forms.CharField(label=_("Closed on"), required=False, widget=date_input())
    accessibility = OpenMultipleChoiceField(
        label=_("Accessibility"), choices=Accessibility.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    closed_on_public_holidays = forms.BooleanField(label=_("Closed on public holidays"), required=False)
    phone = forms.CharField(label=_("Facility phone"), required=False, max_length=20)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, viewer: AnyUser, instance: Facility | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault("initial", facility_initial(instance))
        super().__init__(*args, **kwargs)
        self.instance = instance
        set_choices(self, "type", [("", ""), *type_choices()])
        areas = area_choices(viewer, (AreaLevel.TOWN, AreaLevel.VILLAGE), instance.area_code if instance else None)
        set_choices(self, "area_code", [("", ""), *areas])
        operators = operators_visible(viewer=viewer).exclude(credit_code=None)
        set_choices(self, "operator", [("", _("none")), *((o.credit_code, o.name) for o in operators)])
        self.fields["operator"].help_text = _("Operators are chosen by their credit code.")

    def service_input(self) -> FacilityIn:
        """What was typed, for `facility_create` (every field) or `facility_update` (the fields changed)."""
        if self.instance is None:
            return FacilityIn.parse({name: self.cleaned_data.get(name) for name in self.fields})
        return FacilityIn.parse(self.changed_values(LOCATION_FIELDS))


def _blank(value: Any) -> str:
    return "" if value is None else str(value)


def facility_initial(facility: Facility) -> dict[str, Any]:
    """The form's values of a stored facility, as strings the way the page sends them back."""
    values: dict[str, Any] = {
        "code": facility.code,
        "name": facility.name,
        "type": facility.facility_type.code,
        "area_code": facility.area_code,
        "lon": str(facility.lon),
        "lat": str(facility.lat),
        "crs": "wgs84",
        "operation_model": facility.operation_model,
        "operator": facility.operator.credit_code if facility.operator and facility.operator.credit_code else "",
        "status": facility.status,
        "accessibility": list(facility.accessibility),
        "closed_on_public_holidays": facility.closed_on_public_holidays,
    }
    for name in ("address", "phone", "description", *COUNT_FIELDS):
        values[name] = _blank(getattr(facility, name))
    for name in ("planned_on", "approved_on", "construction_started_on", "completed_on", "closed_on"):
        day = getattr(facility, name)
        values[name] = day.isoformat() if day else ""
    return values


# Opening hours ----------------------------------------------------------------------------------------


def _time(value: Any) -> str:
    return value.strftime("%H:%M") if value else ""


class HoursForm:
    """Weekly rules and dated exceptions as numbered rows (`rule-3-opens`, `exc-1-closed` …). Blank rows are
    left out; `errors_by_row` puts the service's problems ("opening_hours[2]") back on the row typed."""

    blank_rules = 7
    blank_exceptions = 3

    def __init__(self, facility: Facility, posted: Mapping[str, Any] | None = None) -> None:
        self.facility = facility
        self.posted = posted
        self.rule_errors: dict[int, list[str]] = {}
        self.exception_errors: dict[int, list[str]] = {}
        self.errors: list[str] = []
        if posted is None:
            self.rules = [
                {"weekday": str(r.weekday), "opens": _time(r.opens), "closes": _time(r.closes)}
                for r in facility.opening_rules.all()
            ]
            self.rules += [{"weekday": str(i % 7), "opens": "", "closes": ""} for i in range(self.blank_rules)]
            self.exceptions = [_exception_row(e) for e in facility.opening_exceptions.all()]
            self.exceptions += [_exception_row(None) for _ in range(self.blank_exceptions)]
        else:
            self.rules = [
                {key: str(posted.get(f"rule-{i}-{key}", "")).strip() for key in ("weekday", "opens", "closes")}
                for i in range(_count(posted, "rule-count"))
            ]
            self.exceptions = [
                {
                    "date": str(posted.get(f"exc-{i}-date", "")).strip(),
                    "closed": bool(posted.get(f"exc-{i}-closed")),
                    "opens": str(posted.get(f"exc-{i}-opens", "")).strip(),
                    "closes": str(posted.get(f"exc-{i}-closes", "")).strip(),
                    "reason": str(posted.get(f"exc-{i}-reason", "")).strip(),
                }
                for i in range(_count(posted, "exc-count"))
            ]
        # Which typed row each rule and exception given to the service came from.
        self.rule_rows = [i for i, r in enumerate(self.rules) if r["opens"] or r["closes"]]
        self.exception_rows = [i for i, e in enumerate(self.exceptions) if e["date"]]

    def service_rules(self) -> list[dict[str, Any]]:
        return [self.rules[i] for i in self.rule_rows]

    def service_exceptions(self) -> list[dict[str, Any]]:
        return [self.exceptions[i] for i in self.exception_rows]

    def show_errors(self, exc: ApplicationError) -> None:
        if exc.status != 400:
            raise exc
        for item in exc.extra.get("errors", []):
            field, message = str(item.get("field", "")), str(item["message"])
            name, _sep, index = field.rstrip("]").partition("[")
            if name == "opening_hours" and index.isdigit():
                self.rule_errors.setdefault(self.rule_rows[int(index) - 1], []).append(message)
            elif name == "exceptions" and index.isdigit():
                self.exception_errors.setdefault(self.exception_rows[int(index) - 1], []).append(message)
            else:
                self.errors.append(message)
        if not (self.errors or self.rule_errors or self.exception_errors):
            self.errors.append(str(exc.message))

    @property
    def rule_rows_shown(self) -> list[tuple[int, dict[str, Any], list[str]]]:
        return [(i, rule, self.rule_errors.get(i, [])) for i, rule in enumerate(self.rules)]

    @property
    def exception_rows_shown(self) -> list[tuple[int, dict[str, Any], list[str]]]:
        return [(i, row, self.exception_errors.get(i, [])) for i, row in enumerate(self.exceptions)]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.rule_errors or self.exception_errors)


def _count(posted: Mapping[str, Any], key: str) -> int:
    try:
        return max(0, min(int(posted.get(key, 0)), 200))
    except (TypeError, ValueError):
        return 0


def _exception_row(exception: OpeningException | None) -> dict[str, Any]:
    if exception is None:
        return {"date": "", "closed": True, "opens": "", "closes": "", "reason": ""}
    return {
        "date": exception.date.isoformat(),
        "closed": exception.closed,
        "opens": _time(exception.opens),
        "closes": _time(exception.closes),
        "reason": exception.reason,
    }


# Operators ------------------------------------------------------------------------------


class OperatorForm(RegistryForm):
    """The fields of `services.OPERATOR_FIELDS`."""

    required_fields = ("name", "kind", "area_code")

    name = forms.CharField(label=_("Name"), required=False, max_length=100)
    kind = OpenChoiceField(label=_("Kind"), required=False)
    credit_code = forms.CharField(
        label=_("Unified social credit code"), required=False, max_length=18, widget=text_input(autocomplete="off")
    )
    grade = OpenChoiceField(label=_("Social-organisation grade"), required=False)
    area_code = OpenChoiceField(label=_("Registered area"), required=False)
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=32)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=20)
    website = forms.CharField(label=_("Website"), required=False, max_length=200, widget=text_input(type="url"))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, viewer: AnyUser, instance: Operator | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault("initial", {name: _blank(getattr(instance, name)) for name in self.base_fields})
        super().__init__(*args, **kwargs)
        self.instance = instance
        set_choices(self, "kind", [("", ""), *OperatorKind.choices])
        set_choices(self, "grade", [("", _("none")), *OrgGrade.choices])
        levels = (AreaLevel.COUNTY, AreaLevel.TOWN, AreaLevel.VILLAGE)
        areas = area_choices(viewer, levels, instance.area_code if instance else None)
        set_choices(self, "area_code", [("", ""), *areas])

    def service_input(self) -> OperatorIn:
        """What was typed, for `operator_create` (every field) or `operator_update` (the fields changed)."""
        if self.instance is None:
            return OperatorIn.parse({name: self.cleaned_data.get(name) for name in self.fields})
        return OperatorIn.parse(self.changed_values())
