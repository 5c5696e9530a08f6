from django.urls import URLPattern, URLResolver, path

from linli.catalog import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.item_list, name="catalog-item-list"),
    path("items/new/", views.item_create, name="catalog-item-create"),
    path("items/<slug:code>/edit/", views.item_edit, name="catalog-item-edit"),
    path("types/", views.type_list, name="facility-type-list"),
    path("types/<slug:code>/edit/", views.type_edit, name="facility-type-edit"),
]
