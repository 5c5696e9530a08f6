"""The ledger's one way to move points: `post` writes a transfer and moves both balances in the same
transaction; earn lots are spent and expired first-in first-out; a reversal is a new transfer.

Lock order (every transaction that moves points takes its row locks in this order, so two of them never
wait on each other in a cycle): the resident's account first (SELECT ... FOR UPDATE, at the start), then
the catalogue item (a conditional UPDATE of its stock), then the community's account on the other side
(issuing, settlement or expiry: an UPDATE, last, so these rows every transaction of the community touches
stay locked for as short a time as possible). Every transfer has a resident's account on one side. On
SQLite the whole write transaction is serialised (IMMEDIATE). The CHECK constraints of `models.py` refuse
an overspend even if a check here were wrong."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError
from linli.points.enums import AccountKind, TransferKind
from linli.points.models import Account, Lot, Rule, Transfer

DEFAULT_VALID_DAYS = 365


def community_of(area_code: str) -> str:
    """The community (or village) a 12-digit area code belongs to: the code itself (records of a community
    carry its code; a facility's code is its community's)."""
    return area_code


def rule_for(area_code: str) -> Rule | None:
    """The rule of the community, else of its sub-district or town, else the district's default."""
    candidates = [area_code, area_code[:9] + "000", area_code[:6] + "000000"]
    rules = {r.area_code: r for r in Rule.objects.filter(area_code__in=candidates)}
    for code in candidates:
        if code in rules:
            return rules[code]
    return None


def valid_days_for(area_code: str) -> int:
    rule = rule_for(area_code)
    return rule.valid_days if rule is not None else DEFAULT_VALID_DAYS


def account_for(
    kind: AccountKind, area_code: str, *, user_id: int | None = None, operator_id: int | None = None
) -> Account:
    """The account (created the first time, safely when two transactions create it at once)."""
    lookup: dict[str, Any] = {"area_code": area_code}
    if kind == AccountKind.RESIDENT:
        lookup["user_id"] = user_id
    elif kind == AccountKind.SETTLEMENT and operator_id is not None:
        lookup["operator_id"] = operator_id
    else:
        lookup.update(kind=kind, user__isnull=True, operator__isnull=True)
    found = Account.objects.filter(**lookup).first()
    if found is not None:
        return found
    values = {k: v for k, v in lookup.items() if not k.endswith("__isnull")}
    values["kind"] = kind
    try:
        with transaction.atomic():
            return Account.objects.create(**values)
    except IntegrityError:
        return Account.objects.get(**lookup)


def lock_accounts(resident: Account, other: Account) -> tuple[Account, Account]:
    """Lock the resident's account, then the other one (the fixed order), and read their balances."""
    locked_resident = Account.objects.select_for_update().get(pk=resident.pk)
    locked_other = Account.objects.select_for_update().get(pk=other.pk)
    return locked_resident, locked_other


def post(
    *,
    kind: TransferKind,
    debit: Account,
    credit: Account,
    amount: int,
    key: str,
    area_code: str,
    occurred_at: dt.datetime | None = None,
    actor: Any = None,
    memo: str = "",
    meta: dict[str, Any] | None = None,
    reverses: Transfer | None = None,
    lot_days: int | None = None,
    between: Callable[[Transfer], None] | None = None,
) -> Transfer:
    """Write one transfer and move both balances (the caller holds the locks and runs in a transaction).
    Refused by the database if a balance would cross zero the wrong way or the key was used. `lot_days`:
    the points credited to a resident's account become an earn lot valid that many days. `between(transfer)`
    runs after the resident's side moved and before the community's account is touched (the item's stock:
    the hot rows are taken last, in the fixed order)."""
    if amount <= 0:
        raise ApplicationError(
            "invalid", _("The number of points must be a whole number above 0."), {"field": "amount"}
        )
    transfer = Transfer.objects.create(
        kind=kind,
        debit=debit,
        credit=credit,
        amount=amount,
        key=key,
        area_code=area_code,
        occurred_at=occurred_at or timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        memo=memo[:200],
        meta=meta or {},
        reverses=reverses,
    )
    # The resident's side first, the community's last: the community's row (every earn of the community
    # updates its issuing account) stays locked for as short a time as possible before the commit.
    moves = sorted([(debit, -amount), (credit, amount)], key=lambda m: m[0].kind != AccountKind.RESIDENT)
    for account, change in moves:
        if account.kind == AccountKind.RESIDENT and change > 0 and lot_days is not None:
            Account.objects.filter(pk=account.pk).update(balance=F("balance") + change)
            add_lot(account, transfer, valid_days=lot_days)
        else:
            Account.objects.filter(pk=account.pk).update(balance=F("balance") + change)
        account.balance += change
        if account.kind == AccountKind.RESIDENT and between is not None:
            between(transfer)
    return transfer


def add_lot(account: Account, transfer: Transfer, *, valid_days: int, at: dt.datetime | None = None) -> Lot:
    earned = at or transfer.occurred_at
    return Lot.objects.create(
        account=account,
        transfer=transfer,
        amount=transfer.amount,
        remaining=transfer.amount,
        earned_at=earned,
        expires_at=earned + dt.timedelta(days=valid_days),
    )


def spend_lots(account: Account, amount: int, *, first: Lot | None = None) -> list[tuple[int, int]]:
    """Take `amount` from the account's lots, `first` (if given) before the others, then oldest expiry first.
    The caller holds the account's lock. Returns (lot id, taken) pairs."""
    taken: list[tuple[int, int]] = []
    left = amount
    lots = list(Lot.objects.filter(account=account, remaining__gt=0).order_by("expires_at", "id"))
    if first is not None:
        lots.sort(key=lambda lot: lot.pk != first.pk)
    for lot in lots:
        if left == 0:
            break
        take = min(lot.remaining, left)
        Lot.objects.filter(pk=lot.pk).update(remaining=F("remaining") - take)
        taken.append((lot.pk, take))
        left -= take
    if left:  # the lots do not cover the balance: the ledger is broken, refuse rather than overspend
        raise ApplicationError("not_enough_points", _("Not enough points."), {"field": "points"}, status=409)
    return taken


def balance_sum() -> int:
    return int(Account.objects.aggregate(total=Sum("balance"))["total"] or 0)
