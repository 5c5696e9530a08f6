"""The one safe redirect: where a page sends the browser after a POST that carried `next`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Redirect to the request's `next` (POST first, then GET) when it points to this site, else to
    `default` (a URL name or path). A `next` naming another host or scheme (an open redirect) is ignored."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect(default)
