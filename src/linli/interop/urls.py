from django.urls import URLPattern, URLResolver, path

from linli.interop import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.data_exchange, name="data-exchange"),
    path("import/", views.data_import, name="data-import"),
    path("facilities.xlsx", views.export_facilities, {"fmt": "xlsx"}, name="export-facilities-xlsx"),
    path("facilities.geojson", views.export_facilities, {"fmt": "geojson"}, name="export-facilities-geojson"),
    path("facilities.gpkg", views.export_facilities, {"fmt": "gpkg"}, name="export-facilities-gpkg"),
    path("catalog.xlsx", views.export_catalog, name="export-catalog-xlsx"),
]
