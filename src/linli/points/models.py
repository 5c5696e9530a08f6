"""The points ledger (积分制): double-entry accounts and transfers, earn lots for first-in first-out expiry,
the rules that say what earns, each community's redemption catalogue, redemptions with one-time codes, and
fraud flags for staff review.

What the database itself guarantees (whoever writes, however many at once):
- a transfer moves a positive whole amount between two different accounts; its idempotency key is unique
  (the same event never earns twice); a reversal names the transfer it reverses, at most one reversal each,
  and only reversals name one;
- transfers are append-only: the model and queryset refuse changes, and triggers (`points/appendonly.py`)
  refuse UPDATE and DELETE below the ORM;
- a resident's, a settlement and the expiry account never go below zero, an issuing account never above;
- stock never goes below zero, an earn lot's remainder stays between 0 and its amount.
The services keep every balance in step with its movements in the same transaction, taking row locks in one
fixed order (accounts by id, then the catalogue item); `linli points_verify` checks the rest.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from linli.core.models import AreaOwned, TimeStampedModel
from linli.facilities.models import Operator
from linli.points.enums import AccountKind, FlagKind, FlagStatus, ItemKind, RedemptionStatus, TransferKind


class Account(AreaOwned):
    """An account of one community's points: the community's issuing account, a resident's account there,
    the community's (or an operator's) redemption settlement account, the community's expiry account."""

    kind = models.CharField(_("kind"), max_length=16, choices=AccountKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="points_accounts"
    )
    operator = models.ForeignKey(
        Operator, null=True, blank=True, on_delete=models.PROTECT, related_name="points_accounts"
    )
    balance = models.BigIntegerField(_("balance"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("points account (积分账户)")
        verbose_name_plural = _("points accounts")
        ordering = ["area_code", "kind", "id"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.CheckConstraint(
                condition=(Q(kind=AccountKind.ISSUING) & Q(balance__lte=0))
                | (~Q(kind=AccountKind.ISSUING) & Q(balance__gte=0)),
                name="points_account_balance_sign",
            ),
            models.CheckConstraint(
                condition=(Q(kind=AccountKind.RESIDENT) & Q(user__isnull=False) & Q(operator__isnull=True))
                | (Q(kind=AccountKind.SETTLEMENT) & Q(user__isnull=True))
                | (
                    Q(kind__in=[AccountKind.ISSUING, AccountKind.EXPIRY])
                    & Q(user__isnull=True)
                    & Q(operator__isnull=True)
                ),
                name="points_account_owner_fits_kind",
            ),
            models.UniqueConstraint(
                fields=["area_code", "kind"],
                condition=Q(user__isnull=True, operator__isnull=True),
                name="points_account_one_per_community",
            ),
            models.UniqueConstraint(
                fields=["area_code", "user"], condition=Q(user__isnull=False), name="points_account_one_per_resident"
            ),
            models.UniqueConstraint(
                fields=["area_code", "operator"],
                condition=Q(operator__isnull=False),
                name="points_account_one_per_operator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.area_code} #{self.pk}"


class LedgerAppendOnly(PermissionDenied):
    """An attempt to change or delete a transfer: a mistake is corrected by a reversal, a new transfer."""


class TransferQuerySet(models.QuerySet["Transfer"]):
    def update(self, **kwargs: Any) -> int:
        raise LedgerAppendOnly("transfers are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise LedgerAppendOnly("transfers are append-only")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise LedgerAppendOnly("transfers are append-only")


class Transfer(models.Model):
    """One movement of points from `debit` to `credit` (double entry). Written once, never changed."""

    key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=TransferKind.choices)
    debit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="debits", verbose_name=_("from account"))
    credit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credits", verbose_name=_("to account"))
    amount = models.PositiveBigIntegerField(_("number of points"))
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal", verbose_name=_("reverses")
    )
    area_code = models.CharField(_("community"), max_length=12, db_index=True)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    # what the transfer came from: event name, session, registration, hours, device...
    meta = models.JSONField(_("detail"), default=dict, blank=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("points transfer (积分流水)")
        verbose_name_plural = _("points transfers")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["credit", "kind", "occurred_at"]),
            models.Index(fields=["debit", "kind", "occurred_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="points_transfer_amount_positive"),
            models.CheckConstraint(condition=~Q(debit=F("credit")), name="points_transfer_two_accounts"),
            models.CheckConstraint(
                condition=(Q(kind=TransferKind.REVERSE) & Q(reverses__isnull=False))
                | (~Q(kind=TransferKind.REVERSE) & Q(reverses__isnull=True)),
                name="points_transfer_reversal_names_one",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.amount} {self.debit_id}->{self.credit_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerAppendOnly("transfers are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise LedgerAppendOnly("transfers are append-only")


class Lot(models.Model):
    """Points credited to a resident's account by one transfer, spent and expired first-in first-out:
    `remaining` is what is left of it. The remainders of an account's lots add up to its balance."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lots")
    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, related_name="lot")
    amount = models.PositiveBigIntegerField(_("number of points"))
    remaining = models.PositiveBigIntegerField(_("remaining"))
    earned_at = models.DateTimeField(_("earned at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("earn lot")
        verbose_name_plural = _("earn lots")
        ordering = ["expires_at", "id"]
        indexes = [models.Index(fields=["account", "expires_at", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__gte=0) & Q(remaining__lte=F("amount")) & Q(amount__gt=0),
                name="points_lot_remaining_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"lot {self.pk}: {self.remaining}/{self.amount}"


class Rule(AreaOwned, TimeStampedModel):
    """What earns points in a community (or, for the district's code, the default of its communities)."""

    per_attendance = models.PositiveIntegerField(_("points per attendance"), default=0)
    per_hour = models.PositiveIntegerField(_("points per volunteer hour"), default=0)
    daily_cap = models.PositiveIntegerField(_("cap per day"), null=True, blank=True)
    monthly_cap = models.PositiveIntegerField(_("cap per month"), null=True, blank=True)
    domains = models.JSONField(_("activity kinds that earn"), default=list, blank=True)
    valid_days = models.PositiveIntegerField(_("validity (days)"), default=365)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(AreaOwned.Meta):
        verbose_name = _("points rule (积分规则)")
        verbose_name_plural = _("points rules")
        ordering = ["area_code"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.UniqueConstraint(fields=["area_code"], name="points_rule_one_per_area"),
            models.CheckConstraint(condition=Q(valid_days__gt=0), name="points_rule_valid_days_positive"),
        ]

    def __str__(self) -> str:
        return f"rule {self.area_code}"


class CatalogueItem(AreaOwned, TimeStampedModel):
    """Goods or a service residents of a community may redeem for points; `operator` delivers it (and is
    paid `price_yuan` per redemption by the purchase of services)."""

    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=ItemKind.choices, default=ItemKind.GOODS)
    cost = models.PositiveIntegerField(_("cost in points"))
    stock = models.PositiveIntegerField(_("stock"), default=0)
    operator = models.ForeignKey(
        Operator,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_items",
        verbose_name=_("delivered by"),
    )
    price_yuan = models.DecimalField(
        _("settlement price (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    active = models.BooleanField(_("offered"), default=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("catalogue item (兑换物品)")
        verbose_name_plural = _("catalogue items")
        ordering = ["area_code", "cost", "id"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.CheckConstraint(condition=Q(cost__gt=0), name="points_item_cost_positive"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="points_item_stock_not_negative"),
            models.UniqueConstraint(fields=["area_code", "name"], name="points_item_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Redemption(AreaOwned):
    """A resident's redemption of an item: the points left for the settlement account at once, the item is
    handed over when staff verify the one-time code (only its hash is stored)."""

    item = models.ForeignKey(CatalogueItem, on_delete=models.PROTECT, related_name="redemptions")
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="redemptions")
    operator = models.ForeignKey(Operator, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    points = models.PositiveIntegerField(_("number of points"))
    price_yuan = models.DecimalField(_("settlement price (yuan)"), max_digits=10, decimal_places=2, null=True)
    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, related_name="redemption")
    status = models.CharField(_("status"), max_length=12, choices=RedemptionStatus.choices)
    code_nonce = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("redeemed at"), auto_now_add=True)
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("redemption (积分兑换)")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["operator", "status", "collected_at"])]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.CheckConstraint(
                condition=Q(status=RedemptionStatus.COLLECTED, collected_at__isnull=False)
                | ~Q(status=RedemptionStatus.COLLECTED),
                name="points_redemption_collected_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.resident_id} {self.status}"


class FraudFlag(AreaOwned):
    """A pattern worth a look (computed by `flags_compute`), reviewed by staff: cleared or confirmed."""

    kind = models.CharField(_("kind"), max_length=16, choices=FlagKind.choices)
    key = models.CharField(max_length=120, unique=True)
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    found_at = models.DateTimeField(_("found at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    note = models.CharField(_("review note"), max_length=300, blank=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("fraud flag (异常标记)")
        verbose_name_plural = _("fraud flags")
        ordering = ["-found_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
