"""Every change of the points app's state: rules, the catalogue, redemptions (redeem, collect at the
counter, cancel), reversals and adjustments, expiry, fraud-flag review. Minting lives in `minting.py`."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.catalog.enums import Domain
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError, RowErrors
from linli.core.models import User
from linli.core.permissions import Perm, can, require, scope_q
from linli.core.services import audit_record
from linli.facilities.models import Operator
from linli.points import codes
from linli.points.enums import AccountKind, FlagStatus, ItemKind, RedemptionStatus, TransferKind
from linli.points.inputs import AdjustIn, ItemIn, RuleIn
from linli.points.ledger import account_for, add_lot, lock_accounts, post, spend_lots, valid_days_for
from linli.points.models import Account, CatalogueItem, FraudFlag, Lot, Redemption, Rule, Transfer

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

AREA_CODE_LENGTH = 12


# Rules ------------------------------------------------------------------------------------------------


def _rule_labels() -> dict[str, str]:
    return {
        "per_attendance": _("points per attendance"),
        "per_hour": _("points per volunteer hour"),
        "daily_cap": _("cap per day"),
        "monthly_cap": _("cap per month"),
        "domains": _("activity kinds that earn"),
        "valid_days": _("validity (days)"),
    }


def rule_check(data: RuleIn) -> None:
    """Refuse a rule with a negative amount, a zero validity or an unknown activity kind, naming the field."""
    labels = _rule_labels()
    errors = RowErrors()
    if len(data.area_code or "") != AREA_CODE_LENGTH or not data.area_code.isdigit():
        errors.add(0, "area_code", _("Community: a 12-digit area code."), data.area_code)
    for field in ("per_attendance", "per_hour", "daily_cap", "monthly_cap"):
        value = getattr(data, field)
        if value is not None and value < 0:
            errors.add(0, field, _("%(field)s: must be 0 or more.") % {"field": labels[field]}, value)
    if data.valid_days < 1:
        errors.add(
            0, "valid_days", _("%(field)s: must be at least 1.") % {"field": labels["valid_days"]}, data.valid_days
        )
    unknown = [d for d in data.domains if d not in Domain.values]
    if unknown:
        errors.add(0, "domains", _("%(field)s: unknown kind.") % {"field": labels["domains"]}, ", ".join(unknown))
    errors.raise_if_any("invalid", _("The rule was not saved."))


def rule_changes(data: RuleIn) -> list[dict[str, Any]]:
    """What saving `data` would change: [{field, label, before, after}] (before None: a new rule)."""
    current = Rule.objects.filter(area_code=data.area_code).first()
    labels = _rule_labels()
    changes = []
    for field, label in labels.items():
        before = getattr(current, field) if current is not None else None
        after = getattr(data, field)
        if field == "domains":
            before = sorted(before) if before is not None else None
            after = sorted(after)
        if before != after:
            changes.append({"field": field, "label": label, "before": before, "after": after})
    return changes


@transaction.atomic
def rule_set(*, actor: AnyUser, data: RuleIn) -> Rule:
    """Create or replace the rule of a community (or the default of a sub-district or the district)."""
    require(actor, Perm.POINTS_MANAGE, data.area_code)
    rule_check(data)
    values = data.model_dump(exclude={"area_code"})
    values["domains"] = sorted(set(values["domains"]))
    values["updated_by_id"] = getattr(actor, "pk", None)
    rule, _created = Rule.objects.update_or_create(area_code=data.area_code, defaults=values)
    return rule


# Catalogue -------------------------------------------------------------------------------------------


def _item_labels() -> dict[str, str]:
    return {
        "area_code": _("Community"),
        "name": _("Name"),
        "kind": _("Kind"),
        "cost": _("Cost in points"),
        "stock": _("Stock"),
        "operator_id": _("Delivered by"),
        "price_yuan": _("Settlement price (yuan)"),
    }


def _item_check(values: dict[str, Any], *, creating: bool) -> None:
    labels = _item_labels()
    errors = RowErrors()
    if creating:
        code = values.get("area_code") or ""
        if len(code) != AREA_CODE_LENGTH or not code.isdigit():
            errors.add(0, "area_code", _("%(field)s: a 12-digit area code.") % {"field": labels["area_code"]}, code)
        for field in ("name", "cost"):
            if values.get(field) in (None, ""):
                errors.add(0, field, _("%(field)s: required.") % {"field": labels[field]})
    if "name" in values and values["name"] is not None and len(values["name"]) > 100:
        errors.add(0, "name", _("%(field)s: at most 100 characters.") % {"field": labels["name"]})
    if values.get("cost") is not None and values["cost"] < 1:
        errors.add(0, "cost", _("%(field)s: must be 1 or more.") % {"field": labels["cost"]}, values["cost"])
    if values.get("stock") is not None and values["stock"] < 0:
        errors.add(0, "stock", _("%(field)s: must be 0 or more.") % {"field": labels["stock"]}, values["stock"])
    if values.get("price_yuan") is not None and values["price_yuan"] < 0:
        errors.add(0, "price_yuan", _("%(field)s: must be 0 or more.") % {"field": labels["price_yuan"]})
    if values.get("kind") is not None and values["kind"] not in ItemKind.values:
        errors.add(0, "kind", _("%(field)s: goods or service.") % {"field": labels["kind"]}, values["kind"])
    if values.get("operator_id") is not None and not Operator.objects.filter(pk=values["operator_id"]).exists():
        errors.add(0, "operator_id", _("%(field)s: no such operator.") % {"field": labels["operator_id"]})
    errors.raise_if_any("invalid", _("The item was not saved."))


@transaction.atomic
def item_create(*, actor: AnyUser, data: ItemIn) -> CatalogueItem:
    values = data.model_dump()
    _item_check(values, creating=True)
    require(actor, Perm.POINTS_MANAGE, values["area_code"])
    if CatalogueItem.objects.filter(area_code=values["area_code"], name=values["name"]).exists():
        raise ApplicationError(
            "duplicate", _("Name: this community's catalogue has this item already."), {"field": "name"}
        )
    values = {k: v for k, v in values.items() if v is not None}
    return CatalogueItem.objects.create(**values)


@transaction.atomic
def item_update(*, actor: AnyUser, item_id: int, data: ItemIn) -> CatalogueItem:
    """Change an item (a partial change: the fields given). Stock is set under the item's lock."""
    item = _item_for_staff(actor, item_id, lock=True)
    values = data.model_dump(exclude_unset=True)
    values.pop("area_code", None)
    _item_check(values, creating=False)
    for required in ("name", "cost", "stock", "kind", "active"):
        if required in values and values[required] is None:
            values.pop(required)
    for field, value in values.items():
        setattr(item, field, value)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        raise ApplicationError(
            "duplicate", _("Name: this community's catalogue has this item already."), {"field": "name"}
        ) from None
    return item


