from django.contrib import admin

from linli.cases.models import Consultation, RequestEvent, RequestType, ServiceRequest


@admin.register(RequestType)
class RequestTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "deadline_days", "department", "handling_level", "active", "public_listing")


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "action", "from_state", "to_state", "note", "detail")


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    list_display = ("pk", "request_type", "area_code", "state", "level", "deadline_at")
    list_filter = ("state", "level")
    inlines = [RequestEventInline]
    readonly_fields = ("state", "level", "deadline_at", "paused_at")


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ("pk", "area_code", "question", "is_faq")
