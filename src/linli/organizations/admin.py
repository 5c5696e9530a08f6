from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin
from linli.organizations.models import HoursRecord, Incubation, Membership, Organization, Rating, Shift


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "track", "area_code", "state", "renewal_due")
    list_filter = ("kind", "state", "track")
    search_fields = ("name", "area_code")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("organization", "person", "role", "state")


@admin.register(Shift)
class ShiftAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "area_code", "starts_at", "places", "cancelled")


@admin.register(HoursRecord)
class HoursRecordAdmin(ReadOnlyAdmin):
    list_display = ("person", "shift", "hours", "kind", "replaces", "confirmed_at")


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("organization", "year", "stars", "score", "adjustment")


@admin.register(Incubation)
class IncubationAdmin(ReadOnlyAdmin):
    list_display = ("organization", "state", "startup_fund", "award_fund")
