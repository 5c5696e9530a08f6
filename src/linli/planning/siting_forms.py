"""Forms of the siting pages: they render fields and collect what was typed; the services check it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.errors import ApplicationError
from linli.planning.siting import MAX_K, MAX_TIME_LIMIT_S, siting_areas, siting_types

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

OBJECTIVE_CHOICES = [
    ("mclp", _("Cover the most residents within the distance (maximal covering)")),
    ("lscp", _("Cover everyone with the fewest sites (set covering)")),
    ("pmedian", _("Minimise the total walking distance (p-median)")),
]
CANDIDATE_CHOICES = [
    ("idle", _("Idle spaces (闲置空间)")),
    ("generated", _("Generated: network points on a 300 m grid")),
]


class SitingForm(forms.Form):
    area_code = forms.ChoiceField(label=_("Area"))
    facility_type = forms.ChoiceField(label=_("Facility type"))
    objective = forms.ChoiceField(label=_("Objective"), choices=OBJECTIVE_CHOICES, initial="mclp")
    k = forms.IntegerField(
        label=_("New sites (k)"),
        required=False,
        initial=5,
        min_value=1,
        max_value=MAX_K,
        help_text=_("for maximal covering and p-median"),
    )
    radius_m = forms.IntegerField(
        label=_("Walking distance (m)"),
        required=False,
        min_value=1,
        help_text=_("covered within this distance; empty: the type's service radius"),
    )
    candidates = forms.ChoiceField(label=_("Candidate sites"), choices=CANDIDATE_CHOICES, initial="idle")
    time_limit_s = forms.IntegerField(label=_("Time limit (s)"), initial=60, min_value=1, max_value=MAX_TIME_LIMIT_S)

    def __init__(self, *args: Any, viewer: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = siting_areas(viewer=viewer).order_by("code")
        self._set("area_code", [(a.code, f"{a.name} ({a.code})") for a in areas])
        self._set("facility_type", [(t.code, t.name) for t in siting_types()])

    def _set(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def service_args(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "area_code": data["area_code"],
            "facility_type_code": data["facility_type"],
            "objective": data["objective"],
            "k": data.get("k"),
            "radius_m": data.get("radius_m"),
            "candidates": data["candidates"],
            "time_limit_s": data["time_limit_s"],
        }

    def show_errors(self, exc: ApplicationError) -> None:
        if exc.status != 400:
            raise exc
        items = exc.extra.get("errors") or [{"field": exc.extra.get("field"), "message": exc.message}]
        aliases = {"facility_type_code": "facility_type"}
        for item in items:
            field = aliases.get(item.get("field") or "", item.get("field"))
            self.add_error(field if field in self.fields else None, str(item["message"]))
