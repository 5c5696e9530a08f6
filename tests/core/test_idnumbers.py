"""Resident ID numbers are checked with python-stdnum: a valid one gives its birth date, a mistyped one
(one digit off, so the check digit no longer matches) is refused with a message naming the field, and
never yields a (wrong) age."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from linli.core.idnumbers import resident_id_birth_date, resident_id_problem, validate_resident_id
from linli.core.models import User

VALID = "11010519491231002X"  # the worked example of GB 11643
ONE_OFF = "11010519491230002X"  # day 31 typed as 30: the check digit no longer matches


def test_valid_number_gives_its_birth_date():
    assert resident_id_problem(VALID) is None
    assert resident_id_birth_date(VALID) == dt.date(1949, 12, 31)
    assert resident_id_birth_date(VALID.lower()) == dt.date(1949, 12, 31)  # x typed in lower case
    assert resident_id_birth_date("990102198001011232") == dt.date(1980, 1, 1)  # fictional demo region


@pytest.mark.parametrize(
    ("number", "why"),
    [
        (ONE_OFF, "check digit"),
        ("11010519491231002", "18 characters"),
        ("1101051949123100AX", "17 digits"),
        ("110105194902300020", "does not exist"),  # 30 February, with its own check digit
    ],
)
def test_bad_numbers_are_refused_and_give_no_age(number, why):
    with translation.override("en"):
        assert why in (resident_id_problem(number) or "")
    assert resident_id_birth_date(number) is None


def test_the_field_refuses_a_mistyped_number(db):
    user = User(username="chen", id_number=ONE_OFF)
    with translation.override("en"), pytest.raises(ValidationError) as info:
        user.full_clean()
    assert "not a valid resident ID number" in info.value.message_dict["id_number"][0]
    user.id_number = VALID
    user.set_password("pw-chen-2026")
    user.full_clean()
    with pytest.raises(ValidationError):
        validate_resident_id(ONE_OFF)
