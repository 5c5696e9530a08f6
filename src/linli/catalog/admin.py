from django.contrib import admin

from linli.catalog.models import Offering, ServiceItem, TierStandard
from linli.core.admin import AuditedAdmin


@admin.register(ServiceItem)
class ServiceItemAdmin(AuditedAdmin):
    list_display = ("code", "name", "domain", "service_class", "fee_type")
    list_filter = ("domain", "service_class", "fee_type")
    search_fields = ("code", "name")
    filter_horizontal = ("host_types",)


@admin.register(Offering)
class OfferingAdmin(AuditedAdmin):
    list_display = ("facility", "item", "schedule", "active")
    list_filter = ("active", "item__domain")
    raw_id_fields = ("facility", "item")


@admin.register(TierStandard)
class TierStandardAdmin(AuditedAdmin):
    list_display = ("facility_type", "min_domains", "min_floor_area_m2", "min_staff")
    filter_horizontal = ("required_items",)
