"""Demo content for the workbenches (工作台): the demo resident (`resident`, 陈阿姨) holds registrations for
the next sessions near home (with check-in codes) and has a request under way, filed for her by the
community staff member (`community`, 代办), so the resident's and the staff's workbenches show real items
from the first login. Everything goes through the services (`registration_create`, `request_file`).

Idempotent: a second run creates nothing (the resident keeps at most `REGISTRATIONS` upcoming registrations
and one open request filed by staff). The lead wires `demo_desk_load` into `demo.services.demo_load` after
the history (`demo_history_load`), which provides the sessions and request types."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from linli.bookings.models import Session
from linli.bookings.registrations import registration_create
from linli.bookings.selectors import near_prefix, registrations_upcoming
from linli.cases.enums import HandlingLevel
from linli.cases.models import OPEN_STATES, ServiceRequest
from linli.cases.selectors import request_types
from linli.cases.services import request_file
from linli.core.errors import ApplicationError
from linli.core.models import User

REGISTRATIONS = 2  # upcoming registrations the demo resident holds
CANDIDATES = 40  # sessions tried, soonest first (some refuse: full, age limits)
REQUEST_DESCRIPTION = "代办：陈阿姨行动不便，社区工作人员上门了解情况后代为提交。"


def demo_desk_load(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Registrations and a request for the demo resident (see the module). Returns how many of each were
    created: {"registrations": n, "requests": m}; zeros when the demo users are missing or already served."""
    now = now or timezone.now()
    resident = User.objects.filter(username="resident").first()
    staff = User.objects.filter(username="community").first()
    created = {"registrations": 0, "requests": 0}
    if resident is None or not resident.home_area_code:
        return created
    created["registrations"] = _registrations(resident, now)
    if staff is not None:
        created["requests"] = _request(resident, staff)
    return created


def _registrations(resident: User, now: dt.datetime) -> int:
    wanted = REGISTRATIONS - registrations_upcoming(viewer=resident, now=now).count()
    if wanted <= 0:
        return 0
    sessions = (
        Session.objects.filter(
            area_code__startswith=near_prefix(resident), opens_at__lte=now, closes_at__gt=now, starts_at__gt=now
        )
        .exclude(registrations__resident=resident)
        .order_by("starts_at", "id")[:CANDIDATES]
    )
    made = 0
    for session in sessions:
        if made == wanted:
            break
        try:
            registration_create(actor=resident, session_id=session.pk)
        except ApplicationError:
            continue  # full, an age limit, closed meanwhile: the next one
        made += 1
    return made


def _request(resident: User, staff: User) -> int:
    if ServiceRequest.objects.filter(resident=resident, filed_by=staff, state__in=OPEN_STATES).exists():
        return 0
    kind = request_types().filter(handling_level=HandlingLevel.COMMUNITY).order_by("deadline_days", "code").first()
    if kind is None:
        return 0
    request_file(actor=staff, request_type=kind, description=REQUEST_DESCRIPTION, resident=resident)
    return 1
