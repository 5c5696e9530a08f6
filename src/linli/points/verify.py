"""The ledger's invariants, checked from the rows themselves (`linli points_verify`): every breach is named."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import Sum
from django.utils.translation import gettext as _

from linli.points.enums import AccountKind, TransferKind
from linli.points.models import Account, Lot, Transfer


def ledger_breaches() -> list[str]:
    """Every breach of: the sum over all accounts is zero; every balance equals its movements; no event
    earned twice; no balance on the wrong side of zero; the lots of a resident's account add up to its
    balance; no reversal of a reversal. An empty list: the ledger is sound."""
    breaches: list[str] = []
    total = Account.objects.aggregate(total=Sum("balance"))["total"] or 0
    if total != 0:
        breaches.append(_("The balances of all accounts add up to %(total)s, not 0.") % {"total": total})
    moved: dict[int, int] = defaultdict(int)
    for account_id, amount in Transfer.objects.values("credit").annotate(s=Sum("amount")).values_list("credit", "s"):
        moved[account_id] += int(amount)
    for account_id, amount in Transfer.objects.values("debit").annotate(s=Sum("amount")).values_list("debit", "s"):
        moved[account_id] -= int(amount)
    lots: dict[int, int] = dict(Lot.objects.values("account").annotate(s=Sum("remaining")).values_list("account", "s"))
    for account in Account.objects.all().order_by("pk"):
        if account.balance != moved.get(account.pk, 0):
            breaches.append(
                _("Account %(id)s (%(kind)s, %(area)s): balance %(balance)s, its movements add up to %(moved)s.")
                % {
                    "id": account.pk,
                    "kind": account.get_kind_display(),
                    "area": account.area_code,
                    "balance": account.balance,
                    "moved": moved.get(account.pk, 0),
                }
            )
        wrong_side = account.balance > 0 if account.kind == AccountKind.ISSUING else account.balance < 0
        if wrong_side:
            breaches.append(
                _("Account %(id)s (%(kind)s, %(area)s): balance %(balance)s is on the wrong side of zero.")
                % {
                    "id": account.pk,
                    "kind": account.get_kind_display(),
                    "area": account.area_code,
                    "balance": account.balance,
                }
            )
        if account.kind == AccountKind.RESIDENT and lots.get(account.pk, 0) != account.balance:
            breaches.append(
                _("Account %(id)s (%(area)s): its earn lots hold %(lots)s points, its balance is %(balance)s.")
                % {
                    "id": account.pk,
                    "area": account.area_code,
                    "lots": lots.get(account.pk, 0),
                    "balance": account.balance,
                }
            )
    keys = Counter(Transfer.objects.values_list("key", flat=True))
    for key, count in sorted(keys.items()):
        if count > 1:
            breaches.append(_("The key %(key)s was used by %(count)s transfers.") % {"key": key, "count": count})
    events: Counter[tuple[str, str]] = Counter()
    for meta in Transfer.objects.filter(kind=TransferKind.EARN).values_list("meta", flat=True):
        meta = meta or {}
        for ref in ("registration_id", "record_id"):
            if meta.get(ref) is not None:
                events[(ref, str(meta[ref]))] += 1
    for (ref, value), count in sorted(events.items()):
        if count > 1:
            breaches.append(
                _("The event %(ref)s=%(value)s earned %(count)s times.") % {"ref": ref, "value": value, "count": count}
            )
    for pk in Transfer.objects.filter(kind=TransferKind.REVERSE, reverses__kind=TransferKind.REVERSE).values_list(
        "pk", flat=True
    ):
        breaches.append(_("Transfer %(id)s reverses a reversal.") % {"id": pk})
    return breaches
