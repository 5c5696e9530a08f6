from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PointsConfig(AppConfig):
    name = "linli.points"
    label = "points"
    verbose_name = _("Volunteer points (积分)")

    def ready(self) -> None:
        from linli.core import appendonly as core_appendonly
        from linli.core.events import listen
        from linli.core.nav import NavItem, nav_register
        from linli.core.permissions import Perm, has_perm
        from linli.points import appendonly, jobs, minting, workbench  # noqa: F401  (registers)

        listen("bookings.checked_in")(minting.on_checked_in)
        listen("organizations.hours_confirmed")(minting.on_hours_confirmed)
        listen("organizations.hours_withdrawn")(minting.on_hours_withdrawn)
        if (appendonly.lock, appendonly.unlock) not in core_appendonly.GUARDS:
            core_appendonly.GUARDS.append((appendonly.lock, appendonly.unlock))
        nav_register(
            NavItem(
                key="points",
                label=pgettext_lazy("points ledger", "Points"),
                url_name="points:home",
                visible=lambda user: user.is_authenticated and not has_perm(user, Perm.POINTS_MANAGE),
                order=40,
            )
        )
        nav_register(
            NavItem(
                key="points-manage",
                label=pgettext_lazy("points ledger", "Points"),
                url_name="points:manage",
                visible=lambda user: has_perm(user, Perm.POINTS_MANAGE),
                order=40,
            )
        )
