"""Pages of the registry: facilities in scope, a facility with its hours, offerings and compliance with its
tier standard, and the forms that change them through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from linli.catalog import selectors as catalog_selectors
from linli.catalog import services as catalog_services
from linli.catalog.enums import Domain
from linli.core.errors import ApplicationError
from linli.core.masking import mask_phone
from linli.core.permissions import Perm, can, has_perm, require
from linli.facilities import selectors, services
from linli.facilities.enums import Accessibility
from linli.facilities.forms import (
    FacilityFilterForm,
    FacilityForm,
    HoursForm,
    OfferingForm,
    OperatorForm,
    show_errors,
)
from linli.facilities.models import Facility, Operator

PAGE_SIZE = 50


def _status(form_has_errors: bool) -> int:
    return 400 if form_has_errors else 200


def operator_phone(user: Any, operator: Operator | None) -> str:
    """The operator's contact phone, masked for those without `Perm.OPERATOR_CONTACT_VIEW`."""
    if operator is None or not operator.contact_phone:
        return ""
    return operator.contact_phone if has_perm(user, Perm.OPERATOR_CONTACT_VIEW) else mask_phone(operator.contact_phone)


@login_required
def facility_list(request: HttpRequest) -> HttpResponse:
    filters = FacilityFilterForm(request.GET, viewer=request.user)
    facilities = filters.apply(selectors.facilities_visible(viewer=request.user))
    page = Paginator(facilities, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "facilities/facility_list.html",
        {"filters": filters, "page": page, "may_change": has_perm(request.user, Perm.FACILITY_CHANGE)},
    )


def facility_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Staff see any facility in their scope, everyone else the built ones."""
    facility = selectors.facility_for_viewer(viewer=request.user, code=code)
    compliance = catalog_selectors.facility_compliance(facility)
    rules = dict(selectors.opening_rules_by_day(facility))
    return render(
        request,
        "facilities/facility_detail.html",
        {
            "facility": facility,
            "may_change": can(request.user, Perm.FACILITY_CHANGE, facility.area_code),
            "operator_phone": operator_phone(request.user, facility.operator),
            "accessibility": [Accessibility(v).label for v in facility.accessibility if v in Accessibility.values],
            "domains": [Domain(v).label for v in facility.facility_type.domains if v in Domain.values],
            "hours": [(WEEKDAYS[day], rules[day]) for day in range(7)],
            "exceptions": selectors.upcoming_exceptions(facility),
            "opening": selectors.opening_status(facility),
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


def _facility_for_change(request: HttpRequest, code: str) -> Facility:
    """The facility, 404 outside the user's scope, 403 for those who may not change it."""
    facility = selectors.facility_get(viewer=request.user, code=code)
    require(request.user, Perm.FACILITY_CHANGE, facility.area_code)
    return facility


@login_required
def facility_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.FACILITY_CHANGE)
    form = FacilityForm(request.POST if request.method == "POST" else None, viewer=request.user)
    if form.is_bound and form.is_valid():
        try:
            facility = services.facility_create(actor=request.user, data=form.service_data())
        except ApplicationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("The facility was saved."))
            return redirect("facility-detail", code=facility.code)
    return render(request, "facilities/facility_form.html", {"form": form}, status=_status(bool(form.errors)))


@login_required
def facility_edit(request: HttpRequest, code: str) -> HttpResponse:
    facility = _facility_for_change(request, code)
    form = FacilityForm(request.POST if request.method == "POST" else None, viewer=request.user, instance=facility)
    if form.is_bound and form.is_valid():
        try:
            facility = services.facility_update(actor=request.user, facility=facility, data=form.service_data())
        except ApplicationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("The facility was saved."))
            return redirect("facility-detail", code=facility.code)
    return render(
        request,
        "facilities/facility_form.html",
        {"form": form, "facility": facility},
        status=_status(bool(form.errors)),
    )


@login_required
def facility_hours(request: HttpRequest, code: str) -> HttpResponse:
    facility = _facility_for_change(request, code)
    form = HoursForm(facility, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            services.opening_hours_set(
                actor=request.user,
                facility=facility,
                rules=form.service_rules(),
                exceptions=form.service_exceptions(),
            )
        except ApplicationError as exc:
            form.show_errors(exc)
        else:
            messages.success(request, _("The opening hours were saved."))
            return redirect("facility-detail", code=facility.code)
    return render(
        request,
        "facilities/facility_hours.html",
        {"facility": facility, "form": form, "weekdays": list(WEEKDAYS.items())},
        status=_status(form.has_errors),
    )


@login_required
def facility_offerings(request: HttpRequest, code: str) -> HttpResponse:
    """Add an offering (or change its schedule and fee), or remove one (`remove` = item code)."""
    facility = _facility_for_change(request, code)
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
        status=_status(bool(form.errors)),
    )


# Operators --------------------------------------------------------------------------------------------


@login_required
def operator_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.AREA_VIEW)
    page = Paginator(selectors.operators_visible(viewer=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(operator, operator_phone(request.user, operator)) for operator in page.object_list]
    return render(
        request,
        "facilities/operator_list.html",
        {"page": page, "rows": rows, "may_change": has_perm(request.user, Perm.CATALOG_CHANGE)},
    )


@login_required
def operator_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.CATALOG_CHANGE)
    form = OperatorForm(request.POST if request.method == "POST" else None, viewer=request.user)
    if form.is_bound and form.is_valid():
        try:
            services.operator_create(actor=request.user, data=form.service_data())
        except ApplicationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("The operator was saved."))
            return redirect("operator-list")
    return render(request, "facilities/operator_form.html", {"form": form}, status=_status(bool(form.errors)))


@login_required
def operator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.CATALOG_CHANGE)
    operator = selectors.operators_visible(viewer=request.user).filter(pk=pk).first()
    if operator is None:
        raise ApplicationError("not_found", _("No such operator."), {"id": pk}, status=404)
    form = OperatorForm(request.POST if request.method == "POST" else None, viewer=request.user, instance=operator)
    if form.is_bound and form.is_valid():
        try:
            services.operator_update(actor=request.user, operator=operator, data=form.service_data())
        except ApplicationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("The operator was saved."))
            return redirect("operator-list")
    return render(
        request,
        "facilities/operator_form.html",
        {"form": form, "operator": operator},
        status=_status(bool(form.errors)),
    )
