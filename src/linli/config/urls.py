from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from linli.areas import views as area_views
from linli.catalog import public_views
from linli.config.api import api
from linli.core import views as core_views
from linli.demo import views as demo_views
from linli.jobs import views as job_views

urlpatterns = [
    # The API first: partner systems and the residents' app call it far more often than pages are opened,
    # and Django tries the patterns in order.
    path("api/", api.urls),
    path("", core_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("people/", core_views.people, name="people"),
    path("audit/", core_views.audit, name="audit"),
    path("areas/", area_views.area_index, name="area-index"),
    path("areas/import/", area_views.area_import, name="area-import"),
    path("areas/template.xlsx", area_views.area_template, name="area-template"),
    path("areas/<str:code>/", area_views.area_detail, name="area-detail"),
    path("jobs/", job_views.job_list, name="job-list"),
    path("jobs/demo/", demo_views.demo_start, name="demo-start"),
    path("jobs/<uuid:job_id>/", job_views.job_detail, name="job-detail"),
    path("jobs/<uuid:job_id>/progress/", job_views.job_progress, name="job-progress"),
    path("services/", public_views.services_near, name="services-near"),
    path("facilities/", include("linli.facilities.urls")),
    path("facilities/", include("linli.catalog.facility_urls")),
    path("catalog/", include("linli.catalog.urls")),
    path("data/", include("linli.interop.urls")),
    path("planning/compliance/", include("linli.planning.compliance_urls")),
    path("planning/siting/", include("linli.planning.siting_urls")),
    path("planning/", include("linli.planning.urls")),
    path("activities/", include("linli.bookings.urls")),
    path("calendar/", include("linli.bookings.ical_urls")),
    path("requests/", include("linli.cases.urls")),
    path("feedback/", include("linli.feedback.urls")),
    path("organizations/", include("linli.organizations.urls")),
    path("points/", include("linli.points.urls")),
    path("procurement/", include("linli.procurement.urls")),
    path("construction/", include("linli.construction.urls")),
    path("indicators/", include("linli.indicators.urls")),
    path("admin/", admin.site.urls),
]
