"""Ages: the birth date in a resident ID number, and the age limits of a session checked on registering."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.bookings.models import Session
from linli.core.errors import ApplicationError
from linli.core.idnumbers import resident_id_birth_date, resident_id_problem

if TYPE_CHECKING:
    from linli.core.models import User


def birth_date(id_number: str) -> dt.date | None:
    """The birth date in a valid 18-character resident ID number (check digit verified), or None."""
    return resident_id_birth_date(id_number)


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def check_age(resident: User, session: Session) -> None:
    if session.min_age is None and session.max_age is None:
        return
    born = birth_date(resident.id_number)
    problem = resident_id_problem(resident.id_number) if resident.id_number else None
    if problem is not None:
        raise ApplicationError(
            "id_number_invalid",
            _(
                "This activity has an age limit, and the resident ID number in your profile is not valid "
                "(%(why)s): ask the centre's staff to correct it so that your age can be checked."
            )
            % {"why": _(problem)},
            {"field": "id_number"},
        )
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
