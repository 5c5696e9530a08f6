"""The API at /api/: django-ninja, OpenAPI at /api/openapi.json, docs at /api/docs.

Auth: a bearer token (`Authorization: Bearer ll_...`, made with `linli token USER`) or the browser session.
Errors come back as `{"code": ..., "message": ..., "detail": {...}}` with the HTTP status of the error: a
refusal of a service, a body the types refuse (422 "invalid", one problem per field), no or a bad
credential (401 "unauthorized"), a failed CSRF check (403 "csrf_failed"), something not found or outside
the caller's scope (404 "not_found"), too many anonymous requests (429 "rate_limited", from
`core.middleware.AnonymousApiRateLimit`). Every body is checked by `core.inputs.raw_problems` before any
type applies (`CleanParser`).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.parser import Parser

from linli.areas.api import router as areas_router
from linli.bookings.api import router as bookings_router
from linli.cases.api import router as cases_router
from linli.catalog.facility_api import router as facility_router
from linli.construction.api import router as construction_router
from linli.core.api import router as core_router
from linli.core.auth import REQUIRED_AUTH, anonymous
from linli.core.errors import ApplicationError, RowErrors
from linli.core.inputs import MESSAGES, NOT_VALID, raw_problems, refusal
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


class CleanParser(Parser):
    """JSON bodies refused (400 "invalid") when they are not JSON or hold a value no field may take
    (`core.inputs.raw_problems`: NUL bytes, bidi controls, numbers beyond any column); query strings are
    checked by `core.middleware.CleanInputMiddleware` before any view."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise ApplicationError("invalid", _("The request body is not valid JSON."), {}) from None
        problems = raw_problems(data)
        if problems:
            raise refusal(problems)
        return data


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "description": "Every refusal: a stable code, a message in the caller's language, details (e.g. `errors`: "
    "one problem per field, with `field`, `message`, `row`, `value`).",
    "properties": {
        "code": {"type": "string", "title": "Code"},
        "message": {"type": "string", "title": "Message"},
        "detail": {"type": "object", "title": "Detail"},
    },
    "required": ["code", "message", "detail"],
}
_ERRORS = {
    400: "Bad input (`invalid`, naming each field) or a refusal of the service",
    401: "No or an invalid credential (`unauthorized`)",
    403: "Not allowed for this role, or a failed CSRF check (`forbidden`, `csrf_failed`)",
    404: "Not found, or outside the caller's area scope (`not_found`)",
    409: "Conflicts with the record's state (full, already done, changed meanwhile)",
    422: "A value of the wrong type (`invalid`, naming each field)",
    429: "Too many requests from this address or too many wrong codes (`rate_limited`, `too_many_wrong_codes`)",
}
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$"
TIME_NOTE = "Local time of day in Asia/Shanghai (UTC+08:00), HH:MM or HH:MM:SS, without an offset."


def _local_times(node: Any) -> None:
    """Times of day are local (UTC+08:00) and sent without an offset; OpenAPI's `format: time` means an
    RFC 3339 time with an offset, so the document says what is really sent."""
    if isinstance(node, dict):
        if node.get("format") == "time":
            node.pop("format")
            node["pattern"] = TIME_PATTERN
            node["description"] = (node.get("description", "") + " " + TIME_NOTE).strip()
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)


class LinliOpenAPISchema(OpenAPISchema):
    """ninja's document, plus: the error answers of every operation (with the `Error` schema), public
    operations marked public (`security: []`, or `{}` among the schemes when signing in only shows more),
    times of day as what is sent."""

    def __init__(self, api: NinjaAPI, path_prefix: str) -> None:
        super().__init__(api, path_prefix)
        self["components"].setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        _local_times(self)

    def operation_details(self, operation: Operation) -> dict[str, Any]:
        result: dict[str, Any] = super().operation_details(operation)
        callbacks = operation.auth_callbacks or []
        public = not callbacks
        optional = anonymous in callbacks
        if public:
            result["security"] = []
        elif optional:
            result["security"] = [*result.get("security", []), {}]
        codes = [400, 404, 422]
        if not public:
            codes += [401, 403]
        if public or optional:
            codes.append(429)
        if set(operation.methods) & {"POST", "PUT", "PATCH", "DELETE"}:
            codes += [403, 409]
        if "checkin" in operation.view_func.__name__:
            codes.append(429)
        responses = result.setdefault("responses", {})
        for code in sorted(set(codes)):
            responses.setdefault(
                code,
                {
                    "description": _ERRORS[code],
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            )
        return result


class LinliAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return LinliOpenAPISchema(self, path_prefix)


api = LinliAPI(
    title="linli API",
    version="1",
    description="linli (邻里): community public services. Every list is limited to the caller's area scope.",
    auth=REQUIRED_AUTH,
    urls_namespace="api",
    parser=CleanParser(),
)


def _answer(request: HttpRequest, code: str, message: str, detail: dict[str, Any], status: int) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "detail": detail}, status=status)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


_PLACES = {"body", "query", "path", "form", "header", "cookie", "file"}


def _field(loc: list[Any] | tuple[Any, ...]) -> str:
    """A field's name from a pydantic location: ["body", "payload", "rules", 0, "title"] -> "rules.0.title"."""
    parts = list(loc)
    if parts and parts[0] in _PLACES:
        place = parts.pop(0)
        if place == "body" and len(parts) > 1:
            parts.pop(0)  # the view's parameter name
    return ".".join(str(part) for part in parts)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """ninja's 422 in the `{code, message, detail}` shape, one problem per field in the user's language."""
    errors = RowErrors()
    seen: set[str] = set()
    for error in exc.errors:
        field = _field(error.get("loc", ()))
        if field in seen:
            continue
        seen.add(field)
        value = (
            error.get("input") if error.get("type") != "missing" and not isinstance(error.get("input"), dict) else None
        )
        errors.add(0, field, _(MESSAGES.get(str(error.get("type")), NOT_VALID)), value)
    return _answer(request, "invalid", _("The input was not accepted."), {"errors": errors.errors}, 422)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _answer(request, "unauthorized", _("Sign in or send a valid API token."), {}, 401)


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = _answer(request, "rate_limited", _("Too many requests. Try again later."), {}, 429)
    if exc.wait:
        response["Retry-After"] = str(int(exc.wait))
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ApplicationError):  # ninja wraps what the parser refused
        return application_error(request, exc.__cause__)
    if exc.status_code == 403 and "csrf" in str(exc).lower():
        return _answer(
            request, "csrf_failed", _("The form expired or came from another site. Reload the page."), {}, 403
        )
    if exc.status_code == 403 or isinstance(exc, AuthorizationError):
        return _answer(request, "forbidden", _("You may not do this."), {}, 403)
    return _answer(request, "http_error", str(exc), {}, exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _answer(request, "not_found", _("Not found."), {}, 404)


@api.exception_handler(DataError)
def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    """The last net under the typed inputs' bounds: a value the database refuses (a number beyond a small
    column on PostgreSQL) is the caller's bad input, not a server error. The service's transaction has rolled
    back; nothing was written."""
    return _answer(request, "out_of_range", _("A value is out of range."), {}, 400)


@api.exception_handler(OverflowError)
def overflow_error(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    """SQLite's counterpart of `data_error`: a number too large for its 64-bit integers."""
    return _answer(request, "out_of_range", _("A value is out of range."), {}, 400)


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
