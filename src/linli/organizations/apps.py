from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "linli.organizations"
    label = "organizations"
    verbose_name = _("Residents' organisations (三自组织)")
