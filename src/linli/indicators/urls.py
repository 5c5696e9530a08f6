from django.urls import URLPattern, URLResolver, path

from linli.indicators import views

app_name = "indicators"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("replan/", views.replan, name="replan"),
    path("report/", views.report_form, name="report"),
    path("report/<uuid:job_id>/<str:fmt>/", views.report_download, name="report-download"),
    path("open/", views.open_data, name="open-data"),
    path("open/<str:dataset>.<str:fmt>", views.open_data_file, name="open-data-file"),
]
