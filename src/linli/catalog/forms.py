"""Forms of the catalogue pages: render and collect only; the services check (see `facilities.forms`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.areas.enums import AgeGroup
from linli.catalog.enums import Domain, FeeType, ServiceClass, TargetGroup
from linli.catalog.inputs import FacilityTypeIn, ServiceItemIn, TierStandardIn
from linli.catalog.models import ServiceItem, TierStandard
from linli.facilities.enums import FacilityFamily, LivingCircle, Setting
from linli.facilities.forms import (
    OpenChoiceField,
    OpenMultipleChoiceField,
    RegistryForm,
    number_input,
    set_choices,
    type_choices,
)
from linli.facilities.models import FacilityType


def checkboxes(label: Any, choices: Any = ()) -> OpenMultipleChoiceField:
    return OpenMultipleChoiceField(label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple)


def _blank(value: Any) -> str:
    return "" if value is None else str(value)


class ItemFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    domain = forms.ChoiceField(label=_("Domain"), required=False, choices=[("", _("all")), *Domain.choices])


class ServiceItemForm(RegistryForm):
    """The fields of `catalog.services.ITEM_FIELDS`. The code of a saved item is fixed."""

    required_fields = ("code", "name", "domain")

    code = forms.CharField(label=_("Code"), required=False, max_length=64)
    name = forms.CharField(label=_("Name"), required=False, max_length=100)
    domain = OpenChoiceField(label=_("Domain"), required=False, choices=[("", ""), *Domain.choices])
    service_class = OpenChoiceField(label=_("Service class"), required=False, choices=ServiceClass.choices)
    content = forms.CharField(label=_("Content"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    duration_minutes = forms.CharField(label=_("Duration (minutes)"), required=False, widget=number_input())
    frequency = forms.CharField(label=_("Frequency"), required=False, max_length=64)
    facility_requirement = forms.CharField(label=_("Facility requirement"), required=False, max_length=200)
    equipment = forms.CharField(label=_("Equipment"), required=False, max_length=200)
    staffing = forms.CharField(label=_("Staffing"), required=False, max_length=200)
    target_groups = checkboxes(_("Target groups"), TargetGroup.choices)
    min_age = forms.CharField(label=_("Minimum age"), required=False, widget=number_input(max=120))
    max_age = forms.CharField(label=_("Maximum age"), required=False, widget=number_input(max=120))
    fee_type = OpenChoiceField(label=_("Fee"), required=False, choices=FeeType.choices)
    fee_amount = forms.CharField(label=_("Fee amount (yuan)"), required=False, widget=number_input(step="0.01"))
    fee_unit = forms.CharField(label=_("Fee unit"), required=False, max_length=32)
    host_types = checkboxes(_("Facility types that can host it"))

    def __init__(self, *args: Any, instance: ServiceItem | None = None, **kwargs: Any) -> None:
        if instance is not None:
            initial: dict[str, Any] = {name: _blank(getattr(instance, name)) for name in self.base_fields}
            initial["target_groups"] = list(instance.target_groups)
            initial["host_types"] = [t.code for t in instance.host_types.all()]
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.instance = instance
        set_choices(self, "host_types", type_choices())
        if instance is not None:
            self.fields["code"].disabled = True

    def service_input(self) -> ServiceItemIn:
        """What was typed, for `service_item_create` (every field) or `service_item_update` (the changes)."""
        if self.instance is None:
            return ServiceItemIn.parse({name: self.cleaned_data.get(name) for name in self.fields})
        return ServiceItemIn.parse(self.changed_values())


class FacilityTypeForm(RegistryForm):
    """A facility type (`standards.TYPE_FIELDS`) and its tier standard (`standards.STANDARD_FIELDS`)."""

    required_fields = ("name", "family")
    type_fields = (
        "name", "name_en", "family", "tier", "setting", "living_circle", "service_radius_m", "domains", "age_groups",
        "has_beds", "sort_order", "description",
    )  # fmt: skip
    standard_fields = (
        "required_domains", "min_domains", "required_items", "min_floor_area_m2", "recommended_floor_area_m2",
        "min_staff", "source",
    )  # fmt: skip

    name = forms.CharField(label=_("Name"), required=False, max_length=64)
    name_en = forms.CharField(label=_("English name"), required=False, max_length=100)
    family = OpenChoiceField(label=_("Family"), required=False, choices=[("", ""), *FacilityFamily.choices])
    tier = forms.CharField(label=_("Tier"), required=False, max_length=32)
    setting = OpenChoiceField(label=_("Urban / rural"), required=False, choices=Setting.choices)
    living_circle = OpenChoiceField(
        label=_("Living circle"), required=False, choices=[("", "-"), *LivingCircle.choices]
    )
    service_radius_m = forms.CharField(label=_("Service radius (m)"), required=False, widget=number_input())
    domains = checkboxes(_("Service domains"), Domain.choices)
    age_groups = checkboxes(_("Age groups served"), AgeGroup.choices)
    has_beds = forms.BooleanField(label=_("Has beds"), required=False)
    sort_order = forms.CharField(label=_("Order"), required=False, widget=number_input())
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    required_domains = checkboxes(_("Required domains"), Domain.choices)
    min_domains = forms.CharField(label=_("At least this many domains"), required=False, widget=number_input(max=6))
    required_items = checkboxes(_("Required items"))
    min_floor_area_m2 = forms.CharField(label=_("Minimum floor area (m²)"), required=False, widget=number_input())
    recommended_floor_area_m2 = forms.CharField(
        label=_("Recommended floor area (m²)"), required=False, widget=number_input()
    )
    min_staff = forms.CharField(label=_("Minimum staff"), required=False, widget=number_input())
    source = forms.CharField(label=_("Source"), required=False, max_length=200)

    def __init__(self, *args: Any, instance: FacilityType, standard: TierStandard | None, **kwargs: Any) -> None:
        initial: dict[str, Any] = {name: _blank(getattr(instance, name)) for name in self.type_fields}
        initial.update(domains=list(instance.domains), age_groups=list(instance.age_groups), has_beds=instance.has_beds)
        if standard is not None:
            initial.update({name: _blank(getattr(standard, name)) for name in self.standard_fields})
            initial["required_domains"] = list(standard.required_domains)
            initial["required_items"] = [i.code for i in standard.required_items.all()]
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.instance, self.standard = instance, standard
        items = instance.service_items.order_by("domain", "code")
        set_choices(self, "required_items", [(i.code, i.name) for i in items])
        self.fields["required_items"].help_text = _("Only items this type can host are listed.")

    def type_changes(self) -> FacilityTypeIn:
        return FacilityTypeIn.parse({k: v for k, v in self.changed_values().items() if k in self.type_fields})

    def standard_changes(self) -> TierStandardIn:
        """The standard's changed fields; all of them when the type has no standard yet."""
        if self.standard is None:
            return TierStandardIn.parse({name: self.cleaned_data.get(name) for name in self.standard_fields})
        return TierStandardIn.parse({k: v for k, v in self.changed_values().items() if k in self.standard_fields})


class OfferingForm(forms.Form):
    """One service item offered by a facility. `item` is any item code: the service refuses those the
    facility's type cannot host, naming why."""

    item = forms.CharField(label=_("Service item"), widget=forms.Select)
    schedule = forms.CharField(label=_("Schedule"), required=False, max_length=200)
    fee_type = OpenChoiceField(label=_("Fee"), required=False)
    fee_amount = forms.DecimalField(
        label=_("Fee amount (yuan)"), required=False, min_value=0, max_digits=8, decimal_places=2
    )

    def __init__(self, *args: Any, facility_type: FacilityType, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = facility_type.service_items.order_by("domain", "code")
        self.fields["item"].widget.choices = [(i.code, f"{i.name} · {i.get_domain_display()}") for i in items]
        set_choices(self, "fee_type", [("", _("as the item")), *FeeType.choices])
