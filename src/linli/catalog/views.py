"""Pages of the catalogue: service items, facility types with their tier standards."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.catalog import selectors, services, standards
from linli.catalog.enums import Domain
from linli.catalog.forms import FacilityTypeForm, ItemFilterForm, ServiceItemForm
from linli.catalog.models import ServiceItem, TierStandard
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, has_perm, require
from linli.facilities.forms import show_errors
from linli.facilities.models import FacilityType
from linli.facilities.selectors import facility_types

PAGE_SIZE = 50


def _item(code: str) -> ServiceItem:
    item = selectors.service_items().filter(code=code).first()
    if item is None:
        raise ApplicationError("not_found", _("No such service item."), {"code": code}, status=404)
    return item


def _facility_type(code: str) -> FacilityType:
    facility_type = facility_types().filter(code=code).first()
    if facility_type is None:
        raise ApplicationError("not_found", _("No such facility type."), {"code": code}, status=404)
    return facility_type


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.AREA_VIEW)  # the catalogue is staff's; residents find services near them
    filters = ItemFilterForm(request.GET)
    data = filters.cleaned_data if filters.is_valid() else {}
    items = selectors.service_items(domain=data.get("domain") or None, q=(data.get("q") or "").strip() or None)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/item_list.html",
        {"filters": filters, "page": page, "may_change": has_perm(request.user, Perm.CATALOG_CHANGE)},
    )


@login_required
def item_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.CATALOG_CHANGE)
    form = ServiceItemForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            item = services.service_item_create(actor=request.user, item=form.service_input())
        except ApplicationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Saved: %(item)s") % {"item": item.name})
            return redirect("catalog-item-list")
    return render(request, "catalog/item_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def item_edit(request: HttpRequest, code: str) -> HttpResponse:
    require(request.user, Perm.CATALOG_CHANGE)
    item = _item(code)
    form = ServiceItemForm(request.POST if request.method == "POST" else None, instance=item)
    if form.is_bound and form.is_valid():
        changes = form.service_input()
        try:
            if changes.model_fields_set:
                services.service_item_update(actor=request.user, item=item, changes=changes)
        except ApplicationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Saved: %(item)s") % {"item": item.name})
            return redirect("catalog-item-list")
    return render(request, "catalog/item_form.html", {"form": form, "item": item}, status=400 if form.errors else 200)


@login_required
def type_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.AREA_VIEW)  # staff's reference
    types = facility_types().select_related("standard").prefetch_related("standard__required_items")
    labels = dict(Domain.choices)
    rows = []
    for facility_type in types:
        standard = getattr(facility_type, "standard", None)
        required = [labels.get(d, d) for d in standard.required_domains] if standard else []
        rows.append((facility_type, standard, required))
    return render(
        request,
        "catalog/type_list.html",
        {"rows": rows, "may_change": has_perm(request.user, Perm.CATALOG_CHANGE)},
    )


@login_required
def type_edit(request: HttpRequest, code: str) -> HttpResponse:
    require(request.user, Perm.CATALOG_CHANGE)
    facility_type = _facility_type(code)
    standard = TierStandard.objects.filter(facility_type=facility_type).first()
    form = FacilityTypeForm(
        request.POST if request.method == "POST" else None, instance=facility_type, standard=standard
    )
    if form.is_bound and form.is_valid():
        try:
            standards.facility_type_standard_update(
                actor=request.user,
                facility_type=facility_type,
                type_changes=form.type_changes(),
                standard_changes=form.standard_changes(),
            )
        except ApplicationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Saved: %(type)s") % {"type": facility_type.name})
            return redirect("facility-type-list")
    return render(
        request,
        "catalog/type_form.html",
        {"form": form, "facility_type": facility_type},
        status=400 if form.errors else 200,
    )
