from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "linli.indicators"
    label = "indicators"
    verbose_name = _("Indicators and reports (指标与报告)")
