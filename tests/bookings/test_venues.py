"""Venue booking: every rule refuses with a clear message and writes nothing; a weekly series is
all-or-nothing and can be cancelled at once; staff approve or reject; two active bookings of one venue
never overlap (the services' check under a row lock, and on PostgreSQL the exclusion constraint)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from linli.bookings import venue_selectors, venue_services
from linli.bookings.models import Notification, Venue, VenueBooking, VenueBookingStatus
from linli.core.errors import ApplicationError
from linli.facilities.models import OpeningException, OpeningRule
from tests.conftest import login


@pytest.fixture(autouse=True)
def _english():
    """Refusals are checked by their English wording here."""
    with translation.override("en"):
        yield


@pytest.fixture
def venue(centre):
    """A room of the centre, which opens 08:00-21:00 every day: 30-minute slots, bookings of 60 to 180
    minutes, up to 60 days ahead, no limit per person, no approval."""
    for weekday in range(7):
        OpeningRule.objects.create(facility=centre, weekday=weekday, opens=dt.time(8), closes=dt.time(21))
    return Venue.objects.create(
        facility=centre,
        area_code=centre.area_code,
        name="多功能厅",
        kind="room",
        capacity=40,
        slot_minutes=30,
        min_duration_minutes=60,
        max_duration_minutes=180,
        max_days_ahead=60,
    )


def at(days: int, time: str) -> dt.datetime:
    """Local time `time` on the day `days` from today."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.fromisoformat(time)))


def book(actor, venue, days: int, start: str, end: str, **extra):
    return venue_services.venue_booking_create(
        actor=actor, venue=venue, starts_at=at(days, start), ends_at=at(days, end), **extra
    )


def refused(code: str, call, *args, **kwargs) -> ApplicationError:
    before = VenueBooking.objects.count()
    with pytest.raises(ApplicationError) as info:
        call(*args, **kwargs)
    assert info.value.code == code, info.value.message
    assert VenueBooking.objects.count() == before  # nothing written
    return info.value


def test_book_approved_or_pending(venue, users):
    [booking] = book(users["resident"], venue, 2, "09:00", "10:30", group_name="  太极队 ")
    assert booking.status == VenueBookingStatus.APPROVED and booking.series_id is None
    assert booking.group_name == "太极队" and booking.area_code == venue.area_code
    venue.needs_approval = True
    venue.save()
    [later] = book(users["resident"], venue, 2, "10:30", "11:30")  # adjacent: no overlap
    assert later.status == VenueBookingStatus.PENDING


def test_slot_boundaries_and_duration(venue, users):
    err = refused("not_on_slot", book, users["resident"], venue, 2, "09:10", "10:10")
    assert err.extra["field"] == "starts_at" and "30" in err.message
    assert refused("not_on_slot", book, users["resident"], venue, 2, "09:00", "10:15").extra["field"] == "ends_at"
    assert "60" in refused("too_short", book, users["resident"], venue, 2, "09:00", "09:30").message
    assert "180" in refused("too_long", book, users["resident"], venue, 2, "09:00", "12:30").message
    assert refused("invalid", book, users["resident"], venue, 2, "10:00", "09:00").extra["field"] == "ends_at"


def test_not_in_the_past_nor_too_far_ahead(venue, users):
    refused("in_past", book, users["resident"], venue, -1, "09:00", "10:00")
    err = refused("too_far_ahead", book, users["resident"], venue, 61, "09:00", "10:00")
    assert "60" in err.message
    assert book(users["resident"], venue, 60, "09:00", "10:00")


def test_opening_hours(venue, centre, users):
    err = refused("closed", book, users["resident"], venue, 2, "07:00", "08:00")
    assert "08:00–21:00" in err.message
    err = refused("past_closing", book, users["resident"], venue, 2, "20:00", "21:30")
    assert "21:00" in err.message and err.extra["field"] == "ends_at"
    assert book(users["resident"], venue, 2, "19:30", "21:00")  # ends exactly at closing
    # a weekday without opening hours, and a dated closure
    day = timezone.localdate() + dt.timedelta(days=3)
    OpeningRule.objects.filter(facility=centre, weekday=day.weekday()).delete()
    refused("closed", book, users["resident"], venue, 3, "09:00", "10:00")
    OpeningException.objects.create(facility=centre, date=day + dt.timedelta(days=1), closed=True, reason="检修")
    refused("closed", book, users["resident"], venue, 4, "09:00", "10:00")


def test_across_midnight_refused(venue, centre, users):
    day = timezone.localdate() + dt.timedelta(days=2)
    OpeningRule.objects.filter(facility=centre, weekday=day.weekday()).update(closes=dt.time(23, 30))
    starts = at(2, "23:00")
    err = refused(
        "across_midnight",
        venue_services.venue_booking_create,
        actor=users["resident"],
        venue=venue,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
    )
    assert "midnight" in err.message and "23:30" in err.message


