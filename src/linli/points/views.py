"""Pages of the points ledger: a resident's balance, statement, catalogue and codes (phone-friendly); staff's
overview (liability, settlements), catalogue and stock, rules, fraud flags, reversals and the counter
where redemption codes are verified."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.catalog.enums import Domain
from linli.core.errors import ApplicationError
from linli.core.masking import mask_name
from linli.core.permissions import Perm, require, scope_prefix
from linli.facilities.models import Operator
from linli.points import codes, selectors, services
from linli.points.enums import FlagStatus, ItemKind, RedemptionStatus, TransferKind
from linli.points.flags import flags_compute
from linli.points.inputs import ItemIn, RuleIn
from linli.points.models import Rule

PAGE_SIZE = 30


def _error_text(exc: ApplicationError) -> str:
    problems = exc.extra.get("errors") if isinstance(exc.extra, dict) else None
    if problems:
        return " ".join(str(p["message"]) for p in problems)
    return str(exc.message)


def _refused(exc: ApplicationError) -> bool:
    return exc.status in (401, 403, 404)


# Residents --------------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    accounts = list(selectors.accounts_of(user=request.user))
    names = selectors.area_names({a.area_code for a in accounts})
    mine = {a.pk for a in accounts}
    page = Paginator(selectors.statement_of(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for t in page.object_list:
        incoming = t.credit_id in mine
        rows.append(
            {"transfer": t, "signed": t.amount if incoming else -t.amount, "community": names.get(t.area_code, "")}
        )
    return render(
        request,
        "points/home.html",
        {
            "accounts": [(a, names.get(a.area_code, a.area_code)) for a in accounts],
            "balance": sum(a.balance for a in accounts),
            "next_expiry": selectors.next_expiry(user=request.user),
            "page": page,
            "rows": rows,
        },
    )


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    items = list(selectors.catalogue_for(user=request.user))
    balances = {a.area_code: a.balance for a in selectors.accounts_of(user=request.user)}
    names = selectors.area_names({i.area_code for i in items})
    rows = [
        {"item": i, "community": names.get(i.area_code, ""), "balance": balances.get(i.area_code, 0)} for i in items
    ]
    return render(request, "points/catalogue.html", {"rows": rows})


@login_required
@require_POST
def redeem(request: HttpRequest, item_id: int) -> HttpResponse:
    try:
        redemption, code = services.redemption_create(resident=request.user, item_id=item_id)
    except ApplicationError as exc:
        if _refused(exc):
            raise
        messages.error(request, _error_text(exc))
        return redirect("points:catalogue")
    messages.success(
        request,
        _("Redeemed %(item)s. Show the code %(code)s at the counter.") % {"item": redemption.item.name, "code": code},
    )
    return redirect("points:codes")


@login_required
def my_codes(request: HttpRequest) -> HttpResponse:
    rows = []
    for r in selectors.redemptions_of(user=request.user)[:100]:
        rows.append({"r": r, "code": codes.code_for(r.code_nonce) if r.status == RedemptionStatus.ISSUED else None})
    return render(request, "points/codes.html", {"rows": rows})


@login_required
@require_POST
def cancel(request: HttpRequest, redemption_id: int) -> HttpResponse:
    try:
        services.redemption_cancel(actor=request.user, redemption_id=redemption_id)
    except ApplicationError as exc:
        if _refused(exc):
            raise
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The redemption was cancelled and the points returned."))
    return redirect((request.POST.get("back") == "counter" and "points:counter") or "points:codes")


# Staff ------------------------------------------------------------------------------------------------


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.POINTS_MANAGE)
    return render(
        request,
        "points/manage.html",
        {
            "liability": selectors.liability(actor=request.user),
            "to_collect": selectors.redemptions_to_collect(actor=request.user).count(),
            "flags": selectors.flags_for_staff(actor=request.user).count(),
            "settlements": selectors.settlements_for_staff(actor=request.user),
        },
    )


def _communities(request: HttpRequest) -> list[tuple[str, str]]:
    from linli.areas.enums import AreaLevel
    from linli.areas.models import Area

    prefix = scope_prefix(request.user) or ""
    return list(
        Area.objects.filter(code__startswith=prefix, level=AreaLevel.VILLAGE)
        .order_by("code")
        .values_list("code", "name")
    )


def _operators() -> list[tuple[int, str]]:
    return list(Operator.objects.order_by("name").values_list("pk", "name")[:500])


@login_required
def manage_catalogue(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.POINTS_MANAGE)
    error = ""
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = request.POST.dict()
        try:
            item = services.item_create(actor=request.user, data=ItemIn.parse(_item_form(request.POST)))
        except ApplicationError as exc:
            if _refused(exc):
                raise
            error = _error_text(exc)
        else:
            messages.success(request, _("%(item)s added to the catalogue.") % {"item": item.name})
            return redirect("points:manage-catalogue")
    items = list(selectors.items_for_staff(actor=request.user))
    names = selectors.area_names({i.area_code for i in items})
    return render(
        request,
        "points/manage_catalogue.html",
        {
            "rows": [(i, names.get(i.area_code, i.area_code)) for i in items],
            "communities": _communities(request),
            "operators": _operators(),
            "kinds": ItemKind.choices,
            "error": error,
            "form": form,
        },
        status=400 if error else 200,
    )


def _item_form(post: Any) -> dict[str, Any]:
    fields = ("area_code", "name", "description", "kind", "cost", "stock", "operator_id", "price_yuan")
    data = {f: post.get(f) for f in fields if f in post}
    if "active" in post or "active_given" in post:
        data["active"] = post.get("active") == "on"
    return data


@login_required
def manage_item(request: HttpRequest, item_id: int) -> HttpResponse:
    """Edit an item: the first POST shows what will change, the confirmed one saves it."""
    item = selectors.item_for_staff(actor=request.user, item_id=item_id)
    error = ""
    changes: list[dict[str, Any]] = []
    if request.method == "POST":
        try:
            data = ItemIn.parse(_item_form(request.POST))
            if request.POST.get("confirm"):
                services.item_update(actor=request.user, item_id=item.pk, data=data)
                messages.success(request, _("%(item)s saved.") % {"item": item.name})
                return redirect("points:manage-catalogue")
            changes = _item_changes(item, data)
        except ApplicationError as exc:
            if _refused(exc):
                raise
            error = _error_text(exc)
    return render(
        request,
        "points/manage_item.html",
        {
            "item": item,
            "operators": _operators(),
            "kinds": ItemKind.choices,
            "error": error,
            "changes": changes,
            "posted": request.POST if request.method == "POST" else None,
        },
        status=400 if error else 200,
    )


def _item_changes(item: Any, data: ItemIn) -> list[dict[str, Any]]:
    labels = {
        "name": _("Name"),
        "description": _("Description"),
        "kind": _("Kind"),
        "cost": _("Cost in points"),
        "stock": _("Stock"),
        "operator_id": _("Delivered by"),
        "price_yuan": _("Settlement price (yuan)"),
        "active": _("Offered"),
    }
    out = []
    for field, value in data.model_dump(exclude_unset=True).items():
        if field not in labels:
            continue
        before = getattr(item, field)
        if (before or None) != (value or None) and str(before) != str(value):
            out.append({"label": labels[field], "before": before, "after": value})
    return out


@login_required
def manage_rules(request: HttpRequest) -> HttpResponse:
    """The rules in scope and a form: the first POST shows what will change, the confirmed one saves."""
    require(request.user, Perm.POINTS_MANAGE)
    error = ""
    changes: list[dict[str, Any]] = []
    posted: dict[str, Any] | None = None
    if request.method == "POST":
        posted = request.POST.dict()
        raw: dict[str, Any] = {
            k: request.POST.get(k)
            for k in ("area_code", "per_attendance", "per_hour", "daily_cap", "monthly_cap", "valid_days")
        }
        raw["domains"] = request.POST.getlist("domains")
        try:
            data = RuleIn.parse(raw)
            services.rule_check(data)
            require(request.user, Perm.POINTS_MANAGE, data.area_code)
            if request.POST.get("confirm"):
                services.rule_set(actor=request.user, data=data)
                messages.success(request, _("The rule was saved."))
                return redirect("points:rules")
            changes = [_shown(c) for c in services.rule_changes(data)]
            if not changes:
                messages.info(request, _("Nothing would change."))
        except ApplicationError as exc:
            if _refused(exc):
                raise
            error = _error_text(exc)
    rules = list(selectors.rules_for_staff(actor=request.user))
    names = selectors.area_names({r.area_code for r in rules} | {request.user.scope.ljust(12, "0")})  # type: ignore[union-attr]
    domain_names = dict(Domain.choices)
    return render(
        request,
        "points/rules.html",
        {
            "rules": [
                (r, names.get(r.area_code, r.area_code), [domain_names.get(d, d) for d in r.domains]) for r in rules
            ],
            "communities": _rule_areas(request),
            "domains": Domain.choices,
            "changes": changes,
            "new_rule": posted is not None and not Rule.objects.filter(area_code=posted.get("area_code", "")).exists(),
            "posted": posted,
            "posted_domains": request.POST.getlist("domains") if posted else [],
            "error": error,
        },
        status=400 if error else 200,
    )


def _shown(change: dict[str, Any]) -> dict[str, Any]:
    """A rule change as the page shows it: activity kinds by their names, nothing for an empty value."""
    names = dict(Domain.choices)

    def show(value: Any) -> Any:
        if isinstance(value, list):
            return "、".join(str(names.get(v, v)) for v in value) or _("all")
        return "" if value is None else value

    return {**change, "before": show(change["before"]), "after": show(change["after"])}


def _rule_areas(request: HttpRequest) -> list[tuple[str, str]]:
    from linli.areas.models import Area

    prefix = scope_prefix(request.user) or ""
    default = Area.objects.filter(code=prefix.ljust(12, "0")).values_list("code", "name")
    label = _("%(name)s (default of its communities)")
    return [(code, label % {"name": name}) for code, name in default] + [
        c for c in _communities(request) if c[0] != prefix.ljust(12, "0")
    ]


@login_required
def flags(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.POINTS_MANAGE)
    if request.method == "POST":
        new = flags_compute(area_prefix=scope_prefix(request.user) or "")
        messages.info(request, _("%(count)s new flag(s) to review.") % {"count": new})
        return redirect("points:flags")
    status = request.GET.get("status", FlagStatus.OPEN)
    rows = list(selectors.flags_for_staff(actor=request.user, status=status or None)[:200])
    names = selectors.area_names({f.area_code for f in rows})
    return render(
        request,
        "points/flags.html",
        {
            "rows": [
                (f, names.get(f.area_code, f.area_code), mask_name(str(f.resident)) if f.resident else "") for f in rows
            ],
            "status": status,
            "statuses": FlagStatus.choices,
        },
    )


@login_required
@require_POST
def flag_review(request: HttpRequest, flag_id: int) -> HttpResponse:
    try:
        services.flag_review(
            actor=request.user,
            flag_id=flag_id,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        if _refused(exc):
            raise
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The flag was reviewed."))
    return redirect("points:flags")


@login_required
def transfers(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or None
    qs = selectors.transfers_for_staff(actor=request.user, kind=kind)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for t in page.object_list:
        resident = t.credit.user if t.credit.user_id else t.debit.user
        rows.append({"t": t, "resident": mask_name(str(resident)) if resident else ""})
    return render(
        request,
        "points/transfers.html",
        {"page": page, "rows": rows, "kind": kind or "", "kinds": TransferKind.choices},
    )


@login_required
def reverse(request: HttpRequest, transfer_id: int) -> HttpResponse:
    """GET: what the reversal will change; POST: make it."""
    if request.method == "POST":
        try:
            services.transfer_reverse(actor=request.user, transfer_id=transfer_id, memo=request.POST.get("memo", ""))
        except ApplicationError as exc:
            if _refused(exc):
                raise
            messages.error(request, _error_text(exc))
            return redirect("points:reverse", transfer_id=transfer_id)
        messages.success(request, _("The transfer was reversed."))
        return redirect("points:transfers")
    preview = services.reverse_preview(actor=request.user, transfer_id=transfer_id)
    resident = preview["resident_account"].user
    return render(
        request, "points/reverse.html", {"p": preview, "resident": mask_name(str(resident)) if resident else ""}
    )


@login_required
def counter(request: HttpRequest) -> HttpResponse:
    """The counter: type the resident's code, see what it is for, hand it over (collect)."""
    require(request.user, Perm.POINTS_MANAGE)
    found = None
    error = ""
    code = request.POST.get("code", "")
    if request.method == "POST":
        try:
            if request.POST.get("collect"):
                collected = services.redemption_collect(actor=request.user, code=code)
                messages.success(request, _("%(item)s handed over.") % {"item": collected.item.name})
                return redirect("points:counter")
            found = services.redemption_find(actor=request.user, code=code)
        except ApplicationError as exc:
            if exc.status in (401, 403):
                raise
            error = _error_text(exc)
    waiting = list(selectors.redemptions_to_collect(actor=request.user)[:50])
    return render(
        request,
        "points/counter.html",
        {
            "found": found,
            "found_name": mask_name(str(found.resident)) if found else "",
            "code": code,
            "error": error,
            "waiting": [(r, mask_name(str(r.resident))) for r in waiting],
        },
        status=400 if error else 200,
    )
