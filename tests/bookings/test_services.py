"""Registration rules: seats, waiting list in arrival order, promotion with a notification, refusals that
name their field and write nothing, publishing one session or a weekly series, capacities."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from linli.bookings import activities, ages, registrations
from linli.bookings.enums import RegistrationStatus
from linli.bookings.inputs import ActivityIn, SessionChangeIn
from linli.bookings.models import Activity, Notification, Registration, Session
from linli.core.errors import ApplicationError

S = RegistrationStatus


@pytest.fixture(autouse=True)
def _english():
    """Refusals are checked by their English wording here."""
    with translation.override("en"):
        yield


def refused(code: str, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        kwargs.pop("call")(**kwargs)
    assert info.value.code == code, (info.value.code, info.value.message)
    return info.value


def test_birth_date_and_age():
    assert ages.birth_date("990102198001011232") == dt.date(1980, 1, 1)
    assert ages.birth_date("990102199002025673") == dt.date(1990, 2, 2)
    assert ages.birth_date("990102198001011234") is None  # check digit does not match: no (wrong) age
    assert ages.birth_date("") is None and ages.birth_date("990102198013011234") is None
    assert ages.age_on(dt.date(1980, 6, 15), dt.date(2020, 6, 14)) == 39
    assert ages.age_on(dt.date(1980, 6, 15), dt.date(2020, 6, 15)) == 40


def test_seats_then_waiting_list_then_full(make_session, make_resident):
    session = make_session(capacity=2, waitlist_capacity=1)
    people = [make_resident() for _ in range(4)]
    statuses = [registrations.registration_create(actor=p, session_id=session.pk).status for p in people[:3]]
    assert statuses == [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED]
    error = refused("full", call=registrations.registration_create, actor=people[3], session_id=session.pk)
    assert error.status == 409 and error.extra["field"] == "persons"
    session.refresh_from_db()
    assert (session.confirmed, session.waitlisted) == (2, 1)
    assert Registration.objects.filter(session=session).count() == 3


def test_registering_twice_is_refused_and_writes_nothing(make_session, make_resident):
    session = make_session()
    resident = make_resident()
    registrations.registration_create(actor=resident, session_id=session.pk)
    error = refused("already_registered", call=registrations.registration_create, actor=resident, session_id=session.pk)
    assert error.extra["field"] == "session"
    session.refresh_from_db()
    assert session.confirmed == 1 and Registration.objects.count() == 1


def test_group_registration_counts_persons(make_session, make_resident):
    session = make_session(capacity=5, waitlist_capacity=4, max_group_size=3)
    a, b, c = make_resident(), make_resident(), make_resident()
    assert registrations.registration_create(actor=a, session_id=session.pk, persons=3).status == S.CONFIRMED
    assert registrations.registration_create(actor=b, session_id=session.pk, persons=3).status == S.WAITLISTED
    error = refused("invalid", call=registrations.registration_create, actor=c, session_id=session.pk, persons=4)
    assert error.extra["field"] == "persons"
    session.refresh_from_db()
    assert (session.confirmed, session.waitlisted) == (3, 3)


def test_registration_window(make_session, make_resident):
    now = timezone.now()
    later = make_session(opens_at=now + dt.timedelta(days=1))
    error = refused("not_open", call=registrations.registration_create, actor=make_resident(), session_id=later.pk)
    assert error.extra["field"] == "opens_at"
    closed = make_session(closes_at=now - dt.timedelta(minutes=1), opens_at=now - dt.timedelta(days=2))
    error = refused("closed", call=registrations.registration_create, actor=make_resident(), session_id=closed.pk)
    assert error.extra["field"] == "closes_at"
    assert Registration.objects.count() == 0


def test_age_limits_from_the_id_number(make_session, make_resident):
    session = make_session(min_age=60)
    today = timezone.localdate()
    old = make_resident(born=f"{today.year - 70}0101")
    young = make_resident(born=f"{today.year - 30}0101")
    nobody = make_resident(born="")
    assert registrations.registration_create(actor=old, session_id=session.pk).status == S.CONFIRMED
    error = refused("too_young", call=registrations.registration_create, actor=young, session_id=session.pk)
    assert error.extra["field"] == "min_age" and "60" in error.message
    error = refused("id_number_needed", call=registrations.registration_create, actor=nobody, session_id=session.pk)
    assert error.extra["field"] == "id_number" and "ID number" in error.message
    children = make_session(max_age=12)
    refused("too_old", call=registrations.registration_create, actor=young, session_id=children.pk)
    assert Registration.objects.count() == 1


def test_cancel_promotes_the_first_waiting_and_tells_them(make_session, make_resident):
    session = make_session(capacity=1, waitlist_capacity=5)
    first, second, third = make_resident(), make_resident(), make_resident()
    kept = registrations.registration_create(actor=first, session_id=session.pk)
    waiting_2 = registrations.registration_create(actor=second, session_id=session.pk)
    waiting_3 = registrations.registration_create(actor=third, session_id=session.pk)
    assert not waiting_2.code_hash  # no code while waiting
    registrations.registration_cancel(actor=first, registration_id=kept.pk)
    waiting_2.refresh_from_db()
    waiting_3.refresh_from_db()
    assert waiting_2.status == S.CONFIRMED and waiting_2.promoted_at and waiting_2.code_hash
    assert waiting_3.status == S.WAITLISTED
    note = Notification.objects.get()
    assert note.user == second and "太极拳" in note.text and not note.read
    session.refresh_from_db()
    assert (session.confirmed, session.waitlisted) == (1, 1)
    # cancelling a waiting registration frees its place on the list
    registrations.registration_cancel(actor=third, registration_id=waiting_3.pk)
    session.refresh_from_db()
    assert session.waitlisted == 0
    # and one may register again after cancelling
    assert registrations.registration_create(actor=first, session_id=session.pk).status == S.WAITLISTED


def test_a_big_group_at_the_head_is_not_overtaken(make_session, make_resident):
    session = make_session(capacity=3, waitlist_capacity=10, max_group_size=3)
    a, b, c = make_resident(), make_resident(), make_resident()
    ra = registrations.registration_create(actor=a, session_id=session.pk, persons=2)
    rb = registrations.registration_create(actor=b, session_id=session.pk, persons=3)
    rc = registrations.registration_create(actor=c, session_id=session.pk, persons=1)
    assert (rb.status, rc.status) == (S.WAITLISTED, S.WAITLISTED)  # c waits behind b although 1 seat is free
    registrations.registration_cancel(actor=a, registration_id=ra.pk)
    rb.refresh_from_db()
    rc.refresh_from_db()
    assert (rb.status, rc.status) == (S.CONFIRMED, S.WAITLISTED)


def test_others_may_not_cancel_but_staff_of_the_area_may(make_session, make_resident, users):
    session = make_session()
    resident = make_resident()
    registration = registrations.registration_create(actor=resident, session_id=session.pk)
    pk = registration.pk
    # other residents and staff of other areas do not see it at all; those who see it without the right to
    # change bookings (an evaluator) are refused
    refused("not_found", call=registrations.registration_cancel, actor=users["resident_b"], registration_id=pk)
    refused("not_found", call=registrations.registration_cancel, actor=users["other_community"], registration_id=pk)
    refused("forbidden", call=registrations.registration_cancel, actor=users["evaluator"], registration_id=pk)
    refused("not_found", call=registrations.registration_cancel, actor=resident, registration_id=pk + 1000)
    registration.refresh_from_db()
    assert registration.status == S.CONFIRMED
    assert registrations.registration_cancel(actor=users["community"], registration_id=pk).status == S.CANCELLED
    refused("not_cancellable", call=registrations.registration_cancel, actor=resident, registration_id=pk)


def test_database_refuses_overbooking_and_double_registration(make_session, make_resident):
    session = make_session(capacity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(confirmed=2)
    resident = make_resident()
    Registration.objects.create(session=session, resident=resident, area_code=session.area_code, status=S.WAITLISTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(session=session, resident=resident, area_code=session.area_code, status=S.CONFIRMED)
    Registration.objects.filter(resident=resident).update(status=S.CANCELLED)
    Registration.objects.create(session=session, resident=resident, area_code=session.area_code, status=S.CONFIRMED)


def _series(**changes):
    start = timezone.localdate() + dt.timedelta(days=1)
    data = {
        "title": "书法班", "domain": "culture", "repeat": "weekly", "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=27)).isoformat(), "weekdays": [0, 2],
        "start_time": "09:00", "end_time": "10:30", "capacity": 12, "waitlist_capacity": 4, "max_group_size": 2,
    }  # fmt: skip
    return {**data, **changes}


def test_weekly_series_with_excluded_dates(centre, users):
    data = _series()
    start = dt.date.fromisoformat(data["start_date"])
    wanted = [start + dt.timedelta(days=n) for n in range(28) if (start + dt.timedelta(days=n)).weekday() in (0, 2)]
    activity = activities.activity_create(actor=users["community"], facility=centre, data=ActivityIn.parse(_series()))
    assert [timezone.localtime(s.starts_at).date() for s in activity.sessions.all()] == wanted
    activity_b = activities.activity_create(
        actor=users["community"],
        facility=centre,
        data=ActivityIn.parse(_series(excluded_dates=[wanted[0].isoformat()])),
    )
    sessions = list(activity_b.sessions.all())
    assert len(sessions) == len(wanted) - 1
    first = sessions[0]
    assert timezone.localtime(first.starts_at).time() == dt.time(9, 0) and first.capacity == 12
    assert first.max_group_size == 2 and first.closes_at == first.starts_at and first.opens_at <= timezone.now()
    assert activity_b.series_rule["weekdays"] == [0, 2]


def test_one_off_session_with_item_ages(centre, users, registry):
    day = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    data = {"title": "助餐讲座", "item": "elderly-meals", "date": day, "start_time": "14:00", "end_time": "15:00",
            "capacity": 30}  # fmt: skip
    activity = activities.activity_create(actor=users["community"], facility=centre, data=ActivityIn.parse(data))
    session = activity.sessions.get()
    assert activity.domain == "elderly" and session.min_age == 60 and session.waitlist_capacity == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weekdays": [5], "end_date": None}, "end_date"),
        ({"title": ""}, "title"),
        ({"domain": "magic"}, "domain"),
        ({"capacity": 0}, "capacity"),
        ({"end_time": "08:00"}, "end_time"),
        ({"weekdays": [9]}, "weekdays"),
        ({"max_age": 10, "min_age": 20}, "max_age"),
        ({"max_group_size": 30}, "max_group_size"),
        ({"start_date": "2001-01-01"}, "start_date"),
    ],
)
def test_bad_activity_names_the_field_and_writes_nothing(centre, users, changes, field):
    with pytest.raises(ApplicationError) as info:
        activities.activity_create(actor=users["community"], facility=centre, data=ActivityIn.parse(_series(**changes)))
    assert field in {e["field"] for e in info.value.extra["errors"]}
    assert Activity.objects.count() == 0 and Session.objects.count() == 0


def test_series_rule_without_dates_is_refused(centre, users):
    start = timezone.localdate() + dt.timedelta(days=1)
    while start.weekday() != 0:
        start += dt.timedelta(days=1)
    data = _series(start_date=start.isoformat(), end_date=(start + dt.timedelta(days=1)).isoformat(), weekdays=[4])
    with pytest.raises(ApplicationError) as info:
        activities.activity_create(actor=users["community"], facility=centre, data=ActivityIn.parse(data))
    assert info.value.extra["errors"][0]["field"] == "weekdays"
    assert "no dates" in info.value.extra["errors"][0]["message"]
    data = _series(start_date=start.isoformat(), end_date=start.isoformat(), weekdays=[0], excluded_dates=[start])
    with pytest.raises(ApplicationError):
        activities.activity_create(actor=users["community"], facility=centre, data=ActivityIn.parse(data))
    assert Activity.objects.count() == 0


def test_only_staff_of_the_facility_area_publish(centre, users):
    for who in ("other_community", "resident", "auditor"):
        with pytest.raises(ApplicationError) as info:
            activities.activity_create(actor=users[who], facility=centre, data=ActivityIn.parse(_series()))
        assert info.value.status == 403
    assert Activity.objects.count() == 0


def test_capacity_change(make_session, make_resident, users):
    session = make_session(capacity=3, waitlist_capacity=3)
    people = [make_resident() for _ in range(5)]
    for person in people:
        registrations.registration_create(actor=person, session_id=session.pk)
    with pytest.raises(ApplicationError) as info:
        activities.session_update(
            actor=users["community"], session=session, data=SessionChangeIn.parse({"capacity": 2})
        )
    assert info.value.extra["errors"][0]["field"] == "capacity" and "3" in info.value.extra["errors"][0]["message"]
    with pytest.raises(ApplicationError) as info:
        activities.session_update(
            actor=users["community"], session=session, data=SessionChangeIn.parse({"waitlist_capacity": 1})
        )
    assert info.value.extra["errors"][0]["field"] == "waitlist_capacity"
    session.refresh_from_db()
    assert (session.capacity, session.waitlist_capacity) == (3, 3)
    # more seats: the waiting list moves up, in order
    activities.session_update(actor=users["community"], session=session, data=SessionChangeIn.parse({"capacity": 4}))
    statuses = list(Registration.objects.order_by("id").values_list("status", flat=True))
    assert statuses == [S.CONFIRMED] * 4 + [S.WAITLISTED]
    assert Notification.objects.filter(user=people[3]).count() == 1