def test_limit_per_person(venue, users):
    venue.max_active_bookings_per_person = 2
    venue.save()
    book(users["resident"], venue, 2, "09:00", "10:00")
    book(users["resident"], venue, 3, "09:00", "10:00")
    err = refused("limit_reached", book, users["resident"], venue, 4, "09:00", "10:00")
    assert "2" in err.message
    assert book(users["resident_b"], venue, 4, "09:00", "10:00")  # per person
    # a cancelled booking no longer counts; a series counts every week
    first = VenueBooking.objects.filter(booker=users["resident"]).first()
    assert first is not None
    venue_services.venue_booking_cancel(actor=users["resident"], booking=first)
    refused("limit_reached", book, users["resident"], venue, 5, "09:00", "10:00", repeat_weeks=1)
    assert book(users["resident"], venue, 5, "09:00", "10:00")


def test_no_overlap_names_the_conflict(venue, users):
    book(users["resident"], venue, 2, "09:00", "11:00")
    err = refused("overlap", book, users["resident_b"], venue, 2, "10:30", "12:00")
    assert err.status == 409 and "09:00–11:00" in err.message
    refused("overlap", book, users["resident_b"], venue, 2, "08:30", "11:30")  # covering it
    assert book(users["resident_b"], venue, 2, "11:00", "12:00")  # adjacent is fine
    other = Venue.objects.create(facility=venue.facility, area_code=venue.area_code, name="篮球场", kind="court")
    assert book(users["resident_b"], other, 2, "09:00", "10:00")  # another venue is independent


def test_series_all_or_nothing_and_cancel_series(venue, users):
    book(users["resident_b"], venue, 2 + 14, "10:00", "11:00")  # week 3 taken
    err = refused("overlap", book, users["resident"], venue, 2, "09:30", "10:30", repeat_weeks=3, group_name="合唱团")
    assert "10:00–11:00" in err.message
    assert not VenueBooking.objects.filter(booker=users["resident"]).exists()
    # a series reaching beyond max_days_ahead is refused whole too
    refused("too_far_ahead", book, users["resident"], venue, 2, "08:00", "09:00", repeat_weeks=9)

    series = book(users["resident"], venue, 2, "08:00", "09:00", repeat_weeks=3, group_name="合唱团")
    assert len(series) == 4 and len({b.series_id for b in series}) == 1 and series[0].series_id is not None
    assert [b.starts_at for b in series] == [at(2 + 7 * n, "08:00") for n in range(4)]

    # one week off, then the rest at once
    venue_services.venue_booking_cancel(actor=users["resident"], booking=series[1])
    done = venue_services.venue_booking_cancel(actor=users["resident"], booking=series[0], whole_series=True)
    assert {b.pk for b in done} == {series[0].pk, series[2].pk, series[3].pk}
    assert set(VenueBooking.objects.filter(series_id=series[0].series_id).values_list("status", flat=True)) == {
        VenueBookingStatus.CANCELLED
    }
    refused("not_cancellable", venue_services.venue_booking_cancel, actor=users["resident"], booking=series[0])
    # the time is free again
    assert book(users["resident_b"], venue, 2, "08:00", "09:00")


def test_cancel_rules(venue, users):
    [booking] = book(users["resident"], venue, 2, "09:00", "10:00")
    with pytest.raises(ApplicationError) as info:
        venue_services.venue_booking_cancel(actor=users["resident_b"], booking=booking)
    assert info.value.status == 403
    with pytest.raises(ApplicationError) as info:
        venue_services.venue_booking_cancel(actor=users["other_community"], booking=booking)
    assert info.value.status == 403
    [done] = venue_services.venue_booking_cancel(actor=users["community"], booking=booking)
    assert done.status == VenueBookingStatus.CANCELLED and done.cancelled_at is not None
    assert Notification.objects.filter(user=users["resident"]).count() == 1
    # a booking that has begun cannot be cancelled
    started = VenueBooking.objects.create(
        venue=venue, area_code=venue.area_code, booker=users["resident"], status=VenueBookingStatus.APPROVED,
        starts_at=timezone.now() - dt.timedelta(minutes=5), ends_at=timezone.now() + dt.timedelta(minutes=55),
    )  # fmt: skip
    with pytest.raises(ApplicationError) as info:
        venue_services.venue_booking_cancel(actor=users["resident"], booking=started)
    assert info.value.code == "started"


