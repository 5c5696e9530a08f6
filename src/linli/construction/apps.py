from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConstructionConfig(AppConfig):
    name = "linli.construction"
    label = "construction"
    verbose_name = _("Construction projects (载体建设)")
