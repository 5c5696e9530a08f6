from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin
from linli.planning.models import Network


@admin.register(Network)
class NetworkAdmin(ReadOnlyAdmin):
    """Read-only: a network is loaded from an OSM file by `linli network_load`, with its arrays on disk."""

    list_display = ("name", "area_code", "source", "nodes", "edges", "created_at")
