from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from linli.core.admin import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline
from linli.facilities.models import ConstructionTarget, Facility, FacilityType, OpeningException, OpeningRule, Operator


class OpeningRuleInline(ReadOnlyInline):
    model = OpeningRule


class OpeningExceptionInline(ReadOnlyInline):
    model = OpeningException


@admin.register(FacilityType)
class FacilityTypeAdmin(ReadOnlyAdmin):
    """Read-only: facility types come from the standards (`linli seed`) and the catalogue services."""

    list_display = ("code", "name", "family", "tier", "setting", "living_circle", "service_radius_m")
    list_filter = ("family", "setting")
    search_fields = ("code", "name", "name_en")


@admin.register(Facility)
class FacilityAdmin(ReadOnlyAdmin):
    """Read-only: facilities, their opening hours and offerings change through the registry services."""

    list_display = ("code", "name", "facility_type", "area_code", "status", "operation_model")
    list_filter = ("status", "operation_model", "facility_type")
    search_fields = ("code", "name", "address", "area_code")
    inlines = [OpeningRuleInline, OpeningExceptionInline]


@admin.register(Operator)
class OperatorAdmin(ReadOnlyAdmin):
    """Read-only: operators are registered through the registry services (credit code checked there)."""

    list_display = ("name", "kind", "credit_code", "grade", "area_code")
    list_filter = ("kind", "grade")
    search_fields = ("name", "credit_code")


@admin.register(ConstructionTarget)
class ConstructionTargetAdmin(AuditedAdmin):
    """Targets are set on the construction pages (`/construction/targets/`, with a preview of old -> new and
    an Excel import) or here; every change is audited. The area code is the area's."""

    list_display = ("year", "facility_type", "area_code", "target")
    list_filter = ("year", "facility_type")
    raw_id_fields = ("area",)
    readonly_fields = ("area_code",)

    def save_model(self, request: HttpRequest, obj: ConstructionTarget, form: Any, change: bool) -> None:
        obj.area_code = obj.area.code
        super().save_model(request, obj, form, change)
