"""An age-limited activity refuses a resident whose ID number on file is mistyped (its check digit does
not match) with a message naming the ID number, instead of computing a wrong age; nothing is written."""

from __future__ import annotations

import pytest
from django.utils import translation

from linli.bookings import registrations
from linli.bookings.models import Registration
from linli.core.enums import Role
from linli.core.errors import ApplicationError
from tests.conftest import make_user


def test_mistyped_id_number_is_refused_not_aged(make_session):
    session = make_session(min_age=60)
    # born 1949-12-31 (valid) and the same number with the day typed as 30 (check digit off)
    valid = make_user("old", Role.RESIDENT, home="990102001001", id_number="11010519491231002X")
    typo = make_user("typo", Role.RESIDENT, home="990102001001", id_number="11010519491230002X")
    with translation.override("en"), pytest.raises(ApplicationError) as info:
        registrations.registration_create(actor=typo, session_id=session.pk)
    assert info.value.code == "id_number_invalid" and info.value.extra["field"] == "id_number"
    assert "resident ID number" in info.value.message and "check digit" in info.value.message
    assert Registration.objects.count() == 0
    assert registrations.registration_create(actor=valid, session_id=session.pk).status == "confirmed"
