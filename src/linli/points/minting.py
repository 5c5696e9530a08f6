"""Minting: points are issued only from verified events (a check-in at a session, volunteer hours
confirmed by a leader or staff), by the rule in data of the community, within its caps per day and month.
The event's key is the transfer's idempotency key (unique in the database): the same event never earns
twice, whether it arrives by the listener, again, or through `points_mint_backfill`."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from linli.bookings.enums import RegistrationStatus
from linli.bookings.models import Registration
from linli.points.enums import AccountKind, FlagKind, TransferKind
from linli.points.ledger import account_for, community_of, post, rule_for
from linli.points.models import Account, FraudFlag, Rule, Transfer


def _earned_since(account: Account, start: dt.datetime, end: dt.datetime) -> int:
    total = Transfer.objects.filter(
        credit=account, kind=TransferKind.EARN, occurred_at__gte=start, occurred_at__lt=end
    ).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


def _capped(rule: Rule, account: Account, amount: int, at: dt.datetime) -> int:
    """`amount`, less what would pass the rule's caps for the day and the month of `at` (local time)."""
    local = timezone.localtime(at)
    if rule.daily_cap is not None:
        day = local.replace(hour=0, minute=0, second=0, microsecond=0)
        amount = min(amount, rule.daily_cap - _earned_since(account, day, day + dt.timedelta(days=1)))
    if rule.monthly_cap is not None:
        month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        following = (month + dt.timedelta(days=32)).replace(day=1)
        amount = min(amount, rule.monthly_cap - _earned_since(account, month, following))
    return max(amount, 0)


def mint(
    *,
    key: str,
    area_code: str,
    resident_id: int,
    rule: Rule,
    amount: int,
    occurred_at: dt.datetime,
    meta: dict[str, Any],
) -> Transfer | None:
    """Issue `amount` (capped by `rule`) from the community's issuing account to the resident's, once per
    `key`. Returns the transfer, or None when the key has earned already or nothing is left under the caps."""
    if amount <= 0 or Transfer.objects.filter(key=key).exists():
        return None
    community = community_of(area_code)
    resident_lock = Account.objects.select_for_update().filter(area_code=community, user_id=resident_id)
    try:
        with transaction.atomic():
            # the resident's row first (the fixed order; the caps: one earn at a time), the issuing account after
            resident = resident_lock.first()
            if resident is None:
                account_for(AccountKind.RESIDENT, community, user_id=resident_id)
                resident = resident_lock.get()
            issuing = account_for(AccountKind.ISSUING, community)
            amount = _capped(rule, resident, amount, occurred_at)
            if amount <= 0:
                return None
            transfer = post(
                kind=TransferKind.EARN,
                debit=issuing,
                credit=resident,
                amount=amount,
                key=key,
                area_code=community,
                occurred_at=occurred_at,
                meta=meta,
                lot_days=rule.valid_days,
            )
            return transfer
    except IntegrityError:
        if Transfer.objects.filter(key=key).exists():  # the same event, minted at the same moment elsewhere
            return None
        raise


def mint_for_checkin(
    *,
    key: str,
    registration_id: int,
    session_id: int,
    activity_id: int,
    resident_id: int,
    area_code: str,
    occurred_at: dt.datetime,
    hours: Decimal,
    domain: str | None = None,
    device: str | None = None,
    rule: Rule | None = None,
    **extra: Any,
) -> Transfer | None:
    """Listener of "bookings.checked_in": points per attendance, if the activity's kind earns. (`rule`: the
    community's rule when the caller has it already, as the backfill does.)"""
    rule = rule or rule_for(area_code)
    if rule is None or rule.per_attendance <= 0:
        return None
    if domain is None:
        domain = (
            Registration.objects.filter(pk=registration_id).values_list("session__activity__domain", flat=True).first()
        )
    if rule.domains and domain not in rule.domains:
        return None
    if device is None:
        checked_in_by = Registration.objects.filter(pk=registration_id).values_list("checked_in_by", flat=True).first()
        device = f"staff:{checked_in_by}" if checked_in_by else "kiosk"
    meta = {
        "event": "bookings.checked_in",
        "registration_id": registration_id,
        "session_id": session_id,
        "activity_id": activity_id,
        "hours": str(hours),
        "domain": domain,
        "device": device,
    }
    return mint(
        key=key,
        area_code=area_code,
        resident_id=resident_id,
        rule=rule,
        amount=rule.per_attendance,
        occurred_at=occurred_at,
        meta=meta,
    )


