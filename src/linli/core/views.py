from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from linli.core.selectors import audit_log, people_in_scope
from linli.core.services import people_contacts
from linli.core.signin import sign_in_hint


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"sign_in": sign_in_hint()})


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
