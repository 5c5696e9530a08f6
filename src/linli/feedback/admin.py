from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin
from linli.feedback.models import Need, Survey


@admin.register(Need)
class NeedAdmin(ReadOnlyAdmin):
    """Read-only: needs are proposed, supported and answered through the feedback services."""

    list_display = ("title", "area_code", "domain", "status", "created_at")
    list_filter = ("status", "domain")


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    """Read-only: surveys are built, opened and answered through the feedback services."""

    list_display = ("title", "area_code", "kind", "opens_on", "closes_on")
    list_filter = ("kind",)