def mint_for_hours(
    *,
    key: str,
    record_id: int,
    organization_id: int,
    resident_id: int,
    area_code: str,
    occurred_at: dt.datetime,
    hours: Decimal,
    kind: str = "volunteer",
    shift_hours: Decimal | None = None,
    **extra: Any,
) -> Transfer | None:
    """Listener of "organizations.hours_confirmed": points per volunteer hour (whole points, rounded down).
    Hours of staff sent down to serve (下沉) are part of their work and earn nothing."""
    if kind != "volunteer":
        return None
    rule = rule_for(area_code)
    if rule is None or rule.per_hour <= 0:
        return None
    hours = Decimal(str(hours))
    amount = int((hours * rule.per_hour).to_integral_value(rounding=ROUND_FLOOR))
    meta = {
        "event": "organizations.hours_confirmed",
        "record_id": record_id,
        "organization_id": organization_id,
        "hours": str(hours),
    }
    if shift_hours is not None:
        meta["shift_hours"] = str(shift_hours)
    return mint(
        key=key,
        area_code=area_code,
        resident_id=resident_id,
        rule=rule,
        amount=amount,
        occurred_at=occurred_at,
        meta=meta,
    )


def points_mint_backfill(*, since: dt.datetime | None = None) -> int:
    """Mint for past attended registrations (those recorded without the event, e.g. the demo's history),
    with the check-in's own key: running it again, or after the listener, mints nothing twice. Returns the
    number of transfers written."""
    done = {
        int(key.split(":", 1)[1])
        for key in Transfer.objects.filter(key__startswith="checkin:").values_list("key", flat=True)
    }
    rows = (
        Registration.objects.filter(status=RegistrationStatus.ATTENDED)
        .select_related("session", "session__activity")
        .order_by("checked_in_at", "id")
    )
    if since is not None:
        rows = rows.filter(checked_in_at__gte=since)
    written = 0
    rules: dict[str, Rule | None] = {}
    for registration in rows.iterator(chunk_size=500):
        if registration.pk in done:
            continue
        session = registration.session
        if session.area_code not in rules:
            rules[session.area_code] = rule_for(session.area_code)
        if rules[session.area_code] is None:
            continue
        with transaction.atomic():
            made = mint_for_checkin(
                key=f"checkin:{registration.pk}",
                registration_id=registration.pk,
                session_id=session.pk,
                activity_id=session.activity_id,
                resident_id=registration.resident_id,
                area_code=session.area_code,
                occurred_at=registration.checked_in_at or session.starts_at,
                hours=Decimal((session.ends_at - session.starts_at).total_seconds()) / Decimal(3600),
                domain=session.activity.domain,
                device=f"staff:{registration.checked_in_by_id}" if registration.checked_in_by_id else "kiosk",
                rule=rules[session.area_code],
            )
        written += made is not None
    return written


def on_checked_in(**payload: Any) -> None:
    """The listener of "bookings.checked_in" (registered in `PointsConfig.ready`)."""
    mint_for_checkin(**payload)


def on_hours_confirmed(**payload: Any) -> None:
    """The listener of "organizations.hours_confirmed" (registered in `PointsConfig.ready`)."""
    mint_for_hours(**payload)


def on_hours_withdrawn(*, record_id: int, resident_id: int, area_code: str, **payload: Any) -> None:
    """The listener of "organizations.hours_withdrawn": a confirmed record was replaced by a correction, so
    the points it earned are taken back by a reversal (never an edit) before the corrected record earns
    anew. When the resident has spent them already, the correction is not blocked: a flag asks staff to
    settle it (an adjustment with its reason)."""
    from linli.points.services import reverse_problem, transfer_reverse

    earned = Transfer.objects.filter(key=f"hours:{record_id}").select_related("credit").first()
    if earned is None or Transfer.objects.filter(reverses=earned).exists():
        return
    if reverse_problem(earned, earned.credit.balance) is None:
        transfer_reverse(actor=None, transfer_id=earned.pk, memo="volunteer hours corrected", _own=True)
        return
    FraudFlag.objects.get_or_create(
        key=f"withdrawn:{record_id}",
        defaults={
            "kind": FlagKind.WITHDRAWN_SPENT,
            "resident_id": resident_id,
            "area_code": earned.area_code,
            "detail": {"transfer": earned.pk, "amount": earned.amount, "record_id": record_id},
        },
    )
