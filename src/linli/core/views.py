from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from linli.core.audit_export import audit_workbook
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, require
from linli.core.selectors import AuditFilter, audit_object_types, audit_rows, audit_search, people_in_scope
from linli.core.services import login_failure_record, people_contacts
from linli.core.signin import sign_in_hint
from linli.core.workbench import panels_for


def home(request: HttpRequest) -> HttpResponse:
    """The workbench (工作台) of a signed-in user: the panels of their role (`core.workbench`); the
    anonymous visitor sees what linli is (and the demo accounts where the demo is loaded)."""
    return render(
        request,
        "core/home.html",
        {"sign_in": sign_in_hint(), "panels": panels_for(request), "today": timezone.localdate()},
    )


@login_required
def people(request: HttpRequest) -> HttpResponse:
    page = Paginator(people_in_scope(viewer=request.user), 50).get_page(request.GET.get("page"))
    subjects = list(page.object_list)
    contacts = people_contacts(viewer=request.user, subjects=subjects, request=request)
    rows = [(s, contacts[s.pk]) for s in subjects]
    return render(request, "core/people.html", {"page": page, "rows": rows})


AUDIT_PAGE_SIZE = 50


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    """The audit log of the auditor's scope: filters, search, pages, and the same rows as an Excel file
    (`?export=xlsx`, itself audited)."""
    require(request.user, Perm.AUDIT_VIEW)
    try:
        filters = AuditFilter.parse(request.GET)
    except ApplicationError as exc:
        context = _audit_context(request, AuditFilter(), error=exc.message)
        return render(request, "core/audit.html", context, status=400)
    if request.GET.get("export") == "xlsx":
        content, _rows = audit_workbook(viewer=request.user, filters=filters, request=request)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.xlsx"'
        return response
    return render(request, "core/audit.html", _audit_context(request, filters))


def _audit_context(request: HttpRequest, filters: AuditFilter, error: str = "") -> dict[str, Any]:
    qs = audit_search(viewer=request.user, filters=filters) if not error else None
    page = Paginator(qs, AUDIT_PAGE_SIZE).get_page(request.GET.get("page")) if qs is not None else None
    params = filters.as_params() if not error else {k: v for k, v in request.GET.items() if k not in ("page", "export")}
    return {
        "page": page,
        "rows": audit_rows(page.object_list) if page is not None else [],
        "filters": filters,
        "values": params,
        "query": urlencode(filters.as_params()),
        "actions": AuditAction.choices,
        "object_types": audit_object_types(viewer=request.user),
        "error": error,
    }


class LoginView(auth_views.LoginView):
    """Django's login page; every failed attempt is written to the audit log (who was tried, from where).
    Guessing is throttled by django-axes before this view runs."""

    template_name = "core/login.html"

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        login_failure_record(username=form.data.get("username", ""), request=self.request)
        return super().form_invalid(form)
