"""The API at /api/: django-ninja, OpenAPI at /api/openapi.json, docs at /api/docs.

Auth: a bearer token (`Authorization: Bearer ll_...`, made with `linli token USER`) or the browser session.
Errors come back as `{"code": ..., "message": ..., "detail": {...}}` with the HTTP status of the error.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from linli.areas.api import router as areas_router
from linli.bookings.api import router as bookings_router
from linli.cases.api import router as cases_router
from linli.catalog.facility_api import router as facility_router
from linli.construction.api import router as construction_router
from linli.core.api import router as core_router
from linli.core.auth import REQUIRED_AUTH
from linli.core.errors import ApplicationError
from linli.facilities.api import router as facilities_router
from linli.feedback.api import router as feedback_router
from linli.indicators.api import router as indicators_router
from linli.interop.hsds_api import router as hsds_router
from linli.jobs.api import router as jobs_router
from linli.organizations.api import router as organizations_router
from linli.planning.api import router as planning_router
from linli.planning.compliance_api import router as compliance_router
from linli.planning.siting_api import router as siting_router
from linli.points.api import router as points_router
from linli.procurement.api import router as procurement_router

api = NinjaAPI(
    title="linli API",
    version="1",
    description="linli (邻里): community public services. Every list is limited to the caller's area scope.",
    auth=REQUIRED_AUTH,
    urls_namespace="api",
)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


api.add_router("/", core_router)
api.add_router("/areas/", areas_router)
api.add_router("/jobs/", jobs_router)
api.add_router("/", facilities_router)
api.add_router("/", facility_router)
api.add_router("/planning/compliance/", compliance_router)
api.add_router("/planning/siting/", siting_router)
api.add_router("/planning/", planning_router)
api.add_router("/hsds/", hsds_router)
api.add_router("/bookings/", bookings_router)
api.add_router("/cases/", cases_router)
api.add_router("/feedback/", feedback_router)
api.add_router("/organizations/", organizations_router)
api.add_router("/points/", points_router)
api.add_router("/procurement/", procurement_router)
api.add_router("/construction/", construction_router)
api.add_router("/indicators/", indicators_router)
