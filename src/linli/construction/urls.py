from django.urls import URLPattern, URLResolver, path

from linli.construction import views

app_name = "construction"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.board, name="board"),
    path("projects/", views.project_list, name="project-list"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/from-siting/", views.from_siting, name="from-siting"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project-edit"),
    path("map/", views.project_map, name="map"),
    path("targets/", views.targets, name="targets"),
    path("targets/export.xlsx", views.targets_export, name="targets-export"),
    path("targets/import/", views.targets_import, name="targets-import"),
]