def _item_for_staff(actor: AnyUser, item_id: int, *, lock: bool = False) -> CatalogueItem:
    require(actor, Perm.POINTS_MANAGE)
    qs = CatalogueItem.objects.visible_to(actor)
    if lock:
        qs = qs.select_for_update()
    item = qs.filter(pk=item_id).first()
    if item is None:
        raise ApplicationError("not_found", _("No such item."), status=404)
    return item


# Redemption ------------------------------------------------------------------------------------------


@transaction.atomic
def redemption_create(*, resident: AnyUser, item_id: int) -> tuple[Redemption, str]:
    """A resident redeems one item of a community's catalogue with that community's points. Returns the
    redemption and its one-time code. Refused, nothing written, when the balance is short or the stock out."""
    if not resident.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)
    item = CatalogueItem.objects.filter(pk=item_id, active=True).select_related("operator").first()
    if item is None:
        raise ApplicationError("not_found", _("No such item."), status=404)
    own = Account.objects.filter(area_code=item.area_code, user=resident, kind=AccountKind.RESIDENT).first()
    if own is None:
        raise ApplicationError(
            "not_enough_points",
            _("Not enough points: you have 0 points in this community, %(item)s costs %(cost)s.")
            % {"item": item.name, "cost": item.cost},
            {"field": "points"},
            status=409,
        )
    settlement = account_for(AccountKind.SETTLEMENT, item.area_code, operator_id=item.operator_id)
    own = Account.objects.select_for_update().get(pk=own.pk)  # the fixed order: the resident's account first
    if own.balance < item.cost:
        raise ApplicationError(
            "not_enough_points",
            _("Not enough points: you have %(balance)s points, %(item)s costs %(cost)s.")
            % {"balance": own.balance, "item": item.name, "cost": item.cost},
            {"field": "points"},
            status=409,
        )
    out_of_stock = ApplicationError(
        "out_of_stock", _("%(item)s is out of stock.") % {"item": item.name}, {"field": "item"}, status=409
    )
    if item.stock < 1:
        raise out_of_stock
    nonce = codes.new_nonce()
    code = codes.code_for(nonce)
    made: list[Redemption] = []

    def take_item(transfer: Transfer) -> None:
        """After the points left the resident's account, before the settlement account: the item's stock,
        by a conditional update (its row lock), and the redemption."""
        spend_lots(own, item.cost)
        if not CatalogueItem.objects.filter(pk=item.pk, stock__gte=1, active=True).update(stock=F("stock") - 1):
            raise out_of_stock  # the whole transaction rolls back: nothing written
        made.append(
            Redemption.objects.create(
                item=item,
                resident=resident,
                operator_id=item.operator_id,
                area_code=item.area_code,
                points=item.cost,
                price_yuan=item.price_yuan,
                transfer=transfer,
                status=RedemptionStatus.ISSUED,
                code_nonce=nonce,
                code_hash=codes.code_hash(code),
            )
        )

    post(
        kind=TransferKind.REDEEM,
        debit=own,
        credit=settlement,
        amount=item.cost,
        key=f"redeem:{uuid.uuid4().hex}",
        area_code=item.area_code,
        actor=resident,
        memo=item.name,
        meta={"item_id": item.pk, "operator_id": item.operator_id},
        between=take_item,
    )
    redemption = made[0]
    return redemption, code


