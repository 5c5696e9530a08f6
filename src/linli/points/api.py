"""Points API: a resident's balance, statement, catalogue, redemptions (redeem, cancel) with their codes;
staff's catalogue and stock, rules, liability, settlements, fraud flags, transfers and reversals, and the
counter's code verification."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from linli.core.masking import mask_name
from linli.core.permissions import Perm, require
from linli.points import codes, selectors, services
from linli.points.enums import RedemptionStatus
from linli.points.flags import flags_compute
from linli.points.inputs import AdjustIn, ItemIn, RuleIn
from linli.points.models import CatalogueItem, FraudFlag, Redemption, Rule, Transfer

router = Router(tags=["points"])


class AccountOut(Schema):
    id: int
    area_code: str
    kind: str
    balance: int


class BalanceOut(Schema):
    balance: int
    accounts: list[AccountOut]
    next_expiry_points: int | None
    next_expiry_at: dt.datetime | None


class MovementOut(Schema):
    id: int
    kind: str
    amount: int = Field(description="signed: positive into the resident's account, negative out of it")
    area_code: str
    occurred_at: dt.datetime
    memo: str
    reverses: int | None


class ItemOut(Schema):
    id: int
    area_code: str
    name: str
    description: str
    kind: str
    cost: int
    stock: int
    operator_id: int | None
    operator: str | None
    price_yuan: Decimal | None
    active: bool


class RedemptionOut(Schema):
    id: int
    item_id: int
    item: str
    area_code: str
    points: int
    status: str
    code: str | None = Field(None, description="the one-time code, shown to the resident until collected")
    created_at: dt.datetime
    collected_at: dt.datetime | None
    resident: str | None = Field(None, description="the resident's name, masked (staff)")


class RuleOut(Schema):
    area_code: str
    per_attendance: int
    per_hour: int
    daily_cap: int | None
    monthly_cap: int | None
    domains: list[str]
    valid_days: int


class RuleChangeOut(Schema):
    field: str
    before: Any
    after: Any


class RuleSetOut(Schema):
    rule: RuleOut | None
    changes: list[RuleChangeOut]


class LiabilityOut(Schema):
    area_code: str
    name: str
    issued: int
    spent: int
    expired: int
    outstanding: int
    residents: int


class SettlementOut(Schema):
    operator_id: int
    operator: str
    redemptions: int
    points: int
    yuan: Decimal | None


class FlagOut(Schema):
    id: int
    kind: str
    area_code: str
    resident: str | None
    detail: dict[str, Any]
    status: str
    found_at: dt.datetime
    note: str


class FlagReviewIn(Schema):
    status: str = Field(description="cleared or confirmed")
    note: str = ""


class TransferOut(Schema):
    id: int
    key: str
    kind: str
    amount: int
    debit_id: int
    debit_kind: str
    credit_id: int
    credit_kind: str
    area_code: str
    occurred_at: dt.datetime
    memo: str
    reverses: int | None
    resident: str | None


class ReverseIn(Schema):
    memo: str = ""


class ReversePreviewOut(Schema):
    transfer_id: int
    amount: int
    resident_before: int
    resident_after: int
    other_before: int
    other_after: int
    problem: str | None


class CodeIn(Schema):
    code: str


class RedeemIn(Schema):
    note: str = Field("", description="unused; the item is the path's")


class CancelIn(Schema):
    memo: str = Field("", description="why (staff); empty: the resident cancelled")


class ComputeIn(Schema):
    area: str | None = Field(None, description="an area-code prefix inside my scope; default: my whole scope")


class ComputedOut(Schema):
    new_flags: int


def _item_out(i: CatalogueItem) -> dict[str, Any]:
    return {
        "id": i.pk,
        "area_code": i.area_code,
        "name": i.name,
        "description": i.description,
        "kind": i.kind,
        "cost": i.cost,
        "stock": i.stock,
        "operator_id": i.operator_id,
        "operator": i.operator.name if i.operator is not None else None,
        "price_yuan": i.price_yuan,
        "active": i.active,
    }


def _redemption_out(r: Redemption, *, with_code: bool = False, staff: bool = False) -> dict[str, Any]:
    return {
        "id": r.pk,
        "item_id": r.item_id,
        "item": r.item.name,
        "area_code": r.area_code,
        "points": r.points,
        "status": r.status,
        "code": codes.code_for(r.code_nonce) if with_code and r.status == RedemptionStatus.ISSUED else None,
        "created_at": r.created_at,
        "collected_at": r.collected_at,
        "resident": mask_name(str(r.resident)) if staff else None,
    }


def _rule_out(r: Rule) -> dict[str, Any]:
    return {f: getattr(r, f) for f in RuleOut.model_fields}


def _transfer_out(t: Transfer) -> dict[str, Any]:
    resident = t.credit.user if t.credit.user_id else t.debit.user
    return {
        "id": t.pk,
        "key": t.key,
        "kind": t.kind,
        "amount": t.amount,
        "debit_id": t.debit_id,
        "debit_kind": t.debit.kind,
        "credit_id": t.credit_id,
        "credit_kind": t.credit.kind,
        "area_code": t.area_code,
        "occurred_at": t.occurred_at,
        "memo": t.memo,
        "reverses": t.reverses_id,
        "resident": mask_name(str(resident)) if resident else None,
    }


def _flag_out(f: FraudFlag) -> dict[str, Any]:
    return {
        "id": f.pk,
        "kind": f.kind,
        "area_code": f.area_code,
        "resident": mask_name(str(f.resident)) if f.resident else None,
        "detail": f.detail,
        "status": f.status,
        "found_at": f.found_at,
        "note": f.note,
    }


# Residents --------------------------------------------------------------------------------------------


@router.get("/me", response=BalanceOut, summary="My points: balance per community and the next expiry")
def my_balance(request: HttpRequest) -> dict[str, Any]:
    accounts = list(selectors.accounts_of(user=request.user))
    lot = selectors.next_expiry(user=request.user)
    return {
        "balance": sum(a.balance for a in accounts),
        "accounts": [{"id": a.pk, "area_code": a.area_code, "kind": a.kind, "balance": a.balance} for a in accounts],
        "next_expiry_points": lot.remaining if lot else None,
        "next_expiry_at": lot.expires_at if lot else None,
    }


@router.get("/me/statement", response=list[MovementOut], summary="Every movement of my points, newest first")
@paginate
def my_statement(request: HttpRequest) -> Any:
    mine = set(selectors.accounts_of(user=request.user).values_list("pk", flat=True))
    return _Mapped(
        selectors.statement_of(user=request.user),
        lambda t: {
            "id": t.pk,
            "kind": t.kind,
            "amount": t.amount if t.credit_id in mine else -t.amount,
            "area_code": t.area_code,
            "occurred_at": t.occurred_at,
            "memo": t.memo,
            "reverses": t.reverses_id,
        },
    )


class _Mapped:
    """A queryset the paginator slices first, each row of the page then mapped by `fn`."""

    def __init__(self, qs: Any, fn: Any) -> None:
        self.qs, self.fn = qs, fn

    def __len__(self) -> int:
        return int(self.qs.count())

    def count(self) -> int:
        return int(self.qs.count())

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [self.fn(x) for x in self.qs[item]]


@router.get("/catalogue", response=list[ItemOut], summary="Items I may redeem (my communities' catalogues)")
def catalogue(request: HttpRequest, area: str | None = None) -> list[dict[str, Any]]:
    return [_item_out(i) for i in selectors.catalogue_for(user=request.user, area_code=area)]


@router.post("/catalogue/{item_id}/redeem", response={201: RedemptionOut}, summary="Redeem an item: the code is shown")
def redeem(request: HttpRequest, item_id: int, payload: RedeemIn | None = None) -> Status:
    redemption, _code = services.redemption_create(resident=request.user, item_id=item_id)
    return Status(201, _redemption_out(redemption, with_code=True))


@router.get("/me/redemptions", response=list[RedemptionOut], summary="My redemptions with the codes to collect")
@paginate
def my_redemptions(request: HttpRequest) -> Any:
    return _Mapped(selectors.redemptions_of(user=request.user), lambda r: _redemption_out(r, with_code=True))


@router.post(
    "/redemptions/{redemption_id}/cancel", response=RedemptionOut, summary="Cancel a redemption not yet collected"
)
def redemption_cancel(request: HttpRequest, redemption_id: int, payload: CancelIn | None = None) -> dict[str, Any]:
    memo = payload.memo if payload else ""
    redemption = services.redemption_cancel(actor=request.user, redemption_id=redemption_id, memo=memo)
    return _redemption_out(redemption, staff=redemption.resident_id != request.user.pk)


# Staff ------------------------------------------------------------------------------------------------


@router.get("/manage/items", response=list[ItemOut], summary="Catalogue items in my scope (staff)")
@paginate
def items(request: HttpRequest) -> Any:
    return _Mapped(selectors.items_for_staff(actor=request.user), _item_out)


@router.post("/manage/items", response={201: ItemOut}, summary="Add an item to a community's catalogue")
def item_create(request: HttpRequest, payload: ItemIn) -> Status:
    return Status(201, _item_out(services.item_create(actor=request.user, data=payload)))


@router.patch("/manage/items/{item_id}", response=ItemOut, summary="Change an item (stock, cost, ...)")
def item_update(request: HttpRequest, item_id: int, payload: ItemIn) -> dict[str, Any]:
    return _item_out(services.item_update(actor=request.user, item_id=item_id, data=payload))


@router.get("/manage/rules", response=list[RuleOut], summary="Points rules in my scope")
def rules(request: HttpRequest) -> list[dict[str, Any]]:
    return [_rule_out(r) for r in selectors.rules_for_staff(actor=request.user)]


@router.put("/manage/rules", response=RuleSetOut, summary="Set a community's rule (dry_run: only what it would change)")
def rule_set(request: HttpRequest, payload: RuleIn, dry_run: bool = False) -> dict[str, Any]:
    services.rule_check(payload)
    require(request.user, Perm.POINTS_MANAGE, payload.area_code)
    changes = [
        {"field": c["field"], "before": c["before"], "after": c["after"]} for c in services.rule_changes(payload)
    ]
    if dry_run:
        return {"rule": None, "changes": changes}
    return {"rule": _rule_out(services.rule_set(actor=request.user, data=payload)), "changes": changes}


@router.get("/manage/liability", response=list[LiabilityOut], summary="Outstanding points per community")
def liability(request: HttpRequest) -> list[dict[str, Any]]:
    return selectors.liability(actor=request.user)


@router.get("/manage/settlements", response=list[SettlementOut], summary="Redemptions of operators' services")
def settlements(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "operator_id": s["operator_id"],
            "operator": s["operator__name"],
            "redemptions": s["count"],
            "points": s["points"] or 0,
            "yuan": s["yuan"],
        }
        for s in selectors.settlements_for_staff(actor=request.user)
    ]


@router.get(
    "/manage/flags", response=list[FlagOut], summary="Fraud flags (status: open, cleared, confirmed; empty: all)"
)
@paginate
def flags(request: HttpRequest, status: str = "open") -> Any:
    return _Mapped(selectors.flags_for_staff(actor=request.user, status=status or None), _flag_out)


@router.post("/manage/flags/compute", response=ComputedOut, summary="Look for new fraud patterns in my scope")
def flags_find(request: HttpRequest, payload: ComputeIn | None = None) -> dict[str, int]:
    from linli.core.permissions import scope_prefix

    require(request.user, Perm.POINTS_MANAGE)
    prefix = scope_prefix(request.user) or ""
    area = (payload.area if payload else None) or prefix
    if not area.startswith(prefix):
        require(request.user, Perm.POINTS_MANAGE, area.ljust(12, "0"))
    return {"new_flags": flags_compute(area_prefix=area)}


@router.post("/manage/flags/{flag_id}/review", response=FlagOut, summary="Clear or confirm a flag")
def flag_review(request: HttpRequest, flag_id: int, payload: FlagReviewIn) -> dict[str, Any]:
    return _flag_out(
        services.flag_review(actor=request.user, flag_id=flag_id, status=payload.status, note=payload.note)
    )


@router.get("/manage/transfers", response=list[TransferOut], summary="Transfers in my scope, newest first")
@paginate
def transfers(request: HttpRequest, kind: str | None = None, resident: int | None = None) -> Any:
    return _Mapped(selectors.transfers_for_staff(actor=request.user, kind=kind, resident_id=resident), _transfer_out)


@router.get(
    "/manage/transfers/{transfer_id}/reverse", response=ReversePreviewOut, summary="What a reversal would change"
)
def reverse_preview(request: HttpRequest, transfer_id: int) -> dict[str, Any]:
    p = services.reverse_preview(actor=request.user, transfer_id=transfer_id)
    return {
        k: p[k] for k in ("amount", "resident_before", "resident_after", "other_before", "other_after", "problem")
    } | {"transfer_id": transfer_id}


@router.post("/manage/transfers/{transfer_id}/reverse", response={201: TransferOut}, summary="Reverse a transfer")
def reverse(request: HttpRequest, transfer_id: int, payload: ReverseIn) -> Status:
    reversal = services.transfer_reverse(actor=request.user, transfer_id=transfer_id, memo=payload.memo)
    return Status(201, _transfer_out(Transfer.objects.select_related("debit", "credit").get(pk=reversal.pk)))


@router.post("/manage/adjustments", response={201: TransferOut}, summary="Adjust a resident's points with a reason")
def adjust(request: HttpRequest, payload: AdjustIn) -> Status:
    transfer = services.points_adjust(actor=request.user, data=payload)
    return Status(201, _transfer_out(Transfer.objects.select_related("debit", "credit").get(pk=transfer.pk)))


@router.post("/manage/redemptions/verify", response=RedemptionOut, summary="What a code at the counter is for")
def redemption_verify(request: HttpRequest, payload: CodeIn) -> dict[str, Any]:
    return _redemption_out(services.redemption_find(actor=request.user, code=payload.code), staff=True)


@router.post("/manage/redemptions/collect", response=RedemptionOut, summary="Hand over against the code (once)")
def redemption_collect(request: HttpRequest, payload: CodeIn) -> dict[str, Any]:
    return _redemption_out(services.redemption_collect(actor=request.user, code=payload.code), staff=True)


@router.get("/manage/redemptions", response=list[RedemptionOut], summary="Redemptions waiting to be collected")
@paginate
def redemptions_waiting(request: HttpRequest) -> Any:
    return _Mapped(selectors.redemptions_to_collect(actor=request.user), lambda r: _redemption_out(r, staff=True))
