from django.urls import URLPattern, URLResolver, path

from linli.feedback import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.need_list, name="feedback-needs"),
    path("needs/<int:need_id>/", views.need_detail, name="feedback-need"),
    path("needs/<int:need_id>/support/", views.need_support, name="feedback-need-support"),
    path("needs/<int:need_id>/status/", views.need_status, name="feedback-need-status"),
    path("surveys/", views.survey_list, name="feedback-surveys"),
    path("surveys/new/", views.survey_create, name="feedback-survey-create"),
    path("surveys/<int:survey_id>/", views.survey_detail, name="feedback-survey"),
    path("surveys/<int:survey_id>/results/", views.survey_results, name="feedback-survey-results"),
    path("satisfaction/", views.satisfaction, name="feedback-satisfaction"),
]
