from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "linli.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.core import checks

        from linli.core.backup import secret_key_check

        checks.register(secret_key_check)
        import linli.core.panels  # noqa: F401  (workbench panels)
