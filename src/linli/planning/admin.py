from django.contrib import admin

from linli.planning.models import Network


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ("name", "area_code", "source", "nodes", "edges", "created_at")
