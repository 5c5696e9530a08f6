"""A year of history in the demo district: counts in range, consistent with what the services write, fast
enough, and loaded once."""

from __future__ import annotations

import datetime as dt
import itertools
import time

import numpy as np
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from linli.bookings.enums import SEATED, RegistrationStatus
from linli.bookings.models import Activity, Registration, Session
from linli.cases.enums import EventAction, HandlingLevel, RequestState
from linli.cases.models import OPEN_STATES, RequestEvent, RequestType, ServiceRequest
from linli.demo.history import demo_history_load
from linli.demo.services import demo_load
from linli.engine.synth import generate_district
from linli.feedback.models import Answer, Need, NeedSupport, Survey, SurveyResponse

MODELS = (Activity, Session, Registration, RequestType, ServiceRequest, RequestEvent, Need, NeedSupport, Survey, Answer)


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in MODELS)


def test_a_year_of_history(db):
    marks: dict[int, float] = {}
    history = demo_load(progress=lambda done, total, message="": marks.setdefault(done, time.perf_counter()))["history"]
    seconds = marks[7] - marks[6]
    print(f"history: {seconds:.1f} s", history)
    assert seconds < 30  # about 10 s here; generous for slow CI machines
    now = timezone.now()

    assert history["residents"] == 600 and 250 <= Activity.objects.count() <= 350
    assert 1000 <= Session.objects.count() <= 4000
    assert Session.objects.filter(starts_at__lt=now - dt.timedelta(days=300)).exists()
    assert Session.objects.filter(starts_at__gt=now).exists()
    assert 20_000 <= Registration.objects.count() <= 120_000
    assert 10 <= RequestType.objects.count() <= 15
    assert ServiceRequest.objects.count() == 2000 and 250 <= Need.objects.count() <= 350
    assert 8 <= Survey.objects.count() <= 12 and SurveyResponse.objects.count() > 300

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
    assert overdue.exists()
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

    # A second load creates nothing.
    before = counts()
    again = demo_history_load(generate_district(2026), np.random.default_rng(2029))
    assert again["created"] == 0 and counts() == before
