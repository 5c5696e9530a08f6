from django.contrib import admin

from linli.catalog.models import Offering, ServiceItem, TierStandard
from linli.core.admin import ReadOnlyAdmin


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnlyAdmin):
    """Read-only: items and which facility types may host them change through the catalogue services."""

    list_display = ("code", "name", "domain", "service_class", "fee_type")
    list_filter = ("domain", "service_class", "fee_type")
    search_fields = ("code", "name")


@admin.register(Offering)
class OfferingAdmin(ReadOnlyAdmin):
    """Read-only: an offering is checked against its facility's type by the catalogue services."""

    list_display = ("facility", "item", "schedule", "active")
    list_filter = ("active", "item__domain")


@admin.register(TierStandard)
class TierStandardAdmin(ReadOnlyAdmin):
    """Read-only: tier standards come from the standards (`linli seed`) and the catalogue services."""

    list_display = ("facility_type", "min_domains", "min_floor_area_m2", "min_staff")
