from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "linli.procurement"
    label = "procurement"
    verbose_name = _("Purchase of services (政府购买服务)")

    def ready(self) -> None:
        from linli.procurement import nav, workbench  # noqa: F401  (registers the entries and panels)
