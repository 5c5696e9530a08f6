"""A year of history in the demo district: counts in range, consistent with what the services write,
loaded once (its duration is measured in bench/, not asserted here); venue bookings that never overlap,
inside the opening hours; staff queues with open requests in every state for each demo staff member."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from linli.bookings.enums import SEATED, RegistrationStatus
from linli.bookings.models import VENUE_ACTIVE, Activity, Registration, Session, Venue, VenueBooking
from linli.bookings.selectors import sessions_managed
from linli.bookings.venue_selectors import venue_bookings_pending
from linli.cases.enums import EventAction, HandlingLevel, RequestState
from linli.cases.models import OPEN_STATES, RequestEvent, RequestType, ServiceRequest
from linli.cases.selectors import request_queue
from linli.core.models import User
from linli.demo.history import demo_history_load
from linli.demo.services import demo_load
from linli.engine.synth import generate_district
from linli.facilities.hours import OpeningHours
from linli.feedback.models import Answer, Need, NeedSupport, Survey, SurveyResponse

MODELS = (
    Activity, Session, Registration, RequestType, ServiceRequest, RequestEvent, Need, NeedSupport, Survey, Answer,
    Venue, VenueBooking,
)  # fmt: skip


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in MODELS)


def test_a_year_of_history(db):
    steps: list[int] = []
    history = demo_load(progress=lambda done, total, message="": steps.append(done), apps=False)["history"]
    assert 6 in steps and steps[-1] > 6  # the history step ran and reported its progress
    now = timezone.now()

    assert history["residents"] == 600 and 250 <= Activity.objects.count() <= 350
    assert 1000 <= Session.objects.count() <= 4000
    assert Session.objects.filter(starts_at__lt=now - dt.timedelta(days=300)).exists()
    assert Session.objects.filter(starts_at__gt=now).exists()
    # the demo community's staff manage sessions of their own centres, past and upcoming
    own = sessions_managed(viewer=User.objects.get(username="community"))
    assert own.filter(starts_at__lt=now).exists() and own.filter(starts_at__gt=now).exists()
    assert 20_000 <= Registration.objects.count() <= 120_000
    assert 10 <= RequestType.objects.count() <= 15
    assert history["open_requests"] == 120
    assert ServiceRequest.objects.count() == 2120 and 250 <= Need.objects.count() <= 350
    # Respondents are drawn from the surveyed area's demo residents, so the total depends on which areas
    # the survey dates and the random stream pick (254-322 seen); every survey has answers.
    assert 8 <= Survey.objects.count() <= 12 and SurveyResponse.objects.count() >= 150
    assert not Survey.objects.filter(responses__isnull=True).exists()

    # Session counters equal their registrations.
    seated = Sum("registrations__persons", filter=Q(registrations__status__in=SEATED), default=0)
    waiting = Sum("registrations__persons", filter=Q(registrations__status=RegistrationStatus.WAITLISTED), default=0)
    wrong = Session.objects.annotate(s=seated, w=waiting).exclude(confirmed=F("s"), waitlisted=F("w"))
    assert not wrong.exists()
    # Past sessions: attended or no-show, never still confirmed; future ones: no check-ins.
    assert not Registration.objects.filter(session__ends_at__lt=now, status=RegistrationStatus.CONFIRMED).exists()
    assert not Registration.objects.filter(session__starts_at__gt=now, status__in=["attended", "no_show"]).exists()
    attended = Registration.objects.filter(status=RegistrationStatus.ATTENDED).count()
    no_shows = Registration.objects.filter(status=RegistrationStatus.NO_SHOW).count()
    assert 0.05 < no_shows / (attended + no_shows) < 0.35
    assert not Registration.objects.filter(status__in=SEATED, code_hash="").exists()

    # Requests in every state; some overdue, some escalated; events coherent with the state.
    states = set(ServiceRequest.objects.values_list("state", flat=True))
    assert {"submitted", "accepted", "in_progress", "waiting", "resolved", "closed"} <= states
    overdue = ServiceRequest.objects.filter(state__in=OPEN_STATES, deadline_at__lt=now).exclude(state="waiting")
    assert overdue.count() >= 6 and overdue.filter(level="district").exists()
    escalated = ServiceRequest.objects.filter(escalations__gt=0)
    assert escalated.count() >= 20 and escalated.exclude(level=HandlingLevel.COMMUNITY).count() == escalated.count()
    assert (
        RequestEvent.objects.filter(action=EventAction.ESCALATE).count()
        == escalated.aggregate(n=Sum("escalations"))["n"]
    )
    closed = ServiceRequest.objects.filter(state=RequestState.CLOSED)
    assert closed.filter(rating__isnull=False).count() > closed.count() // 2
    assert not ServiceRequest.objects.exclude(state=RequestState.CLOSED).filter(rating__isnull=False).exists()
    for request in ServiceRequest.objects.annotate(n=Count("events")).order_by("?")[:200]:
        events = list(request.events.order_by("at", "id"))
        assert events[0].action == EventAction.FILE and events[-1].to_state == request.state
        assert all(a.to_state == b.from_state for a, b in itertools.pairwise(events))
        assert request.deadline_at > request.submitted_at

    assert NeedSupport.objects.count() > Need.objects.count()

    _sessions_in_opening_hours()
    _venue_bookings(history, now)
    _queues(now)

    # A second load creates nothing.
    before = counts()
    again = demo_history_load(generate_district(2026), np.random.default_rng(2029))
    assert again["created"] == 0 and counts() == before


def _sessions_in_opening_hours() -> None:
    """Demo sessions respect the rule publishing enforces: inside the facility's hours on their date; the
    dates a weekly series skips are its excluded dates."""
    sample = Session.objects.select_related("activity__facility").order_by("?")[:300]
    for session in sample:
        start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        spans = OpeningHours.for_facilities([session.activity.facility_id], start.date(), start.date()).spans(
            session.activity.facility_id, start.date()
        )
        assert any(a <= start.time() and end.time() <= b for a, b in spans), (session, spans)
    assert Activity.objects.exclude(series_rule__excluded_dates=[]).exclude(series_rule={}).exists()


def _venue_bookings(history: dict, now: dt.datetime) -> None:
    """Venues at a share of the centres; a year of bookings, weekly series among them, some cancelled, some
    awaiting approval in the future; active ones never overlap and lie on slots inside the opening hours."""
    assert 50 <= history["venues"] == Venue.objects.count() and Venue.objects.filter(needs_approval=True).exists()
    assert 3000 <= VenueBooking.objects.count() == history["venue_bookings"]
    bookings = VenueBooking.objects.all()
    assert bookings.filter(starts_at__lt=now - dt.timedelta(days=300)).exists()
    assert bookings.filter(status="cancelled").count() > 100 and bookings.filter(status="rejected").exists()
    pending = bookings.filter(status="pending")
    assert pending.count() >= 20 and not pending.filter(starts_at__lt=now).exists()
    assert not bookings.filter(starts_at__gt=now + dt.timedelta(days=15)).exists()  # within days ahead
    series = bookings.exclude(series_id=None).values("series_id").annotate(n=Count("id"))
    assert series.count() >= 50 and max(row["n"] for row in series) >= 8
    assert bookings.exclude(series_id=None).filter(status="cancelled").exists()  # a series cancelled part-way
    for row in series[:50]:
        members = list(bookings.filter(series_id=row["series_id"]))
        local = [timezone.localtime(b.starts_at) for b in members]
        assert len({(t.weekday(), t.time()) for t in local}) == 1 and len({b.venue_id for b in members}) == 1
        assert len({b.group_name for b in members}) == 1 and members[0].group_name
    # no overlaps among the bookings that hold their time
    active = (
        bookings.filter(status__in=VENUE_ACTIVE)
        .order_by("venue_id", "starts_at")
        .values_list("venue_id", "starts_at", "ends_at")
    )
    for (venue_a, _start_a, end_a), (venue_b, start_b, _end_b) in itertools.pairwise(active):
        assert venue_a != venue_b or end_a <= start_b
    # slots and opening hours (a sample)
    for booking in bookings.select_related("venue__facility").order_by("?")[:300]:
        venue, start, end = booking.venue, timezone.localtime(booking.starts_at), timezone.localtime(booking.ends_at)
        minutes = (end - start).total_seconds() / 60
        assert (start.hour * 60 + start.minute) % venue.slot_minutes == 0 and minutes % venue.slot_minutes == 0
        assert venue.min_duration_minutes <= minutes <= venue.max_duration_minutes
        spans = OpeningHours.for_facilities([venue.facility_id], start.date(), start.date()).spans(
            venue.facility_id, start.date()
        )
        assert any(a <= start.time() and end.time() <= b for a, b in spans), (booking, spans)
    # the community's own centre takes approvals: its staff have bookings to decide
    assert venue_bookings_pending(viewer=User.objects.get(username="community")).exists()


def _queues(now: dt.datetime) -> None:
    """Open requests in every open state, and a handful in each demo staff member's queue."""
    open_now = ServiceRequest.objects.filter(state__in=OPEN_STATES)
    assert open_now.count() >= 140
    for state in ("submitted", "accepted", "in_progress", "waiting"):
        assert open_now.filter(state=state).count() >= 10, state
    assert open_now.filter(escalations__gt=0).count() >= 10
    queues = {
        name: request_queue(viewer=User.objects.get(username=name), now=now)
        for name in ("community", "town", "district")
    }
    for name, rows in queues.items():
        assert 5 <= len(rows) <= 60, (name, len(rows))
        assert len({row.request.state for row in rows}) >= 2, name
    assert all(row.request.area_code.startswith("990102001001") for row in queues["community"])
    assert any(row.request.escalations for row in queues["town"])
    assert any(row.clock.overdue for row in queues["district"])
