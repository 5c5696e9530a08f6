"""linli's own request handling: an `ApplicationError` raised by a page rendered as a page with its status
(the API has its own handler in `linli.config.api` giving the same code and message as JSON), the choice
of interface language, clean paths and query strings (`CleanInputMiddleware`) and the per-address limit of
anonymous API requests (`AnonymousApiRateLimit`)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.shortcuts import render
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError


class ApplicationErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError):
            return None
        if exception.status == 401:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if request.headers.get("HX-Request") or request.path.startswith("/api/"):
            return JsonResponse(exception.as_dict(), status=exception.status)
        return render(request, "core/error.html", {"error": exception}, status=exception.status)


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Pages speak Chinese unless the person chose English with the language switch (a cookie); the
    browser's Accept-Language is not asked, so an English-language browser in a Chinese office still gets
    the Chinese interface. The API keeps honouring Accept-Language for partner systems."""

    def process_request(self, request: HttpRequest) -> None:
        if not request.path.startswith("/api/") and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)


def _error(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    """`error` as the API's JSON (`{code, message, detail}`) for the API and htmx, as the error page else."""
    if request.headers.get("HX-Request") or request.path.startswith("/api/"):
        return JsonResponse(error.as_dict(), status=error.status)
    return render(request, "core/error.html", {"error": error}, status=error.status)


class CleanInputMiddleware:
    """Every path and query string, before any view: text with a NUL byte, another control character or a
    bidirectional override (`core.inputs.bad_text`) is refused (400 "invalid", naming the parameter), and a
    path segment that is a number no database integer can hold (above 2^63 - 1) names nothing (404). A value
    written as a date outside 1900-2100 is refused like bad text (`core.inputs.day_out_of_range`). Request
    bodies are checked the same way by the API's parser (`linli.config.api`) and the typed inputs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from linli.core.inputs import BAD_TEXT, BIGGEST_ID, MESSAGES, bad_text, day_out_of_range, refusal

        if bad_text(request.path):
            return _error(request, refusal([("path", BAD_TEXT)]))
        for name, values in request.GET.lists():
            for value in [name, *values]:
                if bad_text(value):
                    return _error(request, refusal([(name, BAD_TEXT)]))
            if any(day_out_of_range(value) for value in values):
                return _error(request, refusal([(name, MESSAGES["date_out_of_range"])]))
        if any(part.isascii() and part.isdigit() and int(part) > BIGGEST_ID for part in request.path.split("/")):
            return _error(request, ApplicationError("not_found", _("Not found."), {}, status=404))
        return self.get_response(request)


def _rate(text: str) -> tuple[int, int]:
    """("120/min") -> (120, 60): requests allowed and the window in seconds; (0, 0) for no limit."""
    if not text or text.strip() == "0":
        return 0, 0
    count, _slash, period = text.partition("/")
    seconds = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
    return int(count), seconds.get(period.strip() or "min", 60)


def client_address(request: HttpRequest) -> str:
    """The caller's address: REMOTE_ADDR, or behind `LINLI_NUM_PROXIES` reverse proxies the address the
    outermost of them saw (from X-Forwarded-For, which the caller cannot forge past the proxies)."""
    proxies = getattr(settings, "LINLI_NUM_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return str(request.META.get("REMOTE_ADDR", ""))


class AnonymousApiRateLimit:
    """At most `LINLI_ANON_API_RATE` anonymous API requests per address and window (a fixed window counted
    atomically in the cache: Redis in production, `cache.add` + `cache.incr`); the next answer 429
    `{code: "rate_limited", ...}` with Retry-After. Signed-in callers (session or a valid API token) are not
    counted: their work is bounded by their scope and audited."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        allowed, window = _rate(getattr(settings, "LINLI_ANON_API_RATE", ""))
        if allowed and request.path.startswith("/api/") and not self._signed_in(request):
            now = int(time.time())
            slot = now // window
            key = f"anon-api:{client_address(request)}:{slot}"
            cache.add(key, 0, window + 1)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, window + 1)
                count = 1
            if count > allowed:
                wait = (slot + 1) * window - now
                error = ApplicationError(
                    "rate_limited",
                    _("Too many requests from this address. Try again in %(seconds)s seconds.") % {"seconds": wait},
                    {"retry_after": wait},
                    status=429,
                )
                response = JsonResponse(error.as_dict(), status=429)
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)

    @staticmethod
    def _signed_in(request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return True
        header = request.headers.get("Authorization", "")
        scheme, _space, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            from linli.core.selectors import user_for_token

            return user_for_token(token.strip()) is not None
        return False
