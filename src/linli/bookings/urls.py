from django.urls import URLPattern, URLResolver, path

from linli.bookings import venue_urls, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.activity_list, name="booking-activities"),
    path("mine/", views.my_registrations, name="booking-mine"),
    path("manage/", views.manage, name="booking-manage"),
    path("new/", views.activity_create, name="booking-activity-create"),
    path("checkin/", views.checkin, name="booking-checkin"),
    path("kiosk/<str:facility_code>/", views.kiosk, name="booking-kiosk"),
    path("sessions/<int:session_id>/", views.session_detail, name="booking-session"),
    path("sessions/<int:session_id>/register/", views.register, name="booking-register"),
    path("registrations/<int:registration_id>/cancel/", views.cancel, name="booking-cancel"),
    # Venue booking pages (activities/venues/…).
    *venue_urls.urlpatterns,
]
