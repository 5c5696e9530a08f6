"""linli's own request handling: an `ApplicationError` raised by a page rendered as a page with its status
(the API has its own handler in `linli.config.api` giving the same code and message as JSON), and the
choice of interface language."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.shortcuts import render

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
