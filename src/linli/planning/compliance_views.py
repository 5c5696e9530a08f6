"""The standards compliance page: choose an area, see every rule with its passing and failing areas.

The check runs directly in the request (the demo district takes about a second); the background job
`planning.compliance` is for scenarios and the API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from linli.areas import selectors as area_selectors
from linli.areas.enums import AreaLevel
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, require
from linli.facilities.models import FacilityType
from linli.planning.compliance import compliance_evaluate

# The engine's reasons (plain English: it has no Django) as the page says them.
ENGINE_REASONS = {
    "no residential points or walking network": gettext_lazy("no residential points or walking network"),
}


def _value_text(kind: str, value: float | None) -> str:
    if kind == "one_per_area":
        return str(int(value or 0))
    if kind == "max_residents_per_facility":
        return _("no facility") if value is None else f"{value:,.0f}"
    if kind == "circle_set":
        return f"{100 * (value or 0):.1f}%"
    return f"{value or 0:.1f}"


def _rule_rows(result: dict[str, Any], type_names: dict[str, str]) -> list[dict[str, Any]]:
    """The rules as the page shows them: title in the page's language, values as text, type names."""
    chinese = (get_language() or "zh-hans").startswith("zh")
    rows = []
    for rule in result["rules"]:
        kind = rule["kind"]
        for entry in rule["areas"]:
            entry["value_text"] = _value_text(kind, entry["value"])
            for item in entry["detail"].get("missing", []):
                item["type_name"] = type_names.get(item["type"], item["type"])
        for item in rule["summary"].get("missing", []):
            item["type_name"] = type_names.get(item["type"], item["type"])
        failing = {f["code"] for f in rule["failing"]}
        params = rule["parameters"]
        rows.append(
            {
                **rule,
                "title": rule["title_zh"] if chinese else rule["title_en"],
                "reason": str(ENGINE_REASONS.get(rule.get("reason") or "", rule.get("reason") or "")),
                "type_names": [type_names.get(t, t) for t in params.get("types", [])],
                "threshold_text": _value_text(kind, rule["areas"][0]["threshold"]) if rule["areas"] else "",
                "failing_rows": [e for e in rule["areas"] if e["code"] in failing],
            }
        )
    return rows


@login_required
def compliance_page(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.AREA_VIEW)
    choices = list(area_selectors.areas_visible(viewer=request.user).exclude(level=AreaLevel.VILLAGE).order_by("code"))
    roots = list(area_selectors.area_roots(viewer=request.user))
    choices += [r for r in roots if r not in choices]
    code = request.GET.get("area") or (roots[0].code if roots else "")
    if not code:
        raise ApplicationError("not_found", _("No area to check."), status=404)
    result = compliance_evaluate(viewer=request.user, area_code=code)
    type_names = dict(FacilityType.objects.values_list("code", "name"))
    return render(
        request,
        "planning/compliance.html",
        {"result": result, "rules": _rule_rows(result, type_names), "choices": choices, "code": code},
    )
