"""Pages of requests: residents file and follow theirs (confirm, reopen, rate); staff work their queue by
time left, act on a request and read its event log, and file for a resident of their scope (代办);
district admins keep the request types; consultations and the public FAQ."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases import request_types, selectors, services
from linli.cases.consultations import consultation_answer, consultation_ask, consultation_publish
from linli.cases.enums import HandlingLevel
from linli.core.errors import ApplicationError
from linli.core.models import User
from linli.core.permissions import Perm, has_perm, require
from linli.core.services import person_contact


def _field_errors(exc: ApplicationError) -> dict[str, str]:
    """The problems of a refused input by field ("" for the form as a whole); anything but a refused input
    (403, 404, 409 …) is raised again for the error page."""
    if exc.status != 400:
        raise exc
    items = exc.extra.get("errors") or [{"field": exc.extra.get("field") or "", "message": exc.message}]
    return {str(item.get("field") or ""): str(item["message"]) for item in items}


def _field_labels() -> dict[str, str]:
    """The fields the services name in a refusal, as the forms label them (in the user's language)."""
    return {
        "resident": _("Resident"),
        "request_type": _("Request type"),
        "description": _("What do you need?"),
        "address": _("Address"),
        "note": _("Note"),
        "rating": _("Rating"),
        "comment": _("Comment"),
        "department": _("Department"),
        "handler": _("Handler"),
        "question": _("Your question"),
        "answer": _("Answer"),
        "public_question": _("Question as published (nothing personal)"),
        "code": _("Code"),
        "name": _("Name"),
        "deadline_days": _("Deadline (working days)"),
        "handling_level": _("Handled at"),
    }


def _labelled(errors: dict[str, str]) -> dict[str, str]:
    """`errors` keyed by the fields' labels for the page, not their code names."""
    labels = _field_labels()
    return {labels.get(field, field): message for field, message in errors.items()}


def _status(errors: dict[str, str]) -> int:
    return 400 if errors else 200


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    """Staff: the queue (their level, or every level of their scope with ?all=1); residents: their own."""
    if has_perm(request.user, services.HANDLE):
        all_levels = request.GET.get("all") == "1"
        rows = selectors.request_queue(viewer=request.user, all_levels=all_levels)
        return render(request, "cases/queue.html", {"rows": rows, "all_levels": all_levels})
    now = timezone.now()
    rows = [
        selectors.QueueRow(r, selectors.request_clock(r, now))
        for r in selectors.requests_visible(viewer=request.user)[:200]
    ]
    return render(request, "cases/my_requests.html", {"rows": rows})


@login_required
def request_create(request: HttpRequest) -> HttpResponse:
    staff = has_perm(request.user, services.HANDLE)
    residents = list(selectors.residents_for_filing(viewer=request.user)[:500]) if staff else []
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = request.POST
        resident: User | None = None
        if staff:
            resident = next((p for p in residents if str(p.pk) == data.get("resident")), None)
            if resident is None:
                errors["resident"] = _("choose the resident you file for")
        if not errors:
            try:
                filed = services.request_file(
                    actor=request.user,
                    resident=resident,
                    request_type=selectors.request_types().filter(code=data.get("request_type", "")).first(),
                    description=data.get("description", ""),
                    address=data.get("address", ""),
                )
            except ApplicationError as exc:
                errors = _field_errors(exc)
            else:
                messages.success(request, _("The request was filed."))
                return redirect("request-detail", pk=filed.pk)
    return render(
        request,
        "cases/request_form.html",
        {
            "types": selectors.request_types(),
            "residents": residents,
            "staff": staff,
            "errors": _labelled(errors),
            "data": request.POST,
        },
        status=_status(errors),
    )


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.request_get(viewer=request.user, pk=pk)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            what = request.POST.get("do", "")
            if what == "transfer":
                services.request_transfer(
                    actor=request.user,
                    request=found,
                    department=request.POST.get("department"),
                    handler_id=request.POST.get("handler") or None,
                    note=request.POST.get("note", ""),
                )
            elif what == "rate":
                services.request_rate(
                    actor=request.user,
                    request=found,
                    rating=request.POST.get("rating"),
                    comment=request.POST.get("comment", ""),
                )
            else:
                services.request_transition(
                    actor=request.user, request=found, action=what, note=request.POST.get("note", "")
                )
        except ApplicationError as exc:
            errors = _field_errors(exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("request-detail", pk=found.pk)
        found = selectors.request_get(viewer=request.user, pk=pk)
    handles = services.may_handle(request.user, found)
    context: dict[str, Any] = {
        "req": found,
        "clock": selectors.request_clock(found, timezone.now()),
        "events": selectors.request_events(request=found),
        "actions": [(a.value, a.label) for a in services.allowed_actions(request.user, found)],
        "handles": handles,
        "handlers": selectors.handlers_for(request=found) if handles and found.is_open else [],
        "may_rate": request.user.pk == found.resident_id and found.state == "closed" and found.rating is None,
        "errors": _labelled(errors),
        "note_actions": [a.value for a, rule in services.TRANSITIONS.items() if rule.note_required],
    }
    if handles:
        context["resident_phone"] = person_contact(
            viewer=request.user, subject=found.resident, request=request, fields=("phone",)
        )["phone"]
    return render(request, "cases/request_detail.html", context, status=_status(errors))


@login_required
def type_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.AREA_VIEW)  # staff's configuration; residents choose a type on the request form
    may_change = has_perm(request.user, request_types.TYPE_CHANGE)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            fields = {k: request.POST.get(k, "") for k in request_types.TYPE_FIELDS if k != "active"}
            request_types.request_type_create(actor=request.user, fields=request_types.RequestTypeInput(**fields))
        except ApplicationError as exc:
            errors = _field_errors(exc)
        else:
            messages.success(request, _("The request type was saved."))
            return redirect("request-types")
    return render(
        request,
        "cases/types.html",
        {
            "types": selectors.request_types(active_only=False),
            "may_change": may_change,
            "levels": HandlingLevel.choices,
            "errors": _labelled(errors),
            "data": request.POST,
        },
        status=_status(errors),
    )


@login_required
def consultations(request: HttpRequest) -> HttpResponse:
    staff = has_perm(request.user, services.HANDLE)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            what = request.POST.get("do", "ask")
            if what == "ask":
                consultation_ask(actor=request.user, question=request.POST.get("question", ""))
            else:
                found = selectors.consultation_get(viewer=request.user, pk=int(request.POST.get("id", "0")))
                if what == "answer":
                    consultation_answer(actor=request.user, consultation=found, answer=request.POST.get("answer", ""))
                else:
                    consultation_publish(
                        actor=request.user,
                        consultation=found,
                        public=what == "publish",
                        public_question=request.POST.get("public_question", ""),
                    )
        except ApplicationError as exc:
            errors = _field_errors(exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("consultations")
    return render(
        request,
        "cases/consultations.html",
        {
            "items": selectors.consultations_visible(viewer=request.user)[:200],
            "staff": staff,
            "errors": _labelled(errors),
        },
        status=_status(errors),
    )


def faq(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/faq.html", {"items": selectors.faq_public()})
