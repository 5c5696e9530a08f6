"""Every read of the points app. Staff read through their scope (`visible_to`, `scope_q`); residents read
their own accounts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, require, scope_q
from linli.points.enums import AccountKind, FlagStatus, RedemptionStatus
from linli.points.models import Account, CatalogueItem, FraudFlag, Lot, Redemption, Rule, Transfer

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


def accounts_of(*, user: AnyUser) -> QuerySet[Account]:
    """The resident's own accounts (one per community where they earned)."""
    if not user.is_authenticated:
        return Account.objects.none()
    return Account.objects.filter(kind=AccountKind.RESIDENT, user=user).order_by("area_code")


def balance_of(*, user: AnyUser) -> int:
    return int(accounts_of(user=user).aggregate(total=Sum("balance"))["total"] or 0)


def statement_of(*, user: AnyUser) -> QuerySet[Transfer]:
    """Every movement in or out of the resident's accounts, newest first."""
    accounts = list(accounts_of(user=user).values_list("pk", flat=True))
    return (
        Transfer.objects.filter(Q(debit__in=accounts) | Q(credit__in=accounts))
        .select_related("debit", "credit")
        .order_by("-occurred_at", "-id")
    )


def next_expiry(*, user: AnyUser) -> Lot | None:
    return Lot.objects.filter(account__in=accounts_of(user=user), remaining__gt=0).order_by("expires_at", "id").first()


def area_names(codes: set[str]) -> dict[str, str]:
    from linli.areas.models import Area

    return dict(Area.objects.filter(code__in=codes).values_list("code", "name"))


def catalogue_for(*, user: AnyUser, area_code: str | None = None) -> QuerySet[CatalogueItem]:
    """Offered items of the communities where the resident has an account or lives (or of `area_code`)."""
    qs = CatalogueItem.objects.filter(active=True).select_related("operator")
    if area_code:
        return qs.filter(area_code=area_code)
    areas = set(accounts_of(user=user).values_list("area_code", flat=True))
    home = getattr(user, "home_area_code", "")
    if home:
        areas.add(home)
    return qs.filter(area_code__in=areas)


def redemptions_of(*, user: AnyUser) -> QuerySet[Redemption]:
    if not user.is_authenticated:
        return Redemption.objects.none()
    return Redemption.objects.filter(resident=user).select_related("item").order_by("-created_at", "-id")


# Staff ---------------------------------------------------------------------------------------------


def items_for_staff(*, actor: AnyUser) -> QuerySet[CatalogueItem]:
    require(actor, Perm.POINTS_MANAGE)
    return CatalogueItem.objects.visible_to(actor).select_related("operator").order_by("area_code", "cost", "id")


def rules_for_staff(*, actor: AnyUser) -> QuerySet[Rule]:
    require(actor, Perm.POINTS_MANAGE)
    return Rule.objects.visible_to(actor)


def transfers_for_staff(
    *, actor: AnyUser, kind: str | None = None, resident_id: int | None = None
) -> QuerySet[Transfer]:
    require(actor, Perm.POINTS_MANAGE)
    qs = Transfer.objects.filter(scope_q(actor)).select_related("debit", "credit", "credit__user", "debit__user")
    if kind:
        qs = qs.filter(kind=kind)
    if resident_id:
        qs = qs.filter(Q(debit__user_id=resident_id) | Q(credit__user_id=resident_id))
    return qs.order_by("-occurred_at", "-id")


def redemptions_to_collect(*, actor: AnyUser) -> QuerySet[Redemption]:
    require(actor, Perm.POINTS_MANAGE)
    return (
        Redemption.objects.visible_to(actor)
        .filter(status=RedemptionStatus.ISSUED)
        .select_related("item", "resident")
        .order_by("created_at", "id")
    )


def flags_for_staff(*, actor: AnyUser, status: str | None = FlagStatus.OPEN) -> QuerySet[FraudFlag]:
    require(actor, Perm.POINTS_MANAGE)
    qs = FraudFlag.objects.visible_to(actor).select_related("resident", "reviewed_by")
    return qs.filter(status=status) if status else qs


def liability(*, actor: AnyUser) -> list[dict[str, Any]]:
    """Per community in scope: points issued (net of reversals and adjustments), spent on redemptions,
    expired, and outstanding (issued, not yet spent nor expired: what residents hold)."""
    require(actor, Perm.POINTS_MANAGE)
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"issued": 0, "spent": 0, "expired": 0, "outstanding": 0, "residents": 0}
    )
    sums = Account.objects.visible_to(actor).values("area_code", "kind").annotate(total=Sum("balance"), n=Count("id"))
    for row in sums:
        entry = rows[row["area_code"]]
        total = int(row["total"] or 0)
        if row["kind"] == AccountKind.ISSUING:
            entry["issued"] = -total
        elif row["kind"] == AccountKind.SETTLEMENT:
            entry["spent"] += total
        elif row["kind"] == AccountKind.EXPIRY:
            entry["expired"] = total
        else:
            entry["outstanding"] = total
            entry["residents"] = row["n"]
    names = area_names(set(rows))
    return [{"area_code": code, "name": names.get(code, code), **rows[code]} for code in sorted(rows)]


def settlement_for_operator(
    *, operator_id: int, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> dict[str, Any]:
    """What an operator delivered against points (collected redemptions, cancelled ones excluded) in
    [start, end): the count, the points and the settlement price to pay (for the purchase of services)."""
    qs = Redemption.objects.filter(operator_id=operator_id, status=RedemptionStatus.COLLECTED)
    if start is not None:
        qs = qs.filter(collected_at__gte=start)
    if end is not None:
        qs = qs.filter(collected_at__lt=end)
    totals = qs.aggregate(count=Count("id"), points=Sum("points"), yuan=Sum("price_yuan"))
    return {
        "operator_id": operator_id,
        "redemptions": totals["count"] or 0,
        "points": int(totals["points"] or 0),
        "yuan": totals["yuan"] or 0,
    }


def settlements_for_staff(*, actor: AnyUser) -> list[dict[str, Any]]:
    """Per operator whose services were redeemed in scope: redemptions collected, points, yuan."""
    require(actor, Perm.POINTS_MANAGE)
    qs = (
        Redemption.objects.visible_to(actor)
        .filter(status=RedemptionStatus.COLLECTED, operator__isnull=False)
        .values("operator_id", "operator__name")
        .annotate(count=Count("id"), points=Sum("points"), yuan=Sum("price_yuan"))
        .order_by("operator__name")
    )
    return [dict(row) for row in qs]


def item_for_staff(*, actor: AnyUser, item_id: int) -> CatalogueItem:
    """An item of the staff member's scope (404 outside it)."""
    item = items_for_staff(actor=actor).filter(pk=item_id).first()
    if item is None:
        raise ApplicationError("not_found", _("No such item."), status=404)
    return item
