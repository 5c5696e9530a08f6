from django.urls import URLPattern, URLResolver, path

from linli.organizations import views

app_name = "organizations"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("new/", views.org_new, name="new"),
    path("export.xlsx", views.register_export, name="export"),
    path("review/", views.review, name="review"),
    path("ratings/", views.ratings, name="ratings"),
    path("incubation/", views.incubations, name="incubations"),
    path("sent-down/", views.sent_down, name="sent-down"),
    path("hours/", views.to_confirm, name="to-confirm"),
    path("<int:pk>/", views.org_detail, name="detail"),
    path("<int:pk>/edit/", views.org_edit, name="edit"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/shifts/new/", views.shift_new, name="shift-new"),
    path("<int:pk>/<slug:action>/", views.org_action, name="action"),
    path("members/<int:pk>/<slug:action>/", views.member_action, name="member-action"),
    path("shifts/<int:pk>/", views.shift_detail, name="shift"),
    path("shifts/<int:pk>/<slug:action>/", views.shift_action, name="shift-action"),
]
