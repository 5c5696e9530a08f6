from django.urls import URLPattern, URLResolver, path

from linli.planning import siting_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", siting_views.siting_home, name="siting-home"),
    path("runs/<int:run_id>/", siting_views.siting_run, name="siting-run"),
]
