from django.contrib import admin

from linli.core.admin import AuditedAdmin
from linli.facilities.models import ConstructionTarget, Facility, FacilityType, OpeningException, OpeningRule, Operator


class OpeningRuleInline(admin.TabularInline):
    model = OpeningRule
    extra = 0


class OpeningExceptionInline(admin.TabularInline):
    model = OpeningException
    extra = 0


@admin.register(FacilityType)
class FacilityTypeAdmin(AuditedAdmin):
    list_display = ("code", "name", "family", "tier", "setting", "living_circle", "service_radius_m")
    list_filter = ("family", "setting")
    search_fields = ("code", "name", "name_en")


@admin.register(Facility)
class FacilityAdmin(AuditedAdmin):
    list_display = ("code", "name", "facility_type", "area_code", "status", "operation_model")
    list_filter = ("status", "operation_model", "facility_type")
    search_fields = ("code", "name", "address", "area_code")
    raw_id_fields = ("area", "operator")
    inlines = [OpeningRuleInline, OpeningExceptionInline]


@admin.register(Operator)
class OperatorAdmin(AuditedAdmin):
    list_display = ("name", "kind", "credit_code", "grade", "area_code")
    list_filter = ("kind", "grade")
    search_fields = ("name", "credit_code")


@admin.register(ConstructionTarget)
class ConstructionTargetAdmin(AuditedAdmin):
    list_display = ("year", "facility_type", "area_code", "target")
    list_filter = ("year", "facility_type")
    raw_id_fields = ("area",)
