"""A correction of confirmed volunteer hours ("organizations.hours_withdrawn") takes back the points the old
record earned by a reversal before the corrected record earns; when they were spent already, the correction
goes through and staff get a flag to settle it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from linli.core.events import emit
from linli.points import services
from linli.points.enums import FlagKind, TransferKind
from linli.points.models import Account, FraudFlag, Transfer
from linli.points.verify import ledger_breaches
from tests.points.conftest import COMMUNITY, hours_confirmed

pytestmark = pytest.mark.django_db


def withdrawn(resident, record_id: int) -> None:
    emit(
        "organizations.hours_withdrawn",
        key=f"withdrawn:{record_id}",
        record_id=record_id,
        replaced_by=record_id + 1000,
        organization_id=1,
        resident_id=resident.pk,
        area_code=COMMUNITY,
        occurred_at=timezone.now(),
        hours="2",
        kind="volunteer",
    )


def test_withdrawn_hours_are_reversed_once_and_the_correction_earns(rule, users):
    resident = users["resident"]
    hours_confirmed(resident, "2", record_id=41)
    earned = Transfer.objects.get(key="hours:41")
    withdrawn(resident, 41)
    withdrawn(resident, 41)  # the same event again: one reversal only
    reversal = Transfer.objects.get(reverses=earned)
    assert reversal.kind == TransferKind.REVERSE and reversal.amount == earned.amount
    assert Account.objects.get(user=resident, area_code=COMMUNITY).balance == 0
    hours_confirmed(resident, "1", record_id=1041)
    assert (
        Account.objects.get(user=resident, area_code=COMMUNITY).balance == Transfer.objects.get(key="hours:1041").amount
    )
    assert ledger_breaches() == []


def test_spent_points_are_not_taken_back_but_flagged(rule, users, item):
    resident = users["resident"]
    hours_confirmed(resident, "8", record_id=42)  # 40 points at 5 per hour
    services.redemption_create(resident=resident, item_id=item.pk)  # 30 of them spent
    withdrawn(resident, 42)
    assert not Transfer.objects.filter(kind=TransferKind.REVERSE).exists()
    flag = FraudFlag.objects.get(key="withdrawn:42")
    assert flag.kind == FlagKind.WITHDRAWN_SPENT and flag.resident == resident
    assert ledger_breaches() == []
