from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "linli.catalog"
    label = "catalog"
    verbose_name = _("Service catalogue (服务目录)")
