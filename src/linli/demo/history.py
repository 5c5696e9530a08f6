"""A year of history in the demo district, so the indicators have real data: residents, activities (one-off
and weekly series) with sessions over the past twelve months and the next one, registrations with check-ins
and no-shows, request types and requests in every state (some overdue, some escalated, closed ones rated),
needs with supports, surveys with answers, venues at a share of the centres with a year of bookings (weekly
group series, one-off bookings, cancelled ones, future ones awaiting approval; never two overlapping, always
inside the opening hours), and a batch of requests open right now so that the staff queues look real: the
demo users `community`, `town` and `district` each find a handful at their level, some overdue.

Rows are written in bulk straight through the models (thousands of them; the services would take minutes),
but they are what the services would have written: session counters equal the persons of their seated or
waitlisted registrations, confirmed registrations carry check-in codes, every request's event log walks the
state machine from filing to its state, and deadlines come from `linli.cases.workdays` on the official
calendar, extended by pauses and renewed on escalation. Everything is drawn from `rng`: the same seed gives
the same history (relative to today). Loaded once: if the history's residents exist, nothing is written."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from linli.core.calendar import calendar_load, calendar_years
from linli.core.enums import Role
from linli.core.models import User
from linli.demo.history_activities import activities_load
from linli.demo.history_context import HistoryContext
from linli.demo.history_feedback import needs_load, surveys_load
from linli.demo.history_requests import (
    PUBLIC_REQUEST_TYPES,
    REQUEST_TYPES,
    open_requests_load,
    request_types_load,
    requests_load,
)
from linli.demo.history_venues import venues_load
from linli.engine.synth import SynthDistrict

# The request types are re-exported: the Open311 tests and migration 0004 of cases name them here.
__all__ = ["PUBLIC_REQUEST_TYPES", "REQUEST_TYPES", "demo_history_load"]

RESIDENTS = 600


def demo_history_load(district: SynthDistrict, rng: np.random.Generator) -> dict[str, int]:
    """Load the history once (see the module's docstring); returns how many rows of each kind were created."""
    now = timezone.now()
    years = {now.year - 1, now.year, now.year + 1} & set(calendar_years())
    calendar_load(sorted(years))
    types = request_types_load()
    if User.objects.filter(username=_username(0)).exists():
        return {"request_types": types, "created": 0}
    return {"request_types": types} | _load(district, rng, now)


def _username(n: int) -> str:
    return f"resident{n + 1:04d}"


@transaction.atomic
def _load(district: SynthDistrict, rng: np.random.Generator, now: dt.datetime) -> dict[str, int]:
    staff = {u.username: u for u in User.objects.filter(username__in=["community", "town", "district"])}
    ctx = HistoryContext.of(district, rng, now, staff)
    # The parts draw from `rng` one after another: this order is the demo's (same seed, same history).
    result = {"residents": residents_load(ctx)}
    result |= activities_load(ctx)
    result |= requests_load(ctx)
    result |= needs_load(ctx)
    result |= surveys_load(ctx)
    result |= venues_load(ctx)
    result |= open_requests_load(ctx)
    return result


def residents_load(ctx: HistoryContext) -> int:
    """The residents (the history's own users), spread over the villages; they are `ctx.people` after."""
    from linli.demo.services import _fake_id_number  # the demo's own ID numbers (services imports us)

    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
    unusable = make_password(None)
    users = []
    for n in range(RESIDENTS):
        home = ctx.villages[int(ctx.rng.integers(len(ctx.villages)))]
        name = surnames[int(ctx.rng.integers(len(surnames)))] + "".join(
            given[int(i)] for i in ctx.rng.integers(len(given), size=int(ctx.rng.integers(1, 3)))
        )
        users.append(
            User(
                username=_username(n),
                password=unusable,
                role=Role.RESIDENT,
                home_area_code=home,
                display_name=name,
                phone=f"13{int(ctx.rng.integers(0, 10**9)):09d}",
                id_number=_fake_id_number(ctx.rng, home),
            )
        )
    User.objects.bulk_create(users, batch_size=500)
    ids = dict(User.objects.filter(username__in=[u.username for u in users]).values_list("username", "id"))
    for i, user in enumerate(users):
        user.pk = ids[user.username]
        ctx.by_town[user.home_area_code[:9]].append(i)
    ctx.people = users
    return len(users)
