"""Pages of a facility as the public and staff see it (its hours, the service items it offers, its
compliance with the standard of its tier) and the page that changes its offerings. They live in catalog
because offerings and standards are catalogue records; the rest of the registry's pages are in
`facilities.views`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from linli.catalog import selectors as catalog_selectors
from linli.catalog import services as catalog_services
from linli.catalog.enums import Domain
from linli.catalog.forms import OfferingForm
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, can
from linli.facilities import selectors as facility_selectors
from linli.facilities.enums import Accessibility
from linli.facilities.forms import show_errors
from linli.facilities.views import facility_for_change, operator_contact_for


def facility_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Staff see any facility in their scope, everyone else the built ones."""
    facility = facility_selectors.facility_for_viewer(viewer=request.user, code=code)
    compliance = catalog_selectors.facility_compliance(facility)
    rules = dict(facility_selectors.opening_rules_by_day(facility))
    return render(
        request,
        "facilities/facility_detail.html",
        {
            "facility": facility,
            "may_change": can(request.user, Perm.FACILITY_CHANGE, facility.area_code),
            "contact": operator_contact_for(request.user, facility.operator),
            "accessibility": [Accessibility(v).label for v in facility.accessibility if v in Accessibility.values],
            "domains": [Domain(v).label for v in facility.facility_type.domains if v in Domain.values],
            "hours": [(WEEKDAYS[day], rules[day]) for day in range(7)],
            "exceptions": facility_selectors.upcoming_exceptions(facility),
            "opening": facility_selectors.opening_status(facility),
            "offerings": catalog_selectors.offerings_of(facility),
            "compliance": compliance,
            "summary": compliance.summary(facility.facility_type.name),
            "map_data": {
                "lon": facility.lon,
                "lat": facility.lat,
                "name": facility.name,
                "radius": facility.facility_type.service_radius_m,
            },
        },
    )


@login_required
def facility_offerings(request: HttpRequest, code: str) -> HttpResponse:
    """Add an offering (or change its schedule and fee), or remove one (`remove` = item code)."""
    facility = facility_for_change(request, code)
    if request.method == "POST" and "remove" in request.POST:
        item = catalog_selectors.service_items().filter(code=request.POST["remove"]).first()
        if item is not None:
            catalog_services.offering_remove(actor=request.user, facility=facility, item=item)
            messages.success(request, _("Removed: %(item)s") % {"item": item.name})
        return redirect("facility-offerings", code=facility.code)
    form = OfferingForm(request.POST if request.method == "POST" else None, facility_type=facility.facility_type)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        item = catalog_selectors.service_items().filter(code=data["item"]).first()
        try:
            if item is None:
                raise ApplicationError("invalid", _("No such service item."), {"field": "item"})
            catalog_services.offering_set(
                actor=request.user,
                facility=facility,
                item=item,
                schedule=data["schedule"],
                fee_type=data["fee_type"],
                fee_amount=data["fee_amount"],
            )
        except ApplicationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Offered: %(item)s") % {"item": item.name})
            return redirect("facility-offerings", code=facility.code)
    return render(
        request,
        "facilities/facility_offerings.html",
        {
            "facility": facility,
            "form": form,
            "offerings": catalog_selectors.offerings_of(facility, active_only=False).order_by("item__domain"),
        },
        status=400 if form.errors else 200,
    )