def redemption_find(*, actor: AnyUser, code: str) -> Redemption:
    """The redemption of a code typed at the counter (staff of its community). A forged code, or one of
    another community, is not found."""
    require(actor, Perm.POINTS_MANAGE)
    if not codes.normalise(code):
        raise ApplicationError("invalid", _("Enter the redemption code."), {"field": "code"})
    found = Redemption.objects.filter(code_hash=codes.code_hash(code)).select_related("item", "resident").first()
    if found is None or not can(actor, Perm.POINTS_MANAGE, found.area_code):
        raise ApplicationError("invalid_code", _("This redemption code is not valid."), {"field": "code"})
    return found


@transaction.atomic
def redemption_collect(*, actor: AnyUser, code: str) -> Redemption:
    """Staff hand the item over against the code: once. A reused, cancelled or forged code is refused."""
    found = redemption_find(actor=actor, code=code)
    redemption = Redemption.objects.select_for_update().select_related("item", "resident").get(pk=found.pk)
    if redemption.status == RedemptionStatus.COLLECTED:
        raise ApplicationError(
            "code_used",
            _("This redemption code was already used at %(at)s.")
            % {"at": f"{timezone.localtime(redemption.collected_at or timezone.now()):%Y-%m-%d %H:%M}"},
            {"field": "code"},
            status=409,
        )
    if redemption.status == RedemptionStatus.CANCELLED:
        raise ApplicationError("cancelled", _("This redemption was cancelled."), {"field": "code"}, status=409)
    redemption.status = RedemptionStatus.COLLECTED
    redemption.collected_at = timezone.now()
    redemption.collected_by = actor  # type: ignore[assignment]
    redemption.save(update_fields=["status", "collected_at", "collected_by"])
    return redemption


@transaction.atomic
def redemption_cancel(*, actor: AnyUser, redemption_id: int, memo: str = "") -> Redemption:
    """Cancel a redemption not yet collected (the resident's own, or staff of its community): the points
    come back by a reversal, the stock by one."""
    redemption = Redemption.objects.filter(pk=redemption_id).first()
    if redemption is None or not (
        redemption.resident_id == getattr(actor, "pk", None) or can(actor, Perm.POINTS_MANAGE, redemption.area_code)
    ):
        raise ApplicationError("not_found", _("No such redemption."), status=404)
    transfer_reverse(actor=actor, transfer_id=redemption.transfer_id, memo=memo or _("redemption cancelled"), _own=True)
    redemption.refresh_from_db()
    return redemption


# Reversals and adjustments ---------------------------------------------------------------------------


def _resident_side(transfer: Transfer) -> tuple[Account, Account, bool]:
    """(the resident's account, the other account, whether the transfer credited the resident)."""
    if transfer.credit.kind == AccountKind.RESIDENT:
        return transfer.credit, transfer.debit, True
    return transfer.debit, transfer.credit, False


def transfer_for_staff(*, actor: AnyUser, transfer_id: int) -> Transfer:
    require(actor, Perm.POINTS_MANAGE)
    transfer = (
        Transfer.objects.filter(scope_q(actor), pk=transfer_id)
        .select_related("debit", "credit", "debit__user", "credit__user", "reverses")
        .first()
    )
    if transfer is None:
        raise ApplicationError("not_found", _("No such transfer."), status=404)
    return transfer


