"""Pages under /facilities/ that show catalogue records (mounted beside `facilities.urls`)."""

from django.urls import URLPattern, URLResolver, path

from linli.catalog import facility_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:code>/", facility_views.facility_detail, name="facility-detail"),
    path("<str:code>/offerings/", facility_views.facility_offerings, name="facility-offerings"),
]
