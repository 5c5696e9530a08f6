"""A record's copied area code follows its parent in one place (`core.models.area_code_moved`): when a
facility moves to another area, its offerings, activities, sessions, registrations, venues, venue bookings
and kiosk tokens all move with it (before, only the offerings did), so staff scopes stay consistent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from linli.areas.models import Area
from linli.bookings.models import KioskToken, Registration, Venue, VenueBooking
from linli.catalog.models import Offering
from linli.core.models import area_code_moved
from linli.facilities.models import Facility

NEW = "990102002001"
OLD_B = "990102001002"


def test_facility_move_carries_every_copy(centre, make_session, users, registry):
    session = make_session()
    Offering.objects.create(facility=centre, item=registry["reading"], area_code=centre.area_code)
    Registration.objects.create(
        session=session, resident=users["resident"], area_code=session.area_code, status="confirmed"
    )
    venue = Venue.objects.create(facility=centre, area_code=centre.area_code, name="多功能厅")
    start = timezone.now() + dt.timedelta(days=2)
    VenueBooking.objects.create(
        venue=venue,
        area_code=venue.area_code,
        booker=users["resident"],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    KioskToken.objects.create(
        facility=centre, area_code=centre.area_code, name="门口平板", key_hash="h" * 64, prefix="p"
    )
    # another facility's records stay where they are
    elsewhere = Facility.objects.get(pk=centre.pk)
    elsewhere.pk = None
    elsewhere.code, elsewhere.area, elsewhere.area_code = "F990102001002-01", Area.objects.get(code=OLD_B), OLD_B
    elsewhere.save()
    other = Venue.objects.create(facility=elsewhere, area_code=OLD_B, name="别处")

    centre.area, centre.area_code = Area.objects.get(code=NEW), NEW
    centre.save()
    changed = area_code_moved(centre)

    assert changed == 7  # offering, activity, session, registration, venue, booking, kiosk token
    for model in (Offering, Registration, Venue, VenueBooking, KioskToken):
        assert set(model.objects.exclude(pk=other.pk).values_list("area_code", flat=True)) == {NEW}, model
    session.refresh_from_db()
    session.activity.refresh_from_db()
    assert session.area_code == NEW and session.activity.area_code == NEW
    other.refresh_from_db()
    assert other.area_code == OLD_B
    assert area_code_moved(centre) == 0  # nothing left to change
