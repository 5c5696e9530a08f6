from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "linli.bookings"
    label = "bookings"
    verbose_name = _("Activities and bookings (活动与预约)")

    def ready(self) -> None:
        import linli.bookings.workbench  # noqa: F401  (workbench panels)
