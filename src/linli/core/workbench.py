"""The workbench (工作台): the home page of a signed-in user is made of panels that apps register.

An app registers a panel in its `workbench.py` (imported from its `AppConfig.ready`):

    @workbench_panel("points.balance", title=_("My points"), template="points/panel_balance.html",
                     roles={Role.RESIDENT}, order=30)
    def balance_panel(request): return {"balance": ...}   # or None: nothing to show this user

The home view renders, for the user's role, every panel whose function returns a context, in `order`.
A panel reads through its app's selectors (scoped to the user) and stays small: counts, the next few items,
links to the full pages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

PanelContext = Callable[[HttpRequest], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Panel:
    key: str
    title: Any  # a gettext_lazy string
    template: str
    roles: frozenset[str]
    context: PanelContext
    order: int = 100


_PANELS: dict[str, Panel] = {}


def workbench_panel(
    key: str, *, title: Any, template: str, roles: Iterable[str], order: int = 100
) -> Callable[[PanelContext], PanelContext]:
    def register(fn: PanelContext) -> PanelContext:
        _PANELS[key] = Panel(key, title, template, frozenset(str(r) for r in roles), fn, order)
        return fn

    return register


def panels_for(request: HttpRequest) -> list[tuple[Panel, dict[str, Any]]]:
    """The panels this user sees, each with its context, in order."""
    user = request.user
    if not user.is_authenticated:
        return []
    role = "superuser" if user.is_superuser else str(user.role)
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        if role not in panel.roles and not (user.is_superuser and "district_admin" in panel.roles):
            continue
        context = panel.context(request)
        if context is not None:
            shown.append((panel, context))
    return shown
