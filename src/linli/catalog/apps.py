from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "linli.catalog"
    label = "catalog"
    verbose_name = _("Service catalogue (服务目录)")

    def ready(self) -> None:
        # facilities cannot import catalog: the rule "a type may host what its facilities offer" is handed
        # down to the facility checks here.
        from linli.catalog.hosting import type_change_problems
        from linli.facilities.services import TYPE_CHANGE_CHECKS

        if type_change_problems not in TYPE_CHANGE_CHECKS:
            TYPE_CHANGE_CHECKS.append(type_change_problems)
        import linli.catalog.workbench  # noqa: F401  (workbench panels)
