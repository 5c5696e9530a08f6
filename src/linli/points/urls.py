from django.urls import URLPattern, URLResolver

app_name = "points"
urlpatterns: list[URLPattern | URLResolver] = []
