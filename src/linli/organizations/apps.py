from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "linli.organizations"
    label = "organizations"
    verbose_name = _("Residents' organisations (三自组织)")

    def ready(self) -> None:
        from linli.core.nav import NavItem, nav_register
        from linli.organizations import workbench  # noqa: F401  (registers the panels)

        nav_register(
            NavItem(
                key="organizations",
                label=_("Organisations"),
                url_name="organizations:home",
                visible=lambda user: user.is_authenticated,
                order=20,
            )
        )
