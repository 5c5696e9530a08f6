from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin
from linli.points.models import Account, CatalogueItem, FraudFlag, Lot, Redemption, Rule, Transfer


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    """Read-only: balances move only with transfers (the points services)."""

    list_display = ("pk", "kind", "area_code", "user", "operator", "balance")
    list_filter = ("kind",)


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    """Read-only, like the database: transfers are append-only; a mistake is corrected by a reversal."""

    list_display = ("pk", "key", "kind", "amount", "debit", "credit", "area_code", "occurred_at")
    list_filter = ("kind",)


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ("pk", "account", "amount", "remaining", "expires_at")


@admin.register(Rule)
class RuleAdmin(ReadOnlyAdmin):
    """Read-only: rules change on the rules page (which shows the changes first)."""

    list_display = ("area_code", "per_attendance", "per_hour", "daily_cap", "monthly_cap", "valid_days")


@admin.register(CatalogueItem)
class CatalogueItemAdmin(ReadOnlyAdmin):
    list_display = ("name", "area_code", "kind", "cost", "stock", "operator", "active")


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ("pk", "item", "area_code", "points", "status", "created_at", "collected_at")
    list_filter = ("status",)


@admin.register(FraudFlag)
class FraudFlagAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "area_code", "status", "found_at")
    list_filter = ("kind", "status")
