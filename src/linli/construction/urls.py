from django.urls import URLPattern, URLResolver

app_name = "construction"
urlpatterns: list[URLPattern | URLResolver] = []
