"""The demo's points load through the services, once: rules, catalogues, the backfill of attended
registrations, redemptions, reversals, expiry; running it again writes nothing, and the ledger is sound."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.bookings.enums import RegistrationStatus
from linli.bookings.models import Registration
from linli.demo.points_history import demo_points_history_load
from linli.points.enums import AccountKind, TransferKind
from linli.points.models import Account, CatalogueItem, Redemption, Rule, Transfer
from linli.points.verify import ledger_breaches
from tests.bookings.conftest import centre, make_session  # noqa: F401  (fixtures)
from tests.facilities.conftest import registry  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_points_history_loads_once(users, make_session):  # noqa: F811
    sessions = [make_session(starts_in=-dt.timedelta(days=d), capacity=30) for d in (3, 10, 200, 300)]
    people = [users["resident"], users["resident_b"]]
    for session in sessions:
        for person in people:
            Registration.objects.create(
                session=session,
                area_code=session.area_code,
                resident=person,
                status=RegistrationStatus.ATTENDED,
                checked_in_at=session.starts_at,
            )
    first = demo_points_history_load(seed=1)
    assert first["earned"] == 8 and first["items"] == 6 * 6  # six communities and villages in the test tree
    assert Rule.objects.count() == 2
    assert first["showcase_resident"] == 1
    assert Redemption.objects.filter(resident=users["resident"]).exists()
    assert Transfer.objects.filter(kind=TransferKind.ADJUST).count() == 1
    counts = (Transfer.objects.count(), CatalogueItem.objects.count(), Redemption.objects.count())
    assert demo_points_history_load(seed=1) == {"created": 0}
    assert (Transfer.objects.count(), CatalogueItem.objects.count(), Redemption.objects.count()) == counts
    assert Account.objects.filter(kind=AccountKind.RESIDENT, balance__gt=0).exists()
    assert ledger_breaches() == []
