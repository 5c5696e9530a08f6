from django.contrib import admin

from linli.areas.models import Area, AreaPopulation
from linli.core.admin import ReadOnlyAdmin, ReadOnlyInline


class PopulationInline(ReadOnlyInline):
    model = AreaPopulation


@admin.register(Area)
class AreaAdmin(ReadOnlyAdmin):
    """Read-only: areas and their population are imported (Excel, GeoJSON) through the area services, which
    check the code hierarchy."""

    list_display = ("code", "name", "level", "kind", "households")
    list_filter = ("level", "kind")
    search_fields = ("code", "name")
    inlines = [PopulationInline]
