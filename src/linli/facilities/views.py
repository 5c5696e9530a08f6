"""Pages of the registry: facilities in scope, the forms that change a facility and its hours through the
services, operators. A facility's own page and its offerings are in `catalog.facility_views`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError
from linli.core.masking import operator_contact
from linli.core.permissions import Perm, has_perm, require
from linli.facilities import selectors, services
from linli.facilities.forms import (
    FacilityFilterForm,
    FacilityForm,
    HoursForm,
    OperatorForm,
    show_errors,
)
from linli.facilities.models import Facility, Operator

PAGE_SIZE = 50


def _status(form_has_errors: bool) -> int:
    return 400 if form_has_errors else 200


def operator_contact_for(user: Any, operator: Operator | None) -> dict[str, str]:
    """The operator's contact person and phone, both masked for those without
    `Perm.OPERATOR_CONTACT_VIEW`."""
    return operator_contact(operator, visible=has_perm(user, Perm.OPERATOR_CONTACT_VIEW))


@login_required
def facility_list(request: HttpRequest) -> HttpResponse:
    filters = FacilityFilterForm(request.GET, viewer=request.user)
    facilities = selectors.facilities_filtered(viewer=request.user, **filters.filters())
    page = Paginator(facilities, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "facilities/facility_list.html",
        {"filters": filters, "page": page, "may_change": has_perm(request.user, Perm.FACILITY_CHANGE)},
    )


def facility_for_change(request: HttpRequest, code: str) -> Facility:
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
            facility = services.facility_create(actor=request.user, facility=form.service_input())
        except ApplicationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("The facility was saved."))
            return redirect("facility-detail", code=facility.code)
    return render(request, "facilities/facility_form.html", {"form": form}, status=_status(bool(form.errors)))


@login_required
def facility_edit(request: HttpRequest, code: str) -> HttpResponse:
    facility = facility_for_change(request, code)
    form = FacilityForm(request.POST if request.method == "POST" else None, viewer=request.user, instance=facility)
    if form.is_bound and form.is_valid():
        try:
            facility = services.facility_update(actor=request.user, facility=facility, changes=form.service_input())
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
    facility = facility_for_change(request, code)
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


# Operators --------------------------------------------------------------------------------------------


@login_required
def operator_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.AREA_VIEW)
    page = Paginator(selectors.operators_visible(viewer=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(operator, operator_contact_for(request.user, operator)) for operator in page.object_list]
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
            services.operator_create(actor=request.user, operator=form.service_input())
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
            services.operator_update(actor=request.user, operator=operator, changes=form.service_input())
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
