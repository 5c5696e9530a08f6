"""Pages of venue booking: a facility's venues with the free slots of a day and a booking form, "my venue
bookings" with cancel (one or the whole series), and for staff the approval queue. The services of
`linli.bookings.venue_services` and `venue_selectors` underneath."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.bookings import venue_selectors, venue_services
from linli.bookings.inputs import VenueIn
from linli.bookings.models import VENUE_ACTIVE, Venue, VenueKind
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, can, require
from linli.core.redirects import safe_next
from linli.facilities.selectors import facilities_visible, facility_get, facility_get_public


def _day(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _moment(day: str, time: str) -> dt.datetime | None:
    try:
        return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time)))
    except ValueError:
        return None


def venue_list(request: HttpRequest, facility_code: str) -> HttpResponse:
    """The venues of a facility with the slots of `?date=` (default today)."""
    facility = facility_get_public(code=facility_code)
    day = _day(request.GET.get("date"))
    rows = [
        (venue, venue_selectors.venue_slots(venue=venue, day=day))
        for venue in venue_selectors.venues_of_facility(facility=facility)
    ]
    return render(
        request,
        "bookings/venue_list.html",
        {
            "facility": facility,
            "day": day,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "rows": rows,
            "may_manage": can(request.user, Perm.FACILITY_CHANGE, facility.area_code),
        },
    )


@login_required
@require_POST
def venue_book(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = venue_selectors.venue_get_public(venue_id=venue_id)
    day = request.POST.get("date", "")
    starts_at = _moment(day, request.POST.get("start", ""))
    ends_at = _moment(day, request.POST.get("end", ""))
    back = redirect(f"{_list_url(venue.facility.code)}?date={day}")
    if starts_at is None or ends_at is None:
        messages.error(request, _("Choose the day, the start and the end of the booking."))
        return back
    try:
        repeat = int(request.POST.get("repeat_weeks") or 0)
    except ValueError:
        repeat = -1
    try:
        created = venue_services.venue_booking_create(
            actor=request.user,
            venue=venue,
            starts_at=starts_at,
            ends_at=ends_at,
            group_name=request.POST.get("group_name", ""),
            repeat_weeks=repeat,
        )
    except ApplicationError as exc:
        if exc.status in (401, 403, 404):
            raise
        messages.error(request, exc.message)
        return back
    if venue.needs_approval:
        messages.info(request, _("Booked %(n)d time(s); the centre's staff will approve.") % {"n": len(created)})
    else:
        messages.success(request, _("Booked %(n)d time(s).") % {"n": len(created)})
    return redirect("venue-mine")


def _list_url(code: str) -> str:
    return reverse("venue-list", args=[code])


@login_required
def my_venue_bookings(request: HttpRequest) -> HttpResponse:
    bookings = venue_selectors.venue_bookings_of(viewer=request.user)
    return render(
        request,
        "bookings/venue_mine.html",
        {"bookings": bookings, "active": [str(s) for s in VENUE_ACTIVE], "now": timezone.now()},
    )


@login_required
@require_POST
def venue_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = venue_selectors.venue_booking_get(viewer=request.user, booking_id=booking_id)
    try:
        done = venue_services.venue_booking_cancel(
            actor=request.user, booking=booking, whole_series=request.POST.get("whole_series") == "1"
        )
    except ApplicationError as exc:
        if exc.status in (401, 403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)d booking(s) cancelled.") % {"n": len(done)})
    return safe_next(request, "venue-mine")


@login_required
def venue_queue(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.FACILITY_CHANGE)
    return render(
        request,
        "bookings/venue_queue.html",
        {"bookings": venue_selectors.venue_bookings_pending(viewer=request.user)[:200]},
    )


@login_required
@require_POST
def venue_decide(request: HttpRequest, booking_id: int) -> HttpResponse:
    require(request.user, Perm.FACILITY_CHANGE)
    booking = venue_selectors.venue_booking_get(viewer=request.user, booking_id=booking_id)
    approve = request.POST.get("approve") == "1"
    try:
        done = venue_services.venue_booking_decide(
            actor=request.user, booking=booking, approve=approve, whole_series=request.POST.get("whole_series") == "1"
        )
    except ApplicationError as exc:
        if exc.status in (401, 403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            (_("%(n)d booking(s) approved.") if approve else _("%(n)d booking(s) rejected.")) % {"n": len(done)},
        )
    return redirect("venue-queue")


# Staff: the venues themselves ------------------------------------------------------------------------


@login_required
def venue_manage(request: HttpRequest) -> HttpResponse:
    """The venues of the staff member's facilities (`?facility=` one of them), bookable or not."""
    require(request.user, Perm.FACILITY_CHANGE)
    code = request.GET.get("facility") or ""
    facility = facility_get(viewer=request.user, code=code) if code else None
    return render(
        request,
        "bookings/venue_manage.html",
        {"facility": facility, "venues": venue_selectors.venues_managed(viewer=request.user, facility=facility)[:500]},
    )


