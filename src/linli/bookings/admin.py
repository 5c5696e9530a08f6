from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from linli.bookings.models import Activity, KioskToken, Notification, Registration, Session, Venue, VenueBooking
from linli.core.admin import AuditedAdmin


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    fields = ("starts_at", "ends_at", "capacity", "waitlist_capacity", "confirmed", "waitlisted")
    # Capacities change through `services.session_update`, which checks them against the registrations.
    readonly_fields = fields
    can_delete = False


@admin.register(Activity)
class ActivityAdmin(AuditedAdmin):
    list_display = ("title", "facility", "domain", "area_code", "created_at")
    list_filter = ("domain",)
    search_fields = ("title", "area_code")
    raw_id_fields = ("facility", "item", "created_by")
    inlines = [SessionInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    """Read-only: registrations change only through the services, which keep the seat counters."""

    list_display = ("session", "resident", "persons", "status", "created_at", "checked_in_at")
    list_filter = ("status",)
    exclude = ("code_nonce", "code_hash", "short_code_hash")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "text", "created_at", "read")


@admin.register(Venue)
class VenueAdmin(AuditedAdmin):
    """Venues are set up by staff on the venue pages (`linli.bookings.venue_views`) or here; bookings go
    through the venue services."""

    list_display = ("name", "facility", "kind", "slot_minutes", "needs_approval", "active")
    list_filter = ("kind", "needs_approval", "active")
    raw_id_fields = ("facility",)


@admin.register(VenueBooking)
class VenueBookingAdmin(admin.ModelAdmin):
    """Read-only: bookings change only through the services, which hold the venue lock."""

    list_display = ("venue", "starts_at", "ends_at", "status", "group_name", "booker")
    list_filter = ("status",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(KioskToken)
class KioskTokenAdmin(admin.ModelAdmin):
    """Read-only: kiosk links are created and revoked on the facility's kiosk page, which audits both."""

    list_display = ("name", "facility", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    exclude = ("key_hash",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
