from django.urls import URLPattern, URLResolver, path

from linli.bookings import kiosk_views, venue_urls, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.activity_list, name="booking-activities"),
    path("mine/", views.my_registrations, name="booking-mine"),
    path("manage/", views.manage, name="booking-manage"),
    path("new/", views.activity_create, name="booking-activity-create"),
    path("checkin/", views.checkin, name="booking-checkin"),
    # Kiosk devices (before the staff kiosk, whose facility code would match "device").
    path("kiosk/device/", kiosk_views.kiosk_device, name="booking-kiosk-device"),
    path("kiosk/open/<str:key>/", kiosk_views.kiosk_open, name="booking-kiosk-open"),
    path("kiosk/links/<int:token_id>/revoke/", kiosk_views.kiosk_revoke, name="booking-kiosk-revoke"),
    path("kiosk/<str:facility_code>/links/", kiosk_views.kiosk_links, name="booking-kiosk-links"),
    path("kiosk/<str:facility_code>/", views.kiosk, name="booking-kiosk"),
    path("sessions/<int:session_id>/", views.session_detail, name="booking-session"),
    path("sessions/<int:session_id>/register/", views.register, name="booking-register"),
    path("sessions/<int:session_id>/move/", views.session_move, name="booking-session-move"),
    path("sessions/<int:session_id>/add/", views.session_add, name="booking-session-add"),
    path("registrations/<int:registration_id>/cancel/", views.cancel, name="booking-cancel"),
    # Venue booking pages (activities/venues/…).
    *venue_urls.urlpatterns,
]
