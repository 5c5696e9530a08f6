from django.urls import URLPattern, URLResolver, path

from linli.points import views

app_name = "points"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<int:item_id>/redeem/", views.redeem, name="redeem"),
    path("codes/", views.my_codes, name="codes"),
    path("codes/<int:redemption_id>/cancel/", views.cancel, name="cancel"),
    path("manage/", views.manage, name="manage"),
    path("manage/catalogue/", views.manage_catalogue, name="manage-catalogue"),
    path("manage/catalogue/<int:item_id>/", views.manage_item, name="manage-item"),
    path("manage/rules/", views.manage_rules, name="rules"),
    path("manage/flags/", views.flags, name="flags"),
    path("manage/flags/<int:flag_id>/", views.flag_review, name="flag-review"),
    path("manage/transfers/", views.transfers, name="transfers"),
    path("manage/transfers/<int:transfer_id>/reverse/", views.reverse, name="reverse"),
    path("manage/counter/", views.counter, name="counter"),
]