def reverse_problem(transfer: Transfer, resident_balance: int) -> ApplicationError | None:
    """Why `transfer` cannot be reversed (the resident's account holding `resident_balance`), or None."""
    if transfer.kind == TransferKind.REVERSE:
        return ApplicationError(
            "reversal_of_reversal", _("A reversal cannot be reversed."), {"field": "transfer"}, status=409
        )
    if Transfer.objects.filter(reverses=transfer).exists():
        return ApplicationError(
            "already_reversed", _("This transfer was reversed already."), {"field": "transfer"}, status=409
        )
    redemption = Redemption.objects.filter(transfer=transfer).first()
    if redemption is not None and redemption.status == RedemptionStatus.COLLECTED:
        return ApplicationError(
            "collected",
            _("The item was collected already: the redemption cannot be reversed."),
            {"field": "transfer"},
            status=409,
        )
    _resident, _other, credited = _resident_side(transfer)
    if credited and resident_balance < transfer.amount:
        return ApplicationError(
            "not_enough_points",
            _("The resident has %(balance)s points left, fewer than the %(amount)s to take back.")
            % {"balance": resident_balance, "amount": transfer.amount},
            {"field": "transfer"},
            status=409,
        )
    return None


def reverse_preview(*, actor: AnyUser, transfer_id: int) -> dict[str, Any]:
    """What a reversal would change, before it is made: the accounts and their balances before and after."""
    transfer = transfer_for_staff(actor=actor, transfer_id=transfer_id)
    resident, other, credited = _resident_side(transfer)
    sign = -1 if credited else 1
    problem = reverse_problem(transfer, resident.balance)
    return {
        "transfer": transfer,
        "amount": transfer.amount,
        "resident_account": resident,
        "other_account": other,
        "resident_before": resident.balance,
        "resident_after": resident.balance + sign * transfer.amount,
        "other_before": other.balance,
        "other_after": other.balance - sign * transfer.amount,
        "problem": problem.message if problem else None,
    }


@transaction.atomic
def transfer_reverse(*, actor: AnyUser | None, transfer_id: int, memo: str = "", _own: bool = False) -> Transfer:
    """Reverse a transfer by a new one the other way (never an edit): refused for a reversal, a transfer
    reversed already, a collected redemption, or an earn whose points were spent already."""
    if _own:
        transfer = Transfer.objects.select_related("debit", "credit").get(pk=transfer_id)
    else:
        if actor is None:
            raise ApplicationError("forbidden", _("Only staff reverse a transfer."), status=403)
        transfer = transfer_for_staff(actor=actor, transfer_id=transfer_id)
    resident, other, credited = _resident_side(transfer)
    resident = Account.objects.select_for_update().get(pk=resident.pk)  # the fixed order: the resident first
    redemption = Redemption.objects.select_for_update().filter(transfer=transfer).first()
    problem = reverse_problem(transfer, resident.balance)
    if problem is not None:
        raise problem

    def lots_and_stock(reversal: Transfer) -> None:
        """After the resident's side moved, before the community's account: the lots, the item's stock."""
        if credited:
            spend_lots(resident, transfer.amount, first=Lot.objects.filter(transfer=transfer).first())
        else:
            add_lot(resident, reversal, valid_days=valid_days_for(transfer.area_code))
        if redemption is not None:
            CatalogueItem.objects.filter(pk=redemption.item_id).update(stock=F("stock") + 1)
            redemption.status = RedemptionStatus.CANCELLED
            redemption.cancelled_at = timezone.now()
            redemption.save(update_fields=["status", "cancelled_at"])

    try:
        with transaction.atomic():
            reversal = post(
                kind=TransferKind.REVERSE,
                debit=resident if credited else other,
                credit=other if credited else resident,
                amount=transfer.amount,
                key=f"reverse:{transfer.pk}",
                area_code=transfer.area_code,
                actor=actor,
                memo=memo,
                meta={"reverses": transfer.pk, "kind": transfer.kind},
                reverses=transfer,
                between=lots_and_stock,
            )
    except IntegrityError:
        raise ApplicationError(
            "already_reversed", _("This transfer was reversed already."), {"field": "transfer"}, status=409
        ) from None
    return reversal