def test_staff_decide(venue, users):
    venue.needs_approval = True
    venue.save()
    series = book(users["resident"], venue, 2, "09:00", "10:00", repeat_weeks=2)
    [single] = book(users["resident_b"], venue, 3, "09:00", "10:00")
    queue = venue_selectors.venue_bookings_pending(viewer=users["community"])
    assert [b.pk for b in queue] == [series[0].pk, single.pk, series[1].pk, series[2].pk]
    assert not venue_selectors.venue_bookings_pending(viewer=users["other_community"]).exists()
    for actor in (users["resident"], users["other_community"], users["auditor"]):
        with pytest.raises(ApplicationError) as info:
            venue_services.venue_booking_decide(actor=actor, booking=single, approve=True)
        assert info.value.status in (401, 403)
    [rejected] = venue_services.venue_booking_decide(actor=users["community"], booking=single, approve=False)
    assert rejected.status == VenueBookingStatus.REJECTED and rejected.decided_by == users["community"]
    approved = venue_services.venue_booking_decide(
        actor=users["town"], booking=series[0], approve=True, whole_series=True
    )
    assert [b.status for b in approved] == [VenueBookingStatus.APPROVED] * 3
    with pytest.raises(ApplicationError) as info:
        venue_services.venue_booking_decide(actor=users["community"], booking=single, approve=True)
    assert info.value.code == "not_pending"
    assert Notification.objects.filter(user=users["resident"]).count() == 1
    assert Notification.objects.filter(user=users["resident_b"]).count() == 1
    # a rejected booking frees the time
    assert book(users["resident"], venue, 3, "09:00", "10:00")


