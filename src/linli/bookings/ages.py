"""Ages: the birth date in a resident ID number, and the age limits of a session checked on registering."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.bookings.models import Session
from linli.core.errors import ApplicationError

if TYPE_CHECKING:
    from linli.core.models import User


def birth_date(id_number: str) -> dt.date | None:
    """The birth date in an 18-character resident ID number (digits 7-14, YYYYMMDD), or None."""
    value = (id_number or "").strip()
    if len(value) != 18 or not value[:17].isdigit():
        return None
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def check_age(resident: User, session: Session) -> None:
    if session.min_age is None and session.max_age is None:
        return
    born = birth_date(resident.id_number)
    if born is None:
        raise ApplicationError(
            "id_number_needed",
            _(
                "This activity has an age limit: add your 18-digit resident ID number to your profile "
                "(or ask the centre's staff) so that your age can be checked."
            ),
            {"field": "id_number"},
        )
    age = age_on(born, timezone.localdate(session.starts_at))
    if session.min_age is not None and age < session.min_age:
        raise ApplicationError(
            "too_young",
            _("This activity is for people aged %(min)d and over; you will be %(age)d.")
            % {"min": session.min_age, "age": age},
            {"field": "min_age", "age": age},
        )
    if session.max_age is not None and age > session.max_age:
        raise ApplicationError(
            "too_old",
            _("This activity is for people aged up to %(max)d; you will be %(age)d.")
            % {"max": session.max_age, "age": age},
            {"field": "max_age", "age": age},
        )
