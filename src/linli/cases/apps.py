from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "linli.cases"
    label = "cases"
    verbose_name = _("Requests (办件)")

    def ready(self) -> None:
        import linli.cases.workbench  # noqa: F401  (workbench panels)
