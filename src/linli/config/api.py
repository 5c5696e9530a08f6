"""The API at /api/: django-ninja, OpenAPI at /api/openapi.json, docs at /api/docs.

Auth: a bearer token (`Authorization: Bearer ll_...`, made with `linli token USER`) or the browser session.
Errors come back as `{"code": ..., "message": ..., "detail": {...}}` with the HTTP status of the error.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from linli.areas.api import router as areas_router
from linli.core.api import router as core_router
from linli.core.errors import ApplicationError
from linli.core.models import User
from linli.core.selectors import user_for_token
from linli.interop.hsds_api import router as hsds_router
from linli.jobs.api import router as jobs_router
from linli.planning.api import router as planning_router


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="linli API",
    version="1",
    description="linli (邻里): community public services. Every list is limited to the caller's area scope.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


api.add_router("/", core_router)
api.add_router("/areas/", areas_router)
api.add_router("/jobs/", jobs_router)
api.add_router("/planning/", planning_router)
api.add_router("/hsds/", hsds_router)
