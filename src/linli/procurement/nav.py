"""The navigation entries of the purchase of services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from linli.core.enums import Role
from linli.core.nav import NavItem, nav_register
from linli.core.permissions import Perm, has_perm

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


def _operator_account(user: AnyUser) -> bool:
    """An operator's account that acts for an operator (the workspace shows nothing otherwise)."""
    from linli.procurement.models import OperatorAccount

    if not user.is_authenticated or user.role != Role.OPERATOR:
        return False
    return OperatorAccount.objects.filter(user_id=user.pk).exists()


def _evaluator(user: AnyUser) -> bool:
    return user.is_authenticated and user.role == Role.EVALUATOR


nav_register(
    NavItem(
        "procurement",
        _("Purchase of services"),
        "procurement:projects",
        lambda u: has_perm(u, Perm.PROCUREMENT_VIEW),
        60,
    )
)
nav_register(NavItem("procurement.workspace", _("My workspace"), "procurement:workspace", _operator_account, 60))
nav_register(NavItem("procurement.evaluations", _("My evaluations"), "procurement:evaluations", _evaluator, 60))
nav_register(NavItem("procurement.public", _("Public disclosure"), "procurement:public-list", lambda u: True, 95))
