"""The navigation entries of the purchase of services."""

from django.utils.translation import gettext_lazy as _

from linli.core.enums import Role
from linli.core.nav import NavItem, nav_register
from linli.core.permissions import Perm, has_perm

nav_register(
    NavItem(
        "procurement",
        _("Purchase of services"),
        "procurement:projects",
        lambda u: has_perm(u, Perm.PROCUREMENT_VIEW),
        60,
    )
)
nav_register(
    NavItem(
        "procurement.workspace",
        _("My workspace"),
        "procurement:workspace",
        lambda u: u.is_authenticated and u.role == Role.OPERATOR,
        60,
    )
)
nav_register(
    NavItem(
        "procurement.evaluations",
        _("My evaluations"),
        "procurement:evaluations",
        lambda u: u.is_authenticated and u.role == Role.EVALUATOR,
        60,
    )
)
nav_register(NavItem("procurement.public", _("Public disclosure"), "procurement:public-list", lambda u: True, 95))
