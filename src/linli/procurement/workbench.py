"""Workbench panels: the district buyer's contracts at risk and evaluations due; the operator's orders to
answer and open tenders; the evaluator's evaluations to sign."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.enums import Role
from linli.core.permissions import Perm, has_perm
from linli.core.workbench import workbench_panel
from linli.procurement import selectors, services


@workbench_panel(
    "procurement.buyer", title=_("Purchase of services"), template="procurement/panel_buyer.html",
    roles={Role.DISTRICT_ADMIN, Role.TOWN_STAFF, Role.AUDITOR}, order=40,
)  # fmt: skip
def buyer_panel(request: HttpRequest) -> dict[str, Any] | None:
    if not has_perm(request.user, Perm.PROCUREMENT_VIEW):
        return None
    due = selectors.evaluations_assigned(viewer=request.user).filter(
        signed_at__isnull=True, due_on__lte=timezone.localdate() + dt.timedelta(days=30)
    )
    return {"at_risk": selectors.contracts_at_risk(viewer=request.user)[:8], "due": list(due[:8])}


@workbench_panel(
    "procurement.operator",
    title=_("My contracts"),
    template="procurement/panel_operator.html",
    roles={Role.OPERATOR},
    order=20,
)
def operator_panel(request: HttpRequest) -> dict[str, Any] | None:
    operator = services.operator_of(request.user)
    if operator is None:
        return None
    contracts = list(selectors.contracts_visible(viewer=request.user))
    orders = [r for c in contracts for r in selectors.rectifications_of(c) if r.status == "open"]
    tenders = [t for t, problem in selectors.tenders_open_for(operator=operator) if problem is None]
    return {"contracts": contracts[:8], "orders": orders[:8], "tenders": tenders[:8]}


@workbench_panel(
    "procurement.evaluator", title=_("Evaluations to sign"), template="procurement/panel_evaluator.html",
    roles={Role.EVALUATOR}, order=20,
)  # fmt: skip
def evaluator_panel(request: HttpRequest) -> dict[str, Any] | None:
    todo = selectors.evaluations_assigned(viewer=request.user).filter(signed_at__isnull=True)
    return {"todo": list(todo[:8])}
