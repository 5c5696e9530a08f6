"""The scenario form: an area in scope, a walking speed, and per facility type a tick, a living circle and
(for a custom circle) the metres. The service checks everything; the form only gathers and shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.areas.enums import AreaLevel
from linli.areas.selectors import areas_visible
from linli.core.errors import ApplicationError
from linli.planning.models import ScenarioRule
from linli.planning.selectors import facility_type_options
from linli.planning.services import CIRCLE_DISTANCE_M, DEFAULT_WALKING_SPEED_MPS, RuleInput, walking_minutes

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


class ScenarioForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    area_code = forms.ChoiceField(label=_("Area"))
    walking_speed_mps = forms.FloatField(
        label=_("Walking speed (m/s)"),
        initial=DEFAULT_WALKING_SPEED_MPS,
        widget=forms.NumberInput(attrs={"step": "0.001", "min": "0.3", "max": "3"}),
        help_text=_("1.333 m/s is 80 m a minute"),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, data: Any = None, *, viewer: AnyUser, initial_area: str | None = None) -> None:
        super().__init__(data, initial={"area_code": initial_area} if initial_area else None)
        areas = areas_visible(viewer=viewer).filter(level__in=[AreaLevel.COUNTY, AreaLevel.TOWN, AreaLevel.VILLAGE])
        indent: dict[str, str] = {AreaLevel.COUNTY: "", AreaLevel.TOWN: "· ", AreaLevel.VILLAGE: "· · "}
        field = self.fields["area_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(a.code, f"{indent.get(a.level, '')}{a.name} ({a.code})") for a in areas.order_by("code")]
        self.type_rows: list[dict[str, Any]] = []
        self.rule_errors: dict[str, list[str]] = {}
        circles = [(value, label) for value, label in ScenarioRule.Circle.choices]
        for option in facility_type_options():
            code = option["facility_type"].code
            self.fields[f"use_{code}"] = forms.BooleanField(required=False)
            self.fields[f"circle_{code}"] = forms.ChoiceField(
                choices=circles, initial=option["circle"], required=False, label=_("living circle")
            )
            self.fields[f"distance_{code}"] = forms.IntegerField(
                required=False,
                initial=option["distance_m"] if option["circle"] == ScenarioRule.Circle.CUSTOM else None,
                label=_("custom distance (m)"),
                widget=forms.NumberInput(attrs={"min": "1", "step": "10", "placeholder": "m"}),
            )
            self.type_rows.append({"type": option["facility_type"], "code": code})

    def circle_labels(self, speed: float = DEFAULT_WALKING_SPEED_MPS) -> list[dict[str, Any]]:
        return [
            {"circle": c, "distance_m": d, "minutes": walking_minutes(d, speed)} for c, d in CIRCLE_DISTANCE_M.items()
        ]

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                **row,
                "use": self[f"use_{row['code']}"],
                "circle": self[f"circle_{row['code']}"],
                "distance": self[f"distance_{row['code']}"],
                "errors": self.rule_errors.get(row["code"], []),
            }
            for row in self.type_rows
        ]

    def rules(self) -> list[RuleInput]:
        data = self.cleaned_data
        out: list[RuleInput] = []
        for row in self.type_rows:
            code = row["code"]
            if data.get(f"use_{code}"):
                rule: RuleInput = {"type": code, "circle": data.get(f"circle_{code}") or ""}
                if rule["circle"] == ScenarioRule.Circle.CUSTOM:
                    rule["distance_m"] = data.get(f"distance_{code}")
                out.append(rule)
        return out

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "area_code": data["area_code"],
            "walking_speed_mps": data["walking_speed_mps"],
            "description": data.get("description") or "",
            "rules": self.rules(),
        }

    def show_errors(self, exc: ApplicationError) -> None:
        """Put each refused item next to its field: `rules[i].x` next to the i-th ticked type."""
        if exc.status != 400:
            raise exc
        rules = self.rules() if hasattr(self, "cleaned_data") else []
        items = exc.extra.get("errors") or [{"field": exc.extra.get("field"), "message": exc.message}]
        for item in items:
            field, message = str(item.get("field") or ""), str(item["message"])
            if field.startswith("rules[") and "]" in field:
                index = int(field[6 : field.index("]")]) - 1
                code = rules[index]["type"] if 0 <= index < len(rules) else ""
                self.rule_errors.setdefault(code, []).append(message)
                self.add_error(None, message)
            else:
                self.add_error(field if field in self.fields else None, message)


class CompareForm(forms.Form):
    a = forms.IntegerField(label=_("Run A"))
    b = forms.IntegerField(label=_("Run B"))
