"""The ledger's rules through its services: minting from events (once per event, by the rule, within the
caps), redemption and its code, reversals, expiry first-in first-out, and the invariants after each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from linli.core.errors import ApplicationError
from linli.core.events import emit
from linli.points import services
from linli.points.enums import AccountKind, RedemptionStatus, TransferKind
from linli.points.inputs import RuleIn
from linli.points.models import Account, CatalogueItem, LedgerAppendOnly, Lot, Redemption, Transfer
from linli.points.verify import ledger_breaches
from tests.points.conftest import COMMUNITY, hours_confirmed

pytestmark = pytest.mark.django_db


def balance(user, area=COMMUNITY) -> int:
    account = Account.objects.filter(user=user, area_code=area).first()
    return account.balance if account else 0


def test_hours_event_mints_once_by_the_rule(rule, users):
    resident = users["resident"]
    hours_confirmed(resident, "2.5", record_id=7)
    hours_confirmed(resident, "2.5", record_id=7)  # the same event again: nothing more
    assert balance(resident) == 12  # 2.5 h x 5 points, rounded down
    assert Transfer.objects.filter(kind=TransferKind.EARN).count() == 1
    issuing = Account.objects.get(area_code=COMMUNITY, kind=AccountKind.ISSUING)
    assert issuing.balance == -12
    assert ledger_breaches() == []


def test_same_key_refused_by_the_database(rule, users):
    hours_confirmed(users["resident"], "2", record_id=8)
    t = Transfer.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            key=t.key,
            kind=t.kind,
            debit=t.debit,
            credit=t.credit,
            amount=1,
            area_code=COMMUNITY,
            occurred_at=timezone.now(),
        )


def test_sent_down_hours_and_communities_without_a_rule_earn_nothing(rule, users):
    hours_confirmed(users["resident"], "3", kind="sent_down")
    hours_confirmed(users["resident"], "3", area_code="990102002001")
    assert Transfer.objects.count() == 0


def test_district_default_applies_to_communities_without_their_own(area_tree, users):
    services.rule_set(actor=users["district"], data=RuleIn(area_code="990102000000", per_hour=2))
    hours_confirmed(users["resident_b"], "3", area_code="990102002001")
    assert balance(users["resident_b"], "990102002001") == 6


def test_caps_per_day_and_month(area_tree, users):
    services.rule_set(
        actor=users["district"], data=RuleIn(area_code=COMMUNITY, per_hour=10, daily_cap=25, monthly_cap=40)
    )
    resident = users["resident"]
    day = timezone.make_aware(dt.datetime(2026, 3, 10, 10))
    hours_confirmed(resident, "2", at=day)  # 20
    hours_confirmed(resident, "2", at=day + dt.timedelta(hours=2))  # 5 left today
    hours_confirmed(resident, "2", at=day + dt.timedelta(hours=3))  # nothing left today
    assert balance(resident) == 25
    hours_confirmed(resident, "3", at=day + dt.timedelta(days=1))  # 15 left this month
    assert balance(resident) == 40
    hours_confirmed(resident, "1", at=timezone.make_aware(dt.datetime(2026, 4, 1, 10)))
    assert balance(resident) == 50
    assert ledger_breaches() == []


def test_checkin_event_earns_only_for_activity_kinds_of_the_rule(area_tree, users):
    services.rule_set(actor=users["district"], data=RuleIn(area_code=COMMUNITY, per_attendance=8, domains=["elderly"]))
    payload = dict(
        session_id=1,
        activity_id=1,
        resident_id=users["resident"].pk,
        area_code=COMMUNITY,
        occurred_at=timezone.now(),
        hours=Decimal(2),
    )
    emit("bookings.checked_in", key="checkin:901", registration_id=901, domain="sports", **payload)
    assert balance(users["resident"]) == 0
    emit("bookings.checked_in", key="checkin:902", registration_id=902, domain="elderly", **payload)
    assert balance(users["resident"]) == 8


def test_rule_with_a_negative_amount_refused_naming_the_field(area_tree, users):
    with pytest.raises(ApplicationError) as err:
        services.rule_set(actor=users["district"], data=RuleIn(area_code=COMMUNITY, per_hour=-3))
    assert [e["field"] for e in err.value.extra["errors"]] == ["per_hour"]
    assert err.value.extra["errors"][0]["message"] == "每志愿小时积分：不能小于 0。"
    from linli.points.models import Rule

    assert not Rule.objects.exists()


def test_rule_outside_scope_forbidden(area_tree, users):
    with pytest.raises(ApplicationError) as err:
        services.rule_set(actor=users["community"], data=RuleIn(area_code="990102002001", per_hour=3))
    assert err.value.status == 403


def test_redeem_collect_once_and_forged_code(rule, users, item, earn):
    resident = users["resident"]
    earn(resident, 50)
    redemption, code = services.redemption_create(resident=resident, item_id=item.pk)
    assert balance(resident) == 20
    item.refresh_from_db()
    assert item.stock == 9
    assert redemption.code_hash != code and code not in str(Redemption.objects.values().get())
    with pytest.raises(ApplicationError) as err:
        services.redemption_collect(actor=users["community"], code="ABCDE-FGHJK")
    assert (err.value.code, err.value.extra["field"]) == ("invalid_code", "code")
    with pytest.raises(ApplicationError) as err:
        services.redemption_collect(actor=users["other_community"], code=code)  # another community's staff
    assert err.value.code == "invalid_code"
    collected = services.redemption_collect(actor=users["community"], code=code.lower().replace("-", " "))
    assert collected.status == RedemptionStatus.COLLECTED
    with pytest.raises(ApplicationError) as err:
        services.redemption_collect(actor=users["community"], code=code)
    assert (err.value.code, err.value.status) == ("code_used", 409)
    settlement = Account.objects.get(area_code=COMMUNITY, kind=AccountKind.SETTLEMENT)
    assert settlement.balance == 30
    assert ledger_breaches() == []


def test_redeem_more_than_the_balance_refused_nothing_written(rule, users, item, earn):
    earn(users["resident"], 20)
    before = (Transfer.objects.count(), item.stock)
    with pytest.raises(ApplicationError) as err:
        services.redemption_create(resident=users["resident"], item_id=item.pk)
    assert (err.value.code, err.value.extra["field"]) == ("not_enough_points", "points")
    item.refresh_from_db()
    assert (Transfer.objects.count(), item.stock) == before
    assert balance(users["resident"]) == 20


def test_redeem_out_of_stock_refused(rule, users, item, earn):
    CatalogueItem.objects.filter(pk=item.pk).update(stock=0)
    earn(users["resident"], 50)
    with pytest.raises(ApplicationError) as err:
        services.redemption_create(resident=users["resident"], item_id=item.pk)
    assert (err.value.code, err.value.extra["field"]) == ("out_of_stock", "item")
    assert balance(users["resident"]) == 50 and not Redemption.objects.exists()


def test_cancel_returns_points_and_stock_by_a_reversal(rule, users, item, earn):
    earn(users["resident"], 40)
    redemption, _code = services.redemption_create(resident=users["resident"], item_id=item.pk)
    services.redemption_cancel(actor=users["resident"], redemption_id=redemption.pk)
    redemption.refresh_from_db()
    item.refresh_from_db()
    assert redemption.status == RedemptionStatus.CANCELLED and item.stock == 10
    assert balance(users["resident"]) == 40
    reversal = Transfer.objects.get(kind=TransferKind.REVERSE)
    assert reversal.reverses_id == redemption.transfer_id
    assert ledger_breaches() == []


def test_reversal_of_a_reversal_refused(rule, users, earn):
    earn(users["resident"], 10)
    earned = Transfer.objects.get(kind=TransferKind.EARN)
    reversal = services.transfer_reverse(actor=users["community"], transfer_id=earned.pk, memo="duplicate record")
    assert balance(users["resident"]) == 0
    with pytest.raises(ApplicationError) as err:
        services.transfer_reverse(actor=users["community"], transfer_id=reversal.pk)
    assert (err.value.code, err.value.extra["field"]) == ("reversal_of_reversal", "transfer")
    with pytest.raises(ApplicationError) as err:
        services.transfer_reverse(actor=users["community"], transfer_id=earned.pk)
    assert err.value.code == "already_reversed"
    assert Transfer.objects.count() == 2 and ledger_breaches() == []


def test_reversing_spent_points_refused(rule, users, item, earn):
    earn(users["resident"], 30)
    services.redemption_create(resident=users["resident"], item_id=item.pk)
    earned = Transfer.objects.get(kind=TransferKind.EARN)
    with pytest.raises(ApplicationError) as err:
        services.transfer_reverse(actor=users["community"], transfer_id=earned.pk)
    assert err.value.code == "not_enough_points"


def test_transfers_are_append_only(rule, users, earn):
    earn(users["resident"], 10)
    t = Transfer.objects.get()
    with pytest.raises(LedgerAppendOnly):
        t.save()
    with pytest.raises(LedgerAppendOnly):
        Transfer.objects.all().update(amount=99)
    with pytest.raises(LedgerAppendOnly):
        Transfer.objects.all().delete()
    for sql in ("UPDATE points_transfer SET amount = 99", "DELETE FROM points_transfer"):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert Transfer.objects.get().amount == 10


def test_database_refuses_negative_resident_balance(rule, users, earn):
    earn(users["resident"], 10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(user=users["resident"]).update(balance=-1)


def test_expiry_first_in_first_out(area_tree, users, item):
    services.rule_set(actor=users["district"], data=RuleIn(area_code=COMMUNITY, per_hour=10, valid_days=30))
    resident = users["resident"]
    now = timezone.now()
    hours_confirmed(resident, "2", at=now - dt.timedelta(days=40))  # 20, expired by now
    hours_confirmed(resident, "3", at=now - dt.timedelta(days=10))  # 30, still valid
    # spending 30 takes the oldest lot first (20) then 10 of the next
    services.redemption_create(resident=resident, item_id=item.pk)
    assert sorted(Lot.objects.values_list("remaining", flat=True)) == [0, 20]
    assert services.points_expire(now=now) == 0  # the old lot was spent: nothing to expire
    assert balance(resident) == 20
    assert services.points_expire(now=now + dt.timedelta(days=25)) == 1
    assert balance(resident) == 0
    assert Account.objects.get(area_code=COMMUNITY, kind=AccountKind.EXPIRY).balance == 20
    assert services.points_expire(now=now + dt.timedelta(days=25)) == 0  # expires nothing twice
    assert ledger_breaches() == []


def test_liability_per_community(rule, users, item, earn, make_resident):
    a, b = users["resident"], make_resident()
    earn(a, 50)
    earn(b, 20)
    services.redemption_create(resident=a, item_id=item.pk)
    from linli.points.selectors import liability

    (row,) = liability(actor=users["community"])
    assert (row["issued"], row["spent"], row["expired"], row["outstanding"]) == (70, 30, 0, 40)
    assert liability(actor=users["other_community"]) == []


def test_operator_settlement_counts_collected_redemptions(rule, users, earn):
    from linli.facilities.models import Operator
    from linli.points.selectors import settlement_for_operator

    operator = Operator.objects.create(name="理发服务社", kind="company", area_code=COMMUNITY)
    haircut = CatalogueItem.objects.create(
        area_code=COMMUNITY,
        name="理发",
        kind="service",
        cost=10,
        stock=5,
        operator=operator,
        price_yuan=Decimal("15.00"),
    )
    earn(users["resident"], 30)
    _r1, code1 = services.redemption_create(resident=users["resident"], item_id=haircut.pk)
    services.redemption_create(resident=users["resident"], item_id=haircut.pk)
    services.redemption_collect(actor=users["community"], code=code1)
    figures = settlement_for_operator(operator_id=operator.pk)
    assert (figures["redemptions"], figures["points"], figures["yuan"]) == (1, 10, Decimal("15.00"))
    assert Account.objects.get(operator=operator).balance == 20


def test_adjustment_needs_a_reason(rule, users):
    from linli.points.inputs import AdjustIn

    with pytest.raises(ApplicationError) as err:
        services.points_adjust(
            actor=users["community"],
            data=AdjustIn(resident_id=users["resident"].pk, area_code=COMMUNITY, amount=5, memo=""),
        )
    assert [e["field"] for e in err.value.extra["errors"]] == ["memo"]
    services.points_adjust(
        actor=users["community"],
        data=AdjustIn(resident_id=users["resident"].pk, area_code=COMMUNITY, amount=5, memo="补录"),
    )
    assert balance(users["resident"]) == 5 and ledger_breaches() == []
