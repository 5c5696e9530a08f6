from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConstructionConfig(AppConfig):
    name = "linli.construction"
    label = "construction"
    verbose_name = _("Construction projects (载体建设)")

    def ready(self) -> None:
        from linli.construction import workbench  # noqa: F401  (registers the panel)
        from linli.core.nav import NavItem, nav_register
        from linli.core.permissions import Perm, has_perm

        nav_register(
            NavItem(
                key="construction",
                label=_("Construction"),
                url_name="construction:board",
                visible=lambda user: has_perm(user, Perm.CONSTRUCTION_VIEW),
                order=60,
            )
        )
