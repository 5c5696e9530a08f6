"""`linli points_verify` names every breach (rows broken with raw SQL), the backfill mints past attended
registrations once, real check-ins mint through the event, and the fraud patterns are flagged once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone, translation

from linli.bookings.enums import RegistrationStatus
from linli.bookings.models import Registration
from linli.points import services
from linli.points.enums import FlagKind, FlagStatus, TransferKind
from linli.points.flags import flags_compute
from linli.points.inputs import RuleIn
from linli.points.minting import points_mint_backfill
from linli.points.models import Account, FraudFlag, Transfer
from tests.points.conftest import COMMUNITY, hours_confirmed

pytestmark = pytest.mark.django_db


def verify() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        try:
            call_command("points_verify", stdout=out, stderr=err)
            return 0, out.getvalue(), err.getvalue()
        except CommandError as exc:
            return 1, out.getvalue(), err.getvalue() + str(exc)


def test_verify_passes_then_names_each_breach(rule, users, earn):
    earn(users["resident"], 20)
    assert verify()[0] == 0
    account = Account.objects.get(user=users["resident"])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE points_account SET balance = balance + 5 WHERE id = %s", [account.pk])
    code, _out, err = verify()
    assert code == 1
    assert "add up to 5, not 0" in err
    assert f"Account {account.pk} " in err and "its movements add up to 20" in err
    assert "earn lots hold 20 points, its balance is 25" in err


def test_verify_names_an_event_earned_twice(rule, users, earn):
    earn(users["resident"], 20)
    t = Transfer.objects.get()
    with connection.cursor() as cursor:
        # a second earn for the same confirmed record under another key: the check reads the events themselves
        cursor.execute(
            "INSERT INTO points_transfer (key, kind, debit_id, credit_id, amount, area_code, occurred_at, created_at,"
            " memo, meta) VALUES (%s, 'earn', %s, %s, 3, %s, %s, %s, '', %s)",
            [
                "hours:again",
                t.debit_id,
                t.credit_id,
                COMMUNITY,
                timezone.now(),
                timezone.now(),
                f'{{"record_id": {t.meta["record_id"]}}}',
            ],
        )
    code, _out, err = verify()
    assert code == 1 and f"record_id={t.meta['record_id']} earned 2 times" in err


def test_backfill_mints_attended_registrations_once(rule, users, make_session):
    services.rule_set(actor=users["district"], data=RuleIn(area_code=COMMUNITY, per_attendance=6))
    session = make_session(starts_in=-dt.timedelta(days=3))
    done = Registration.objects.create(
        session=session,
        area_code=session.area_code,
        resident=users["resident"],
        status=RegistrationStatus.ATTENDED,
        checked_in_at=session.starts_at,
    )
    Registration.objects.create(
        session=session, area_code=session.area_code, resident=users["resident_b"], status=RegistrationStatus.NO_SHOW
    )
    assert points_mint_backfill() == 1
    assert points_mint_backfill() == 0
    t = Transfer.objects.get()
    assert (t.key, t.amount, t.credit.user_id) == (f"checkin:{done.pk}", 6, users["resident"].pk)


def test_a_real_checkin_mints_through_the_event(rule, users, make_session):
    from linli.bookings import codes as booking_codes
    from linli.bookings.checkin import checkin_record
    from linli.bookings.registrations import registration_create

    session = make_session(starts_in=dt.timedelta(minutes=30))
    registration = registration_create(actor=users["resident"], session_id=session.pk)
    checkin_record(actor=users["community"], code=booking_codes.full_code(registration.code_nonce))
    t = Transfer.objects.get()
    assert (t.kind, t.key, t.amount) == (TransferKind.EARN, f"checkin:{registration.pk}", 10)
    assert points_mint_backfill() == 0  # the backfill knows the event's key


def test_fraud_patterns_flagged_once_and_reviewed(rule, users, make_resident):
    resident = users["resident"]
    now = timezone.now()
    hours_confirmed(resident, "6", at=now - dt.timedelta(days=1), shift_hours=Decimal("2"))
    base = dict(session_id=1, activity_id=1, area_code=COMMUNITY, hours=Decimal(1), domain="sports")
    from linli.core.events import emit

    for i in range(3):  # one resident at three sessions within the hour
        emit(
            "bookings.checked_in",
            key=f"checkin:{100 + i}",
            registration_id=100 + i,
            resident_id=resident.pk,
            occurred_at=now - dt.timedelta(hours=5, minutes=10 * i),
            device="staff:1",
            **base,
        )
    crowd = [make_resident() for _ in range(20)]
    for i, person in enumerate(crowd):  # one phone checking twenty people in within two minutes
        emit(
            "bookings.checked_in",
            key=f"checkin:{200 + i}",
            registration_id=200 + i,
            resident_id=person.pk,
            occurred_at=now - dt.timedelta(hours=2, seconds=6 * i),
            device="staff:99",
            **base,
        )
    new = flags_compute(now=now)
    kinds = sorted(FraudFlag.objects.values_list("kind", flat=True))
    assert kinds == sorted([FlagKind.LONG_HOURS, FlagKind.CHECKIN_BURST, FlagKind.DEVICE_BURST, FlagKind.ABOVE_NORM])
    assert new == 4 and flags_compute(now=now) == 0
    norm = FraudFlag.objects.get(kind=FlagKind.ABOVE_NORM)
    assert norm.resident_id == resident.pk and norm.detail["points"] == 60
    flag = FraudFlag.objects.get(kind=FlagKind.LONG_HOURS)
    with pytest.raises(Exception) as err:
        services.flag_review(actor=users["community"], flag_id=flag.pk, status="confirmed", note="")
    assert getattr(err.value, "extra", {}).get("field") == "note"
    services.flag_review(actor=users["community"], flag_id=flag.pk, status="confirmed", note="与组织核实后冲正")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CONFIRMED
    with pytest.raises(Exception) as err:
        services.flag_review(actor=users["other_community"], flag_id=flag.pk, status="cleared")
    assert getattr(err.value, "status", None) == 404


def test_commands_and_jobs_expire_flag_and_backfill(area_tree, users):
    from linli.jobs.models import Job
    from linli.jobs.registry import handler_for

    services.rule_set(actor=users["district"], data=RuleIn(area_code=COMMUNITY, per_hour=10, valid_days=30))
    hours_confirmed(users["resident"], "2", at=timezone.now() - dt.timedelta(days=40))
    out = StringIO()
    with translation.override("en"):
        call_command("points_expire", stdout=out)
        call_command("points_backfill", stdout=out)
        call_command("points_flags", stdout=out)
    assert "1 lot(s) of points expired." in out.getvalue()
    assert "0 earn transfer(s) written." in out.getvalue()
    assert Account.objects.get(user=users["resident"]).balance == 0
    job = Job(kind="points.expire", params={})
    assert handler_for("points.expire")(job, lambda *a, **k: None) == {"lots_expired": 0}
    assert handler_for("points.flags")(job, lambda *a, **k: None) == {"new_flags": 0}
