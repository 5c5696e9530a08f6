"""Security headers on every answer: a strict Content-Security-Policy (scripts only from linli's own static
files, no inline script, no eval), and a Permissions-Policy that grants the camera (check-in by QR) and
geolocation (services near me) to linli's own pages only and nothing else.

A name typed by a user can then never run as script, even where a page or a library would render it as
HTML: the browser refuses inline handlers and injected `<script>` alike."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def content_security_policy(tile_url: str = "") -> str:
    """The policy, with the configured base-map tile server (LINLI_TILE_URL) allowed as an image source."""
    images = ["'self'", "data:", "blob:"]
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        if parts.scheme and parts.netloc:
            host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tile_url else parts.netloc
            images.append(f"{parts.scheme}://{host}")
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Leaflet, ECharts and htmx set element styles; inline style attributes carry no script.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "media-src": ["'self'", "blob:"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


PERMISSIONS_POLICY = ", ".join(
    [
        "camera=(self)",
        "geolocation=(self)",
        "microphone=()",
        "payment=()",
        "usb=()",
        "serial=()",
        "display-capture=()",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = content_security_policy(settings.LINLI_TILE_URL)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