@transaction.atomic
def points_adjust(*, actor: AnyUser, data: AdjustIn) -> Transfer:
    """A staff adjustment with its reason: positive issues points to the resident, negative takes them back."""
    require(actor, Perm.POINTS_MANAGE, data.area_code)
    errors = RowErrors()
    if data.amount == 0:
        errors.add(0, "amount", _("Points: must not be 0."), data.amount)
    if not (data.memo or "").strip():
        errors.add(0, "memo", _("Reason: required."))
    if not User.objects.filter(pk=data.resident_id).exists():
        errors.add(0, "resident_id", _("Resident: no such person."), data.resident_id)
    errors.raise_if_any("invalid", _("The adjustment was not made."))
    resident = account_for(AccountKind.RESIDENT, data.area_code, user_id=data.resident_id)
    issuing = account_for(AccountKind.ISSUING, data.area_code)
    resident, issuing = lock_accounts(resident, issuing)
    amount = abs(data.amount)
    if data.amount < 0 and resident.balance < amount:
        raise ApplicationError(
            "not_enough_points",
            _("The resident has %(balance)s points, fewer than %(amount)s.")
            % {"balance": resident.balance, "amount": amount},
            {"field": "amount"},
            status=409,
        )
    key = f"adjust:{uuid.uuid4().hex}"
    if data.amount > 0:
        transfer = post(
            kind=TransferKind.ADJUST,
            debit=issuing,
            credit=resident,
            amount=amount,
            key=key,
            area_code=data.area_code,
            actor=actor,
            memo=data.memo,
        )
        add_lot(resident, transfer, valid_days=valid_days_for(data.area_code))
    else:
        transfer = post(
            kind=TransferKind.ADJUST,
            debit=resident,
            credit=issuing,
            amount=amount,
            key=key,
            area_code=data.area_code,
            actor=actor,
            memo=data.memo,
        )
        spend_lots(resident, amount)
    audit_record(actor=actor, action=AuditAction.UPDATE, on=transfer, fields=["amount"], detail={"memo": data.memo})
    return transfer


# Expiry ----------------------------------------------------------------------------------------------


def points_expire(*, now: dt.datetime | None = None, area_prefix: str = "") -> int:
    """Expire what is left of every lot past its date, first-in first-out, one transfer per lot (its key
    names the lot: running twice expires nothing twice). Each account in its own transaction. Returns the
    number of lots expired."""
    now = now or timezone.now()
    accounts = (
        Lot.objects.filter(expires_at__lte=now, remaining__gt=0, account__area_code__startswith=area_prefix)
        .values_list("account_id", flat=True)
        .distinct()
    )
    expired = 0
    for account_id in sorted(set(accounts)):
        expired += _expire_account(account_id, now)
    return expired


@transaction.atomic
def _expire_account(account_id: int, now: dt.datetime) -> int:
    resident = Account.objects.get(pk=account_id)
    sink = account_for(AccountKind.EXPIRY, resident.area_code)
    resident, sink = lock_accounts(resident, sink)
    count = 0
    for lot in Lot.objects.filter(account=resident, expires_at__lte=now, remaining__gt=0).order_by("expires_at", "id"):
        post(
            kind=TransferKind.EXPIRE,
            debit=resident,
            credit=sink,
            amount=lot.remaining,
            key=f"expire:lot:{lot.pk}",
            area_code=resident.area_code,
            occurred_at=lot.expires_at,
            meta={"lot_id": lot.pk},
        )
        Lot.objects.filter(pk=lot.pk).update(remaining=0)
        count += 1
    return count


# Fraud flags -----------------------------------------------------------------------------------------


@transaction.atomic
def flag_review(*, actor: AnyUser, flag_id: int, status: str, note: str = "") -> FraudFlag:
    """Staff clear a flag (nothing wrong) or confirm it (with a note: what they will do, e.g. a reversal)."""
    require(actor, Perm.POINTS_MANAGE)
    flag = FraudFlag.objects.visible_to(actor).select_for_update().filter(pk=flag_id).first()
    if flag is None:
        raise ApplicationError("not_found", _("No such flag."), status=404)
    if status not in (FlagStatus.CLEARED, FlagStatus.CONFIRMED):
        raise ApplicationError("invalid", _("Decision: cleared or confirmed."), {"field": "status"})
    if status == FlagStatus.CONFIRMED and not note.strip():
        raise ApplicationError("invalid", _("Note: say what was found."), {"field": "note"})
    flag.status = status
    flag.note = note.strip()[:300]
    flag.reviewed_by = actor  # type: ignore[assignment]
    flag.reviewed_at = timezone.now()
    flag.save(update_fields=["status", "note", "reviewed_by", "reviewed_at"])
    return flag


def price_total(redemptions: Any) -> Decimal:
    return sum((r.price_yuan or Decimal(0) for r in redemptions), Decimal(0))
