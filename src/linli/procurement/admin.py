"""Back office, read-only: the rules live in the services. Bids are not registered at all (sealed until the
deadline, and after it read through the tender's page), nor anything that would show their content."""

from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin
from linli.procurement.models import (
    Contract,
    Evaluation,
    Expert,
    GuidanceItem,
    KpiObservation,
    OperatorAccount,
    OperatorProfile,
    OperatorSanction,
    Payment,
    Project,
    Rectification,
    Tender,
)


@admin.register(GuidanceItem)
class GuidanceItemAdmin(ReadOnlyAdmin):
    list_display = ("year", "code", "name", "domain", "price_min", "price_max")
    list_filter = ("year", "domain")


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ("title", "year", "domain", "area_code", "stage", "budget")
    list_filter = ("stage", "domain", "year")


@admin.register(Tender)
class TenderAdmin(ReadOnlyAdmin):
    list_display = ("project", "status", "opens_at", "closes_at")
    list_filter = ("status",)


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ("number", "project", "operator", "amount", "starts_on", "ends_on")


@admin.register(KpiObservation)
class KpiObservationAdmin(ReadOnlyAdmin):
    list_display = ("contract", "target", "month", "value", "attainment")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("contract", "milestone", "base", "amount", "withheld", "status")


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ("contract", "due_on", "status")


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ("contract", "kind", "evaluator", "due_on", "score", "signed_at")


@admin.register(Expert)
class ExpertAdmin(ReadOnlyAdmin):
    list_display = ("name", "organization", "active")


@admin.register(OperatorProfile)
class OperatorProfileAdmin(ReadOnlyAdmin):
    list_display = ("operator", "credit_level", "credit_score", "credit_computed_at")


@admin.register(OperatorSanction)
class OperatorSanctionAdmin(ReadOnlyAdmin):
    list_display = ("operator", "kind", "starts_on", "ends_on")


@admin.register(OperatorAccount)
class OperatorAccountAdmin(ReadOnlyAdmin):
    list_display = ("user", "operator")
