"""iCalendar feeds, to be included at `/calendar/`: `/calendar/facility/<code>.ics`, `/calendar/area/<code>.ics`."""

from django.urls import URLPattern, URLResolver, path

from linli.bookings import ical

urlpatterns: list[URLPattern | URLResolver] = [
    path("facility/<str:code>.ics", ical.facility_feed, name="calendar-facility"),
    path("area/<str:code>.ics", ical.area_feed, name="calendar-area"),
]
