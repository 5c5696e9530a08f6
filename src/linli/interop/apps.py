from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "linli.interop"
    label = "interop"
    verbose_name = _("Interoperability")

    def ready(self) -> None:
        from linli.interop import jobs  # noqa: F401  (registers the job handlers)
