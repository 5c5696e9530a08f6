from django.contrib import admin

from linli.cases.models import Consultation, RequestEvent, RequestType, ServiceRequest
from linli.core.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(RequestType)
class RequestTypeAdmin(ReadOnlyAdmin):
    """Read-only: request types (deadlines, handling level) change through the request-type services."""

    list_display = ("code", "name", "deadline_days", "department", "handling_level", "active", "public_listing")


class RequestEventInline(ReadOnlyInline):
    model = RequestEvent
    readonly_fields = ("at", "actor", "action", "from_state", "to_state", "note", "detail")


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ReadOnlyAdmin):
    """Read-only: a request moves through its states (and deadlines) only through the request services."""

    list_display = ("pk", "request_type", "area_code", "state", "level", "deadline_at")
    list_filter = ("state", "level")
    inlines = [RequestEventInline]


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    """Read-only: consultations are asked, answered and published through the services."""

    list_display = ("pk", "area_code", "question", "is_faq")
