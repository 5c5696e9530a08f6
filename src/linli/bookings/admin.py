from django.contrib import admin

from linli.bookings.models import Activity, KioskToken, Notification, Registration, Session, Venue, VenueBooking
from linli.core.admin import ReadOnlyAdmin, ReadOnlyInline


class SessionInline(ReadOnlyInline):
    model = Session
    fields = ("starts_at", "ends_at", "capacity", "waitlist_capacity", "confirmed", "waitlisted")


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    """Read-only: activities and their sessions are published and changed through the booking services,
    which check capacities against the registrations."""

    list_display = ("title", "facility", "domain", "area_code", "created_at")
    list_filter = ("domain",)
    search_fields = ("title", "area_code")
    inlines = [SessionInline]


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ("activity", "starts_at", "capacity", "confirmed", "waitlisted", "area_code")


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    """Read-only: registrations change only through the services, which keep the seat counters."""

    list_display = ("session", "resident", "persons", "status", "created_at", "checked_in_at")
    list_filter = ("status",)
    exclude = ("code_nonce", "code_hash", "short_code_hash")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "text", "created_at", "read")


@admin.register(Venue)
class VenueAdmin(ReadOnlyAdmin):
    """Read-only: venues are set up by staff on the venue pages, through the venue services."""

    list_display = ("name", "facility", "kind", "slot_minutes", "needs_approval", "active")
    list_filter = ("kind", "needs_approval", "active")


@admin.register(VenueBooking)
class VenueBookingAdmin(ReadOnlyAdmin):
    """Read-only: bookings change only through the services, which hold the venue lock."""

    list_display = ("venue", "starts_at", "ends_at", "status", "group_name", "booker")
    list_filter = ("status",)


@admin.register(KioskToken)
class KioskTokenAdmin(ReadOnlyAdmin):
    """Read-only: kiosk links are created and revoked on the facility's kiosk page, which audits both."""

    list_display = ("name", "facility", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    exclude = ("key_hash",)
