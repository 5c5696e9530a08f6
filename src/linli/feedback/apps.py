from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "linli.feedback"
    label = "feedback"
    verbose_name = _("Needs, surveys and consultations (问需于民)")

    def ready(self) -> None:
        import linli.feedback.workbench  # noqa: F401  (workbench panels)
