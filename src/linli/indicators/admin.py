from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin
from linli.indicators.models import IndicatorTarget, Snapshot


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(ReadOnlyAdmin):
    """Read-only: targets are set through `services.target_set` (the API)."""

    list_display = ("code", "area_code", "year", "value", "note", "updated_at")
    list_filter = ("year", "code")
    search_fields = ("code", "area_code")


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    """Read-only: snapshots are written by `linli indicators_snapshot` and the nightly task."""

    list_display = ("date", "area_code", "code", "value", "numerator", "denominator", "computed_at")
    list_filter = ("date", "code")
    search_fields = ("area_code", "code")
