from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from linli.core.selectors import audit_log, people_in_scope
from linli.core.services import login_failure_record, people_contacts
from linli.core.signin import sign_in_hint
from linli.core.workbench import panels_for


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"sign_in": sign_in_hint(), "panels": panels_for(request)})


@login_required
def people(request: HttpRequest) -> HttpResponse:
    page = Paginator(people_in_scope(viewer=request.user), 50).get_page(request.GET.get("page"))
    subjects = list(page.object_list)
    contacts = people_contacts(viewer=request.user, subjects=subjects, request=request)
    rows = [(s, contacts[s.pk]) for s in subjects]
    return render(request, "core/people.html", {"page": page, "rows": rows})


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    page = Paginator(audit_log(viewer=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "core/audit.html", {"page": page})


class LoginView(auth_views.LoginView):
    """Django's login page; every failed attempt is written to the audit log (who was tried, from where).
    Guessing is throttled by django-axes before this view runs."""

    template_name = "core/login.html"

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        login_failure_record(username=form.data.get("username", ""), request=self.request)
        return super().form_invalid(form)
