"""Resident ID numbers (居民身份证号码, GB 11643), checked by python-stdnum (`stdnum.cn.ric`): 18
characters, the first 17 digits, the last a check character (0-9 or X) that must match, digits 7-14 the
birth date. A mistyped number is refused here rather than yielding a wrong age.

The region part (digits 1-6) is not looked up: the demo district uses fictional region codes (99xxxx), and
the package's region table trails the official one."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength


def _checked(number: str) -> str:
    value = ric.compact(number)
    if len(value) != 18:
        raise InvalidLength()
    if not value[:17].isdigit() or value[17] not in "0123456789X":
        raise InvalidFormat()
    if value[17] != ric.calc_check_digit(value):
        raise InvalidChecksum()
    ric.get_birth_date(value)  # InvalidComponent for a date that does not exist
    return value


def resident_id_problem(number: str) -> str | None:
    """None when `number` is a valid resident ID number, else what is wrong (marked for translation;
    callers translate it)."""
    try:
        _checked(number)
    except InvalidLength:
        return gettext_noop("must be 18 characters")
    except InvalidFormat:
        return gettext_noop("17 digits then a digit or X")
    except InvalidChecksum:
        return gettext_noop("the check digit does not match (a digit mistyped?)")
    except InvalidComponent:
        return gettext_noop("the birth date in it does not exist")
    return None


def resident_id_birth_date(number: str) -> dt.date | None:
    """The birth date in a valid resident ID number; None when it is empty or not valid."""
    if not number or resident_id_problem(number) is not None:
        return None
    return ric.get_birth_date(ric.compact(number))


def validate_resident_id(number: str) -> None:
    """The model field's validator: a form shows the message beside the ID number field."""
    problem = resident_id_problem(number)
    if problem is not None:
        raise ValidationError(
            _("not a valid resident ID number: %(why)s") % {"why": _(problem)}, code="invalid_id_number"
        )
