from django.urls import URLPattern, URLResolver, path

from linli.cases import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.request_list, name="request-list"),
    path("new/", views.request_create, name="request-create"),
    path("types/", views.type_list, name="request-types"),
    path("ask/", views.consultations, name="consultations"),
    path("faq/", views.faq, name="faq"),
    path("<int:pk>/", views.request_detail, name="request-detail"),
]
