from django.urls import URLPattern, URLResolver, path

from linli.planning import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.planning_home, name="planning-home"),
    path("new/", views.scenario_create, name="scenario-create"),
    path("compare/", views.run_compare, name="run-compare"),
    path("runs/<int:pk>/", views.run_detail, name="run-detail"),
    path("runs/<int:pk>/export.xlsx", views.run_export_xlsx, name="run-export-xlsx"),
    path("runs/<int:pk>/export.geojson", views.run_export_geojson, name="run-export-geojson"),
    path("<int:pk>/", views.scenario_detail, name="scenario-detail"),
    path("<int:pk>/run/", views.scenario_run, name="scenario-run"),
]
