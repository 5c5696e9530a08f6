from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "linli.areas"
    label = "areas"
    verbose_name = _("Areas (行政区划)")

    def ready(self) -> None:
        from linli.areas import jobs  # noqa: F401  (registers the job handlers)
