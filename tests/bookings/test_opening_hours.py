"""Activity sessions lie inside the facility's opening hours: the weekly hours, dated exceptions (closed,
or other hours) and official public holidays when the facility closes on holidays. A session outside them
is refused naming its date, time and the hours; a series is refused whole, listing the dates to add to its
excluded dates; nothing is written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone, translation

from linli.bookings import activities, registrations, venue_selectors, venue_services
from linli.bookings.inputs import ActivityIn, SessionMoveIn, SessionTimesIn
from linli.bookings.models import Activity, Notification, Session, Venue
from linli.core.errors import ApplicationError
from linli.core.models import CalendarDay
from linli.facilities.models import OpeningException, OpeningRule
from tests.conftest import login


@pytest.fixture(autouse=True)
def _english():
    """Refusals are checked by their English wording here."""
    with translation.override("en"):
        yield


@pytest.fixture
def hours(centre):
    """Monday to Friday 08:00-12:00 and 14:00-18:00, Saturday 09:00-12:00, closed on Sundays."""
    for weekday in range(5):
        OpeningRule.objects.create(facility=centre, weekday=weekday, opens=dt.time(8), closes=dt.time(12))
        OpeningRule.objects.create(facility=centre, weekday=weekday, opens=dt.time(14), closes=dt.time(18))
    OpeningRule.objects.create(facility=centre, weekday=5, opens=dt.time(9), closes=dt.time(12))
    return centre


def next_weekday(weekday: int, weeks: int = 1) -> dt.date:
    """The date of `weekday` (0 = Monday) at least `weeks` weeks ahead."""
    day = timezone.localdate() + dt.timedelta(weeks=weeks)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def once(day: dt.date, start: str, end: str, **extra):
    return {"title": "健康讲座", "domain": "health", "date": day.isoformat(), "start_time": start, "end_time": end,
            "capacity": 20, **extra}  # fmt: skip


def series(first: dt.date, weeks: int, start: str, end: str, **extra):
    return {"title": "书法班", "domain": "culture", "repeat": "weekly", "start_date": first.isoformat(),
            "end_date": (first + dt.timedelta(weeks=weeks) - dt.timedelta(days=1)).isoformat(),
            "weekdays": [first.weekday()], "start_time": start, "end_time": end, "capacity": 12, **extra}  # fmt: skip


def refused(actor, facility, data) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        activities.activity_create(actor=actor, facility=facility, data=ActivityIn.parse(data))
    assert not Activity.objects.exists() and not Session.objects.exists()  # nothing written
    return info.value


def only_error(exc: ApplicationError) -> dict:
    [error] = exc.extra["errors"]
    return error


def test_inside_the_hours_is_published(hours, users):
    monday = next_weekday(0)
    activity = activities.activity_create(
        actor=users["community"], facility=hours, data=ActivityIn.parse(once(monday, "14:00", "18:00"))
    )
    assert activity.sessions.count() == 1
    saturday = next_weekday(5)
    assert activities.activity_create(
        actor=users["community"], facility=hours, data=ActivityIn.parse(once(saturday, "09:00", "12:00"))
    )


@pytest.mark.parametrize(
    ("start", "end"), [("19:00", "20:30"), ("07:30", "09:00"), ("11:00", "15:00"), ("17:00", "18:30")]
)
def test_one_session_outside_the_hours(hours, users, start, end):
    tuesday = next_weekday(1)
    error = only_error(refused(users["community"], hours, once(tuesday, start, end)))
    assert error["field"] == "start_time"
    message = error["message"]
    assert tuesday.isoformat() in message and f"{start}–{end}" in message
    assert "08:00–12:00, 14:00–18:00" in message and "东湖邻里中心" in message


def test_closed_day_exception_and_holiday(hours, users):
    sunday = next_weekday(6)
    error = only_error(refused(users["community"], hours, once(sunday, "09:00", "10:00")))
    assert error["field"] == "date" and f"closed on {sunday.isoformat()}" in error["message"]

    wednesday = next_weekday(2)
    OpeningException.objects.create(facility=hours, date=wednesday, closed=True, reason="设备检修")
    error = only_error(refused(users["community"], hours, once(wednesday, "09:00", "10:00")))
    assert error["field"] == "date" and "设备检修" in error["message"]

    thursday = next_weekday(3)  # other hours that day: 13:00-16:00 only
    OpeningException.objects.create(facility=hours, date=thursday, closed=False, opens=dt.time(13), closes=dt.time(16))
    error = only_error(refused(users["community"], hours, once(thursday, "09:00", "10:00")))
    assert "13:00–16:00" in error["message"]
    assert activities.activity_create(
        actor=users["community"], facility=hours, data=ActivityIn.parse(once(thursday, "13:00", "14:00"))
    )

    friday = next_weekday(4, weeks=2)
    CalendarDay.objects.create(date=friday, kind=CalendarDay.Kind.HOLIDAY, name="国庆节")
    # open on holidays: the weekly hours hold
    assert activities.activity_create(
        actor=users["community"], facility=hours, data=ActivityIn.parse(once(friday, "09:00", "10:00"))
    )
    Activity.objects.all().delete()
    hours.closed_on_public_holidays = True
    hours.save()
    error = only_error(refused(users["community"], hours, once(friday, "09:00", "10:00")))
    assert error["field"] == "date" and "国庆节" in error["message"] and friday.isoformat() in error["message"]


def test_series_lists_the_dates_to_exclude(hours, users):
    first = next_weekday(2)  # four Wednesdays
    closed = first + dt.timedelta(weeks=2)
    OpeningException.objects.create(facility=hours, date=closed, closed=True, reason="选举投票")
    CalendarDay.objects.create(date=first + dt.timedelta(weeks=1), kind=CalendarDay.Kind.HOLIDAY, name="中秋节")
    hours.closed_on_public_holidays = True
    hours.save()
    exc = refused(users["community"], hours, series(first, 4, "09:00", "10:30"))
    error = only_error(exc)
    assert error["field"] == "excluded_dates"
    holiday = first + dt.timedelta(weeks=1)
    assert exc.extra["dates"] == [holiday.isoformat(), closed.isoformat()]
    for words in (holiday.isoformat(), "中秋节", closed.isoformat(), "选举投票", "2 of the 4 dates", "excluded dates"):
        assert words in error["message"], error["message"]
    # excluding them, the series is published with the two other dates
    data = series(first, 4, "09:00", "10:30", excluded_dates=[holiday.isoformat(), closed.isoformat()])
    activity = activities.activity_create(actor=users["community"], facility=hours, data=ActivityIn.parse(data))
    assert [timezone.localtime(s.starts_at).date() for s in activity.sessions.all()] == [
        first,
        first + dt.timedelta(weeks=3),
    ]


def test_series_outside_the_hours_on_every_date(hours, users):
    exc = refused(users["community"], hours, series(next_weekday(0), 3, "18:30", "20:00"))
    error = only_error(exc)
    assert error["field"] == "start_time" and "every date" in error["message"] and "18:30–20:00" in error["message"]
    assert len(exc.extra["dates"]) == 3


def test_facility_without_weekly_hours_checks_only_its_closures(centre, users):
    assert activities.activity_create(
        actor=users["community"], facility=centre, data=ActivityIn.parse(once(next_weekday(6), "20:00", "21:00"))
    )
    closed = next_weekday(1)
    OpeningException.objects.create(facility=centre, date=closed, closed=True, reason="停电")
    Activity.objects.all().delete()
    error = only_error(refused(users["community"], centre, once(closed, "20:00", "21:00")))
    assert "停电" in error["message"]


def test_page_and_api_name_the_problem(client, hours, users, token_for):
    login(client, users["community"])
    first = next_weekday(0)
    OpeningException.objects.create(facility=hours, date=first + dt.timedelta(weeks=1), closed=True, reason="检修")
    data = series(first, 3, "09:00", "10:00", facility=hours.code)
    page = client.post("/activities/new/", data)
    assert page.status_code == 400 and b'data-field="excluded_dates"' in page.content
    assert "检修" in page.content.decode()
    body = once(next_weekday(1), "19:00", "20:00", facility=hours.code)
    api = client.post(
        "/api/bookings/activities/", body, content_type="application/json", **token_for(users["community"])
    )
    assert api.status_code == 400 and api.json()["code"] == "outside_opening_hours"
    assert api.json()["detail"]["errors"][0]["field"] == "start_time"
    assert not Activity.objects.exists()


def test_venue_bookings_respect_holiday_closures(hours, users):
    venue = Venue.objects.create(
        facility=hours, area_code=hours.area_code, name="活动室", slot_minutes=30, min_duration_minutes=60,
        max_duration_minutes=120, max_days_ahead=60,
    )  # fmt: skip
    friday = next_weekday(4)
    CalendarDay.objects.create(date=friday, kind=CalendarDay.Kind.HOLIDAY, name="劳动节")
    start = timezone.make_aware(dt.datetime.combine(friday, dt.time(9)))
    assert venue_selectors.venue_slots(venue=venue, day=friday)  # open on holidays: slots as every Friday
    hours.closed_on_public_holidays = True
    hours.save()
    venue.refresh_from_db()
    assert venue_selectors.venue_slots(venue=venue, day=friday) == []
    with pytest.raises(ApplicationError) as info:
        venue_services.venue_booking_create(
            actor=users["resident"], venue=venue, starts_at=start, ends_at=start + dt.timedelta(hours=1)
        )
    assert info.value.code == "closed" and friday.isoformat() in info.value.message


def test_add_and_move_sessions_inside_the_hours(client, hours, users, make_resident):
    monday = next_weekday(0)
    activity = activities.activity_create(
        actor=users["community"], facility=hours, data=ActivityIn.parse(once(monday, "09:00", "10:00"))
    )
    session = activity.sessions.get()
    registrations.registration_create(actor=make_resident(), session_id=session.pk)
    before = (session.starts_at, session.ends_at)
    sunday = next_weekday(6)
    with pytest.raises(ApplicationError) as info:
        activities.session_move(
            actor=users["community"],
            session=session,
            data=SessionMoveIn.parse({"date": sunday, "start_time": "09:00", "end_time": "10:00"}),
        )
    assert only_error(info.value)["field"] == "date" and sunday.isoformat() in only_error(info.value)["message"]
    tuesday = next_weekday(1)
    with pytest.raises(ApplicationError) as info:
        activities.session_add(
            actor=users["community"],
            activity=activity,
            data=SessionTimesIn.parse({"date": tuesday, "start_time": "12:00", "end_time": "13:00"}),
        )
    assert "08:00–12:00, 14:00–18:00" in only_error(info.value)["message"]
    session.refresh_from_db()
    assert (session.starts_at, session.ends_at) == before and activity.sessions.count() == 1  # nothing written
    with pytest.raises(ApplicationError) as info:  # staff of another area
        activities.session_add(
            actor=users["other_community"],
            activity=activity,
            data=SessionTimesIn.parse({"date": tuesday, "start_time": "14:00", "end_time": "15:00"}),
        )
    assert info.value.status == 403

    moved = activities.session_move(
        actor=users["community"],
        session=session,
        data=SessionMoveIn.parse({"date": tuesday, "start_time": "14:00", "end_time": "15:30"}),
    )
    assert timezone.localtime(moved.starts_at).date() == tuesday and moved.confirmed == 1
    assert moved.closes_at <= moved.ends_at and moved.opens_at < moved.closes_at
    assert Notification.objects.filter(text__contains="moved").count() == 1
    added = activities.session_add(
        actor=users["community"],
        activity=activity,
        data=SessionTimesIn.parse({"date": next_weekday(2), "start_time": "15:00", "end_time": "16:00"}),
    )
    assert added.capacity == moved.capacity and added.confirmed == 0 and activity.sessions.count() == 2

    # the pages: a refusal is shown above the session, nothing changes
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    login(client, users["community"])
    page = client.post(
        f"/activities/sessions/{moved.pk}/move/",
        {"date": sunday.isoformat(), "start_time": "09:00", "end_time": "10:00"},
    )
    assert page.status_code == 302
    shown = client.get(page["Location"]).content.decode()
    assert "closed on" in shown and 'data-testid="session-move"' in shown
    moved.refresh_from_db()
    assert timezone.localtime(moved.starts_at).date() == tuesday
    login(client, users["other_community"])
    refused = client.post(
        f"/activities/sessions/{moved.pk}/add/",
        {"date": tuesday.isoformat(), "start_time": "14:00", "end_time": "15:00"},
    )
    assert refused.status_code == 404
