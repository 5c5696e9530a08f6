"""Navigation entries of the apps that register their own (organizations, points, procurement,
construction, indicators...). Each app calls `nav_register` in its `AppConfig.ready`; `base.html` shows the
entries the signed-in user may use, in `order`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.urls import reverse

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any  # a gettext_lazy string
    url_name: str
    visible: Callable[[AnyUser], bool]
    order: int = 100


_ITEMS: dict[str, NavItem] = {}


def nav_register(item: NavItem) -> None:
    _ITEMS[item.key] = item


def nav_items(user: AnyUser) -> list[dict[str, Any]]:
    items = sorted(_ITEMS.values(), key=lambda i: (i.order, i.key))
    return [{"key": i.key, "label": i.label, "url": reverse(i.url_name)} for i in items if i.visible(user)]
