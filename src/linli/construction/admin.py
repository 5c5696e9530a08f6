from django.contrib import admin

from linli.construction.models import DelayReason, Funding, LandProcedure, Project, ProjectStage
from linli.core.admin import ReadOnlyAdmin, ReadOnlyInline


class StageInline(ReadOnlyInline):
    model = ProjectStage


class FundingInline(ReadOnlyInline):
    model = Funding


class LandInline(ReadOnlyInline):
    model = LandProcedure


class DelayInline(ReadOnlyInline):
    model = DelayReason


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    """Read-only: projects change through the construction services (stages in order, audited)."""

    list_display = ("name", "year", "facility_type", "area_code", "stage", "department")
    list_filter = ("year", "stage", "facility_type")
    search_fields = ("name", "department")
    inlines = [StageInline, FundingInline, LandInline, DelayInline]
