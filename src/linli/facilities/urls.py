from django.urls import URLPattern, URLResolver, path

from linli.facilities import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.facility_list, name="facility-list"),
    path("new/", views.facility_create, name="facility-create"),
    path("operators/", views.operator_list, name="operator-list"),
    path("operators/new/", views.operator_create, name="operator-create"),
    path("operators/<int:pk>/edit/", views.operator_edit, name="operator-edit"),
    path("<str:code>/edit/", views.facility_edit, name="facility-edit"),
    path("<str:code>/hours/", views.facility_hours, name="facility-hours"),
]
