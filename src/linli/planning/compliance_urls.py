from django.urls import URLPattern, URLResolver, path

from linli.planning import compliance_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", compliance_views.compliance_page, name="planning-compliance"),
]
