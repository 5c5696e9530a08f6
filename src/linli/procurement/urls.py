from django.urls import URLPattern, URLResolver, path

from linli.procurement import views

app_name = "procurement"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.project_list, name="projects"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("payments/<int:pk>/", views.payment_detail, name="payment"),
    path("catalogue/", views.guidance, name="guidance"),
    path("operator/", views.workspace, name="workspace"),
    path("operators/", views.operators, name="operators"),
    path("evaluations/", views.evaluation_list, name="evaluations"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation"),
    path("public/", views.public_list, name="public-list"),
    path("public/<int:pk>/", views.public_detail, name="public"),
    path("public/<int:pk>/notice/", views.public_notice, name="notice"),
]
