"""Pages of kiosk devices: staff create and revoke a facility's kiosk links; the terminal opens a link once
(confirming with a button, so that a link preview fetching the address changes nothing), which stores its
secret in a cookie of the terminal's browser, and then shows the check-in page of that facility only.
The services of `linli.bookings.kiosk` underneath."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.bookings import kiosk
from linli.bookings.models import Registration
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, require
from linli.facilities.selectors import facility_get

NEW_LINK_SESSION_KEY = "kiosk_new_link"


@login_required
def kiosk_links(request: HttpRequest, facility_code: str) -> HttpResponse:
    """The kiosk links of a facility (404 outside the staff member's scope) and a form for a new one. A
    new link is kept in the staff member's session only until the page after the redirect shows it, so a
    reload neither shows it again nor creates a second link."""
    facility = facility_get(viewer=request.user, code=facility_code)
    require(request.user, Perm.FACILITY_CHANGE, facility.area_code)
    errors: dict[str, list[str]] = {}
    data = {"name": "", "valid_days": ""}
    link = request.session.pop(NEW_LINK_SESSION_KEY, "") if request.method == "GET" else ""
    if request.method == "POST":
        data = {"name": request.POST.get("name", ""), "valid_days": request.POST.get("valid_days", "")}
        try:
            _token, key = kiosk.kiosk_token_create(
                actor=request.user, facility=facility, name=data["name"], valid_days=data["valid_days"]
            )
        except ApplicationError as exc:
            if exc.status != 400:
                raise
            for item in exc.extra.get("errors") or []:
                errors.setdefault(str(item["field"]), []).append(str(item["message"]))
        else:
            request.session[NEW_LINK_SESSION_KEY] = request.build_absolute_uri(
                reverse("booking-kiosk-open", args=[key])
            )
            return redirect("booking-kiosk-links", facility_code=facility.code)
    return render(
        request,
        "bookings/kiosk_links.html",
        {
            "facility": facility,
            "tokens": kiosk.kiosk_tokens_of(viewer=request.user, facility=facility),
            "link": link,
            "data": data,
            "errors": errors,
            "now": timezone.now(),
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def kiosk_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = kiosk.kiosk_token_get(viewer=request.user, token_id=token_id)
    try:
        kiosk.kiosk_token_revoke(actor=request.user, token=token)
    except ApplicationError as exc:
        if exc.status != 409:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The kiosk link %(name)s was revoked.") % {"name": token.name})
    return redirect("booking-kiosk-links", facility_code=token.facility.code)


def kiosk_open(request: HttpRequest, key: str) -> HttpResponse:
    """The link opened on the terminal: GET asks to confirm, POST makes this browser the kiosk."""
    token = kiosk.kiosk_token_check(key=key)
    if request.method != "POST":
        return render(request, "bookings/kiosk_open.html", {"facility": token.facility, "token": token})
    logout(request)  # the terminal carries no staff login
    response = redirect("booking-kiosk-device")
    max_age = kiosk.COOKIE_MAX_AGE
    if token.expires_at is not None:
        max_age = max(0, int((token.expires_at - timezone.now()).total_seconds()))
    response.set_cookie(
        kiosk.COOKIE,
        key,
        max_age=max_age,
        path=reverse("booking-kiosk-device"),
        secure=request.is_secure(),
        httponly=True,
        samesite="Strict",
    )
    return response


def kiosk_device(request: HttpRequest) -> HttpResponse:
    """The check-in page of the terminal: the facility of its kiosk link, and nothing else."""
    key = request.COOKIES.get(kiosk.COOKIE)
    token = kiosk.kiosk_token_check(key=key)
    registration: Registration | None = None
    error = ""
    if request.method == "POST":
        try:
            registration = kiosk.kiosk_checkin(key=key, code=request.POST.get("code", ""))
        except ApplicationError as exc:
            if exc.status in (401, 403):
                raise
            error = str(exc.message)
    return render(
        request,
        "bookings/kiosk.html",
        {"facility": token.facility, "registration": registration, "error": error, "device": True},
        status=400 if error else 200,
    )