def test_slots_of_a_day(venue, users):
    book(users["resident"], venue, 2, "09:00", "10:00")
    slots = venue_selectors.venue_slots(venue=venue, day=timezone.localdate() + dt.timedelta(days=2))
    assert len(slots) == 26 and slots[0].starts_at == at(2, "08:00") and slots[-1].ends_at == at(2, "21:00")
    busy = [s.starts_at for s in slots if not s.free]
    assert busy == [at(2, "09:00"), at(2, "09:30")]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no exclusion constraints; there the venue's row lock and the services' check are the guard",
)
def test_database_refuses_overlap_even_without_the_check(venue, users):
    def row(start: str, end: str, status=VenueBookingStatus.APPROVED) -> VenueBooking:
        return VenueBooking(
            venue=venue, area_code=venue.area_code, booker=users["resident"], starts_at=at(2, start),
            ends_at=at(2, end), status=status,
        )  # fmt: skip

    with pytest.raises(IntegrityError, match="venue_booking_no_overlap"), transaction.atomic():
        VenueBooking.objects.bulk_create([row("09:00", "10:00"), row("09:30", "10:30", VenueBookingStatus.PENDING)])
    assert VenueBooking.objects.count() == 0
    # adjacent rows, and overlaps with cancelled or rejected rows, are allowed
    VenueBooking.objects.bulk_create(
        [
            row("09:00", "10:00"),
            row("10:00", "11:00"),
            row("09:00", "11:00", VenueBookingStatus.CANCELLED),
            row("09:30", "10:30", VenueBookingStatus.REJECTED),
        ]
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        VenueBooking.objects.create(**{f: getattr(row("10:30", "11:30"), f) for f in ("venue", "area_code", "booker",
                                       "starts_at", "ends_at", "status")})  # fmt: skip
    assert VenueBooking.objects.count() == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint exists only on PostgreSQL")
def test_constraint_violation_becomes_the_same_refusal(venue, users, monkeypatch):
    book(users["resident"], venue, 2, "09:00", "10:00")
    monkeypatch.setattr(venue_services, "_conflict", lambda *args: None)  # a race: the check saw nothing
    err = refused("overlap", book, users["resident_b"], venue, 2, "09:30", "10:30")
    assert err.status == 409


# API and pages ---------------------------------------------------------------------------------------


def test_api_list_book_mine_cancel_and_queue(client, venue, centre, users, token_for):
    resident, staff = token_for(users["resident"]), token_for(users["community"])
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    listed = client.get(f"/api/bookings/venues/?facility={centre.code}&date={day}")
    assert listed.status_code == 200
    [row] = listed.json()
    assert row["name"] == "多功能厅" and len(row["slots"]) == 26 and all(s["free"] for s in row["slots"])

    url = f"/api/bookings/venues/{venue.pk}/bookings"
    body = {"starts_at": at(2, "09:00").isoformat(), "ends_at": at(2, "10:00").isoformat(), "repeat_weeks": 2}
    assert client.post(url, body, content_type="application/json").status_code == 401
    created = client.post(url, {**body, "group_name": "书法社"}, content_type="application/json", **resident)
    assert created.status_code == 201 and len(created.json()) == 3
    assert created.json()[0]["status"] == "approved" and created.json()[0]["series_id"]
    clash = client.post(
        url, {**body, "repeat_weeks": 0}, content_type="application/json", **token_for(users["resident_b"])
    )
    assert clash.status_code == 409 and clash.json()["code"] == "overlap"
    late = {"starts_at": at(2, "20:30").isoformat(), "ends_at": at(2, "21:30").isoformat()}
    bad = client.post(url, late, content_type="application/json", **resident)
    assert bad.status_code == 400 and bad.json()["code"] == "past_closing"
    slots = client.get(f"/api/bookings/venues/{venue.pk}?date={day}").json()["slots"]
    assert [s["free"] for s in slots[2:4]] == [False, False]

    mine = client.get("/api/bookings/venues/bookings/mine", **resident).json()
    assert [b["id"] for b in mine] == [b["id"] for b in created.json()]
    first = created.json()[0]["id"]
    assert (
        client.post(f"/api/bookings/venues/bookings/{first}/cancel", **token_for(users["resident_b"])).status_code
        == 404
    )
    done = client.post(f"/api/bookings/venues/bookings/{first}/cancel?whole_series=true", **resident)
    assert done.status_code == 200 and [b["status"] for b in done.json()] == ["cancelled"] * 3

    venue.needs_approval = True
    venue.save()
    pending = client.post(url, {**body, "repeat_weeks": 0}, content_type="application/json", **resident).json()[0]
    assert pending["status"] == "pending"
    assert client.get("/api/bookings/venues/bookings/pending", **resident).status_code == 403
    queue = client.get("/api/bookings/venues/bookings/pending", **staff).json()
    assert [b["id"] for b in queue] == [pending["id"]] and queue[0]["booker"]
    decided = client.post(
        f"/api/bookings/venues/bookings/{pending['id']}/decide", {"approve": True}, content_type="application/json",
        **staff,
    )  # fmt: skip
    assert decided.status_code == 200 and decided.json()[0]["status"] == "approved"


def test_pages(client, venue, centre, users):
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    page = client.get(f"/activities/venues/at/{centre.code}/?date={day}")
    assert page.status_code == 200 and "多功能厅" in page.content.decode()
    login(client, users["resident"])
    form = {"date": day, "start": "09:00", "end": "10:00", "group_name": "棋社", "repeat_weeks": "1"}
    response = client.post(f"/activities/venues/book/{venue.pk}/", form)
    assert response.status_code == 302 and VenueBooking.objects.filter(group_name="棋社").count() == 2
    # a refusal shows the message and writes nothing
    response = client.post(f"/activities/venues/book/{venue.pk}/", {**form, "start": "20:30", "end": "21:30"},
                           follow=True)  # fmt: skip
    assert "21:00" in response.content.decode() and VenueBooking.objects.count() == 2
    mine = client.get("/activities/venues/mine/")
    assert mine.status_code == 200 and 'data-testid="venue-cancel-series"' in mine.content.decode()
    booking = VenueBooking.objects.order_by("starts_at").first()
    assert booking is not None
    client.post(f"/activities/venues/bookings/{booking.pk}/cancel/", {"whole_series": "1"})
    assert set(VenueBooking.objects.values_list("status", flat=True)) == {"cancelled"}
    assert client.get("/activities/venues/queue/").status_code == 403

    venue.needs_approval = True
    venue.save()
    client.post(f"/activities/venues/book/{venue.pk}/", {**form, "repeat_weeks": "0"})
    pending = VenueBooking.objects.get(status="pending")
    login(client, users["community"])
    queue = client.get("/activities/venues/queue/")
    assert queue.status_code == 200 and f'data-booking="{pending.pk}"' in queue.content.decode()
    client.post(f"/activities/venues/bookings/{pending.pk}/decide/", {"approve": "0"})
    pending.refresh_from_db()
    assert pending.status == "rejected"


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_slot(crowded_live_server, venue, make_resident):
    """Residents booking overlapping times of one venue in the same instant, over HTTP: exactly one gets
    it, every other is refused as an overlap (409), none fails with a server error."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    import requests

    from linli.core.services import api_token_create

    people = 12
    keys = [api_token_create(user=make_resident(), name="test")[1] for _ in range(people)]
    url = f"{crowded_live_server.url}/api/bookings/venues/{venue.pk}/bookings"
    start = Barrier(people)

    def attempt(n: int) -> int:
        begin = at(2, "09:00" if n % 2 else "09:30")
        body = {"starts_at": begin.isoformat(), "ends_at": (begin + dt.timedelta(hours=1)).isoformat()}
        with requests.Session() as http:
            start.wait()
            return http.post(url, json=body, headers={"Authorization": f"Bearer {keys[n]}"}, timeout=120).status_code

    with ThreadPoolExecutor(max_workers=people) as pool:
        statuses = sorted(pool.map(attempt, range(people)))
    assert statuses == [201] + [409] * (people - 1)
    assert VenueBooking.objects.filter(venue=venue).count() == 1
