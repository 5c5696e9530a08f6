from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "linli.indicators"
    label = "indicators"
    verbose_name = _("Indicators and reports (指标与报告)")

    def ready(self) -> None:
        from linli.core.nav import NavItem, nav_register
        from linli.core.permissions import Perm, has_perm
        from linli.indicators import formulas, formulas_apps, jobs, workbench  # noqa: F401  (definitions, job handler, panel)

        nav_register(
            NavItem(
                key="indicators",
                label=_("Indicators"),
                url_name="indicators:dashboard",
                visible=lambda user: has_perm(user, Perm.INDICATOR_VIEW),
                order=80,
            )
        )
        nav_register(
            NavItem(
                key="open-data",
                label=_("Open data"),
                url_name="indicators:open-data",
                visible=lambda user: True,
                order=90,
            )
        )