def _venue_form_data(request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = {name: request.POST.get(name, "") for name in venue_services.VENUE_FIELDS}
    for flag in ("needs_approval", "active"):
        data[flag] = "1" if request.POST.get(flag) else "0"
    return data


def _form_errors(exc: ApplicationError, default_field: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for item in exc.extra.get("errors") or [{"field": exc.extra.get("field") or default_field, "message": exc.message}]:
        errors.setdefault(str(item.get("field")), []).append(str(item["message"]))
    return errors


def _venue_form(
    request: HttpRequest, *, venue: Venue | None, data: dict[str, Any], errors: dict[str, list[str]]
) -> HttpResponse:
    return render(
        request,
        "bookings/venue_form.html",
        {
            "venue": venue,
            "facilities": facilities_visible(viewer=request.user).order_by("code") if venue is None else [],
            "kinds": VenueKind.choices,
            "data": data,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
def venue_create(request: HttpRequest) -> HttpResponse:
    """Add a venue to a facility of the staff member's scope (`?facility=` preselects one)."""
    require(request.user, Perm.FACILITY_CHANGE)
    data: dict[str, Any] = {
        "facility": request.GET.get("facility", ""),
        **{k: str(v) for k, v in venue_services.VENUE_DEFAULTS.items()},
        "needs_approval": "0",
        "active": "1",
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = {"facility": request.POST.get("facility", ""), **_venue_form_data(request)}
        try:
            facility = facility_get(viewer=request.user, code=data["facility"])
            venue = venue_services.venue_create(actor=request.user, facility=facility, data=VenueIn.parse(data))
        except ApplicationError as exc:
            if exc.status not in (400, 404):
                raise
            errors = _form_errors(exc, "facility")
        else:
            messages.success(request, _("The venue %(name)s was saved.") % {"name": venue.name})
            return redirect(f"{reverse('venue-manage')}?facility={facility.code}")
    return _venue_form(request, venue=None, data=data, errors=errors)


@login_required
def venue_edit(request: HttpRequest, venue_id: int) -> HttpResponse:
    """Change a venue of the staff member's scope (404 outside it, 403 without the right to change it)."""
    venue = venue_selectors.venue_get_managed(viewer=request.user, venue_id=venue_id)
    require(request.user, Perm.FACILITY_CHANGE, venue.area_code)
    data: dict[str, Any] = {
        name: "" if getattr(venue, name) is None else str(getattr(venue, name)) for name in venue_services.VENUE_FIELDS
    }
    data["needs_approval"] = "1" if venue.needs_approval else "0"
    data["active"] = "1" if venue.active else "0"
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = _venue_form_data(request)
        try:
            venue = venue_services.venue_update(actor=request.user, venue=venue, data=VenueIn.parse(data))
        except ApplicationError as exc:
            if exc.status != 400:
                raise
            errors = _form_errors(exc, "name")
        else:
            messages.success(request, _("The venue %(name)s was saved.") % {"name": venue.name})
            return redirect(f"{reverse('venue-manage')}?facility={venue.facility.code}")
    return _venue_form(request, venue=venue, data=data, errors=errors)
