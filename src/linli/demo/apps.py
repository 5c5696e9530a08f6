from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "linli.demo"
    label = "demo"
    verbose_name = _("Demo district")

    def ready(self) -> None:
        from linli.demo import jobs  # noqa: F401  (registers the job handler)
        from linli.demo.users import register_sign_in_hint

        register_sign_in_hint()
