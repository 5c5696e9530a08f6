"""Venue booking pages, included under the bookings pages (`activities/venues/…`)."""

from django.urls import URLPattern, URLResolver, path

from linli.bookings import venue_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("venues/mine/", venue_views.my_venue_bookings, name="venue-mine"),
    path("venues/queue/", venue_views.venue_queue, name="venue-queue"),
    path("venues/book/<int:venue_id>/", venue_views.venue_book, name="venue-book"),
    path("venues/bookings/<int:booking_id>/cancel/", venue_views.venue_cancel, name="venue-cancel"),
    path("venues/bookings/<int:booking_id>/decide/", venue_views.venue_decide, name="venue-decide"),
    path("venues/manage/", venue_views.venue_manage, name="venue-manage"),
    path("venues/manage/new/", venue_views.venue_create, name="venue-create"),
    path("venues/manage/<int:venue_id>/edit/", venue_views.venue_edit, name="venue-edit"),
    path("venues/at/<str:facility_code>/", venue_views.venue_list, name="venue-list"),
]
