"""Workbench (工作台) panels of activities and bookings: a resident's next registrations with their
check-in codes; staff's sessions of today (with check-ins) and of this week, and the venue bookings
awaiting their approval. Registered from
`BookingsConfig.ready`; each panel reads through `bookings.selectors`, scoped to the user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.bookings import codes, selectors
from linli.bookings.enums import RegistrationStatus
from linli.bookings.venue_selectors import venue_bookings_pending
from linli.core.enums import Role
from linli.core.permissions import Perm, has_perm
from linli.core.workbench import workbench_panel

SHOWN = 3  # items a panel lists; the rest on the full page
RESIDENT_ROLES = {Role.RESIDENT, Role.ORG_LEADER}
STAFF_ROLES = {Role.COMMUNITY_STAFF, Role.TOWN_STAFF, Role.DISTRICT_ADMIN}


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@workbench_panel(
    "bookings.mine",
    title=_("My registrations"),
    template="bookings/panel_mine.html",
    roles=RESIDENT_ROLES,
    order=10,
)
def my_registrations_panel(request: HttpRequest) -> dict[str, Any] | None:
    upcoming = selectors.registrations_upcoming(viewer=request.user)
    items = []
    for registration in upcoming[:SHOWN]:
        shown = registration.status == RegistrationStatus.CONFIRMED and bool(registration.code_nonce)
        items.append(
            {
                "registration": registration,
                "short_code": codes.short_code(registration.code_nonce) if shown else "",
                "position": selectors.waiting_position(registration),
            }
        )
    return {"items": items, "count": upcoming.count()}


@workbench_panel(
    "bookings.sessions",
    title=_("Sessions"),
    template="bookings/panel_sessions.html",
    roles=STAFF_ROLES,
    order=20,
)
def sessions_panel(request: HttpRequest) -> dict[str, Any] | None:
    today = timezone.localdate()
    start = day_start(today)
    week_end = day_start(today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7))
    todays = list(selectors.sessions_starting(viewer=request.user, start=start, end=start + dt.timedelta(days=1)))
    week = selectors.sessions_starting(viewer=request.user, start=start, end=week_end).count()
    may_decide = has_perm(request.user, Perm.FACILITY_CHANGE)
    return {
        "venue_pending": venue_bookings_pending(viewer=request.user).count() if may_decide else None,
        "today": todays[: SHOWN + 2],
        "more_today": max(0, len(todays) - SHOWN - 2),
        "today_count": len(todays),
        "attended": sum(getattr(s, "attended", 0) for s in todays),
        "expected": sum(getattr(s, "expected", 0) + getattr(s, "attended", 0) for s in todays),
        "week_count": week,
    }
