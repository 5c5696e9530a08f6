"""Pages of needs and surveys. Residents: the needs of their area (propose, support) and the surveys open for
them (answer). Staff: the ranked needs list with answers, the survey builder, results with charts, and
satisfaction per facility and service item. Every change goes through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.areas.codes import prefix_of
from linli.areas.selectors import areas_visible
from linli.catalog.enums import Domain
from linli.core.errors import ApplicationError
from linli.core.permissions import require
from linli.core.redirects import safe_next
from linli.feedback import selectors, services
from linli.feedback.enums import CHOICE_KINDS, RATING_MAX, RATING_MIN, SUPPORTABLE, NeedStatus, QuestionKind, SurveyKind
from linli.feedback.models import Survey

# Question blocks the survey builder shows (more are added in the browser).
BUILDER_BLOCKS = 5


def _problems(exc: ApplicationError) -> list[dict[str, Any]]:
    """The problems of a refused input, or the error raised again when it is not one (403, 404 …)."""
    if exc.status != 400:
        raise exc
    return list(exc.extra.get("errors") or [{"row": 0, "field": exc.extra.get("field"), "message": exc.message}])


def _by_field(problems: list[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in problems:
        out.setdefault(str(item.get("field") or ""), []).append(str(item["message"]))
    return out


def _survey_labels() -> dict[str, str]:
    """The fields the survey services name in a refusal, as the survey builder labels them."""
    return {
        "title": _("Title"),
        "description": _("Description"),
        "area_code": _("Area it targets"),
        "opens_on": _("Opens on"),
        "closes_on": _("Closes on"),
        "kind": _("Kind"),
        "facility": _("Facility"),
        "service_item": _("Service item"),
        "questions": _("Question"),
        "text": _("Question"),
        "options": _("Options (choice questions, one per line)"),
    }


# Needs ----------------------------------------------------------------------------------------------------


@login_required
def need_list(request: HttpRequest) -> HttpResponse:
    """The ranked needs list: the viewer's home area for residents, their scope (filtered) for staff."""
    user = request.user
    errors: dict[str, list[str]] = {}
    form = {"title": "", "description": "", "domain": ""}
    status = 200
    if request.method == "POST":
        form = {key: request.POST.get(key, "") for key in form}
        try:
            need = services.need_propose(
                actor=user,  # type: ignore[arg-type]
                title=form["title"],
                description=form["description"],
                domain=form["domain"],
            )
        except ApplicationError as exc:
            errors, status = _by_field(_problems(exc)), 400
        else:
            messages.success(request, _("Your need was published to your neighbours."))
            return redirect("feedback-need", need_id=need.pk)
    area = request.GET.get("area") or None
    state = request.GET.get("status") or None
    needs = list(selectors.needs_ranked(viewer=user, area=area, status=state))
    supported = selectors.needs_supported_by(viewer=user, needs=needs)
    staff = selectors.is_staff_viewer(user)
    home = selectors.home_area(viewer=user)
    rows = [
        {
            "need": need,
            "supported": need.pk in supported,
            "may_support": home is not None and home.code == need.area_code and need.status in SUPPORTABLE,
            "proposer": selectors.proposer_name(viewer=user, need=need),
        }
        for need in needs
    ]
    return render(
        request,
        "feedback/need_list.html",
        {
            "rows": rows,
            "home": home,
            "staff": staff,
            "may_change": selectors.may_change(user),
            "areas": areas_visible(viewer=user).filter(level__in=["town", "village"]) if staff else [],
            "statuses": NeedStatus.choices,
            "answer_statuses": [c for c in NeedStatus.choices if c[0] != NeedStatus.OPEN],
            "domains": Domain.choices,
            "filters": {"area": area or "", "status": state or ""},
            "form": form,
            "errors": errors,
        },
        status=status,
    )


@login_required
def need_detail(request: HttpRequest, need_id: int) -> HttpResponse:
    return _need_page(request, selectors.need_get(viewer=request.user, need_id=need_id))


def _need_page(request: HttpRequest, need: Any, errors: dict[str, list[str]] | None = None) -> HttpResponse:
    user = request.user
    supported = selectors.needs_supported_by(viewer=user, needs=[need])
    return render(
        request,
        "feedback/need_detail.html",
        {
            "need": need,
            "supported": need.pk in supported,
            "may_support": getattr(user, "home_area_code", "") == need.area_code and need.status in SUPPORTABLE,
            "may_change": selectors.may_change(user, need.area_code),
            "proposer": selectors.proposer_name(viewer=user, need=need),
            "updates": selectors.need_history(need=need),
            "answer_statuses": [c for c in NeedStatus.choices if c[0] != NeedStatus.OPEN],
            "errors": errors or {},
            "posted": request.POST if request.method == "POST" else {},
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def need_support(request: HttpRequest, need_id: int) -> HttpResponse:
    need = selectors.need_get(viewer=request.user, need_id=need_id)
    try:
        services.need_support(actor=request.user, need=need)  # type: ignore[arg-type]
    except ApplicationError as exc:
        if exc.status not in (403, 409):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you: your support was counted."))
    return safe_next(request, "feedback-needs")


@login_required
@require_POST
def need_status(request: HttpRequest, need_id: int) -> HttpResponse:
    need = selectors.need_get(viewer=request.user, need_id=need_id)
    try:
        services.need_status_set(
            actor=request.user,  # type: ignore[arg-type]
            need=need,
            status=request.POST.get("status", ""),
            reply=request.POST.get("reply", ""),
        )
    except ApplicationError as exc:
        return _need_page(request, need, _by_field(_problems(exc)))
    messages.success(request, _("The need was updated and the residents can read your reply."))
    return redirect("feedback-need", need_id=need.pk)


# Surveys --------------------------------------------------------------------------------------------------


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    staff = selectors.is_staff_viewer(user)
    return render(
        request,
        "feedback/survey_list.html",
        {
            "staff": staff,
            "may_change": selectors.may_change(user),
            "open_for_me": list(selectors.surveys_for_resident(viewer=user)),
            "surveys": list(selectors.surveys_visible(viewer=user)) if staff else [],
            "today": timezone.localdate(),
        },
    )


def _builder_blocks(post: Any) -> list[dict[str, Any]]:
    count = max(BUILDER_BLOCKS, int(post.get("blocks") or 0) if str(post.get("blocks", "")).isdigit() else 0)
    blocks = []
    for i in range(1, min(count, 50) + 1):
        blocks.append(
            {
                "n": i,
                "text": post.get(f"q-{i}-text", ""),
                "kind": post.get(f"q-{i}-kind", QuestionKind.SINGLE),
                "options": post.get(f"q-{i}-options", ""),
                "required": bool(post.get(f"q-{i}-required")) if post else True,
                "errors": [],
            }
        )
    return blocks


@login_required
def survey_create(request: HttpRequest) -> HttpResponse:
    """The survey builder: the survey, then question blocks; empty blocks are left out."""
    user = request.user
    require(user, selectors.FEEDBACK_CHANGE)
    post = request.POST if request.method == "POST" else {}
    today = timezone.localdate().isoformat()
    form = {
        key: post.get(key, default)
        for key, default in (
            ("title", ""),
            ("description", ""),
            ("area_code", getattr(user, "scope", "")),
            ("kind", SurveyKind.GENERAL),
            ("facility", ""),
            ("service_item", ""),
            ("opens_on", today),
            ("closes_on", ""),
        )
    }
    blocks = _builder_blocks(post)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        used = [b for b in blocks if b["text"].strip() or b["options"].strip()]
        try:
            survey = services.survey_create(
                actor=user,  # type: ignore[arg-type]
                title=form["title"],
                description=form["description"],
                area_code=form["area_code"],
                opens_on=form["opens_on"],
                closes_on=form["closes_on"],
                kind=form["kind"],
                facility_code=form["facility"],
                service_item_code=form["service_item"],
                questions=[
                    services.QuestionInput(text=b["text"], kind=b["kind"], options=b["options"], required=b["required"])
                    for b in used
                ],
            )
        except ApplicationError as exc:
            offset = len(services.satisfaction_template()) if form["kind"] == SurveyKind.SATISFACTION else 0
            labels = _survey_labels()
            for item in _problems(exc):
                index = int(item.get("row") or 0) - offset - 1
                field = str(item.get("field") or "")
                if 0 <= index < len(used):
                    used[index]["errors"].append(f"{labels.get(field, field)}: {item['message']}")
                else:
                    errors.setdefault(labels.get(field, field), []).append(str(item["message"]))
            if not errors and not any(b["errors"] for b in blocks):
                errors[""] = [exc.message]
        else:
            messages.success(request, _("The survey was saved."))
            return redirect("feedback-survey", survey_id=survey.pk)
    areas = areas_visible(viewer=user).exclude(level__in=["province", "city"]).order_by("code")
    return render(
        request,
        "feedback/survey_form.html",
        {
            "form": form,
            "blocks": blocks,
            "errors": errors,
            "has_errors": bool(errors) or any(b["errors"] for b in blocks),
            "areas": areas,
            "facilities": selectors.survey_facilities(viewer=user),
            "items": selectors.survey_service_items(),
            "kinds": QuestionKind.choices,
            "survey_kinds": SurveyKind.choices,
            "template": services.satisfaction_template(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _questions_for_form(survey: Survey, post: Any, problems: dict[str, list[str]]) -> list[dict[str, Any]]:
    out = []
    for q in selectors.survey_questions(survey):
        name = f"q{q.pk}"
        chosen = post.getlist(name) if post else []
        out.append(
            {
                "q": q,
                "name": name,
                "choice": q.kind in CHOICE_KINDS,
                "multiple": q.kind == QuestionKind.MULTIPLE,
                "options": [(o, o in chosen) for o in q.options]
                if q.kind in CHOICE_KINDS
                else [(str(v), str(v) in chosen) for v in range(RATING_MIN, RATING_MAX + 1)],
                "value": post.get(name, "") if post else "",
                "errors": problems.get(name, []),
            }
        )
    return out


@login_required
def survey_detail(request: HttpRequest, survey_id: int) -> HttpResponse:
    """The survey's questions; for a resident it is aimed at, the form to answer it while it is open."""
    user = request.user
    survey = selectors.survey_get(viewer=user, survey_id=survey_id)
    problems: dict[str, list[str]] = {}
    closed: ApplicationError | None = None
    status = 200
    if request.method == "POST":
        answers = {
            q.pk: request.POST.getlist(f"q{q.pk}") if q.kind == QuestionKind.MULTIPLE else request.POST.get(f"q{q.pk}")
            for q in selectors.survey_questions(survey)
        }
        try:
            services.survey_answer(respondent=user, survey=survey, answers=answers)  # type: ignore[arg-type]
        except ApplicationError as exc:
            if exc.status == 400:
                problems, status = _by_field(_problems(exc)), 400
            elif exc.status == 409:
                closed, status = exc, 409
            else:
                raise
        else:
            messages.success(request, _("Thank you for your answers."))
            return redirect("feedback-surveys")
    try:
        services.survey_window_check(survey)
    except ApplicationError as exc:
        closed = closed or exc
    answered = selectors.has_answered(viewer=user, survey=survey)
    home = getattr(user, "home_area_code", "") or ""
    may_answer = bool(home) and home.startswith(prefix_of(survey.area_code)) and not answered
    return render(
        request,
        "feedback/survey_detail.html",
        {
            "survey": survey,
            "questions": _questions_for_form(survey, request.POST if request.method == "POST" else None, problems),
            "problems": problems,
            "closed": closed,
            "answered": answered,
            "may_answer": may_answer and closed is None,
            "staff": selectors.is_staff_viewer(user),
        },
        status=status,
    )


@login_required
def survey_results(request: HttpRequest, survey_id: int) -> HttpResponse:
    results = selectors.survey_results(
        viewer=request.user, survey_id=survey_id, area_code=request.GET.get("area") or None, request=request
    )
    charts = [
        {
            "id": f"chart-{r.question.pk}",
            "labels": [o for o, _n, _p in r.options] or [str(v) for v, _n, _p in r.ratings],
            "counts": [n for _o, n, _p in r.options] or [n for _v, n, _p in r.ratings],
            "horizontal": r.question.kind in CHOICE_KINDS,
        }
        for r in results.questions
        if r.options or r.ratings
    ]
    ratings = [r.question for r in results.questions if r.question.kind == QuestionKind.RATING]
    area_rows = [{"row": row, "means": [row.means.get(q.pk) for q in ratings]} for row in results.areas]
    return render(
        request,
        "feedback/survey_results.html",
        {
            "results": results,
            "survey": results.survey,
            "charts": charts,
            "rating_questions": ratings,
            "area_rows": area_rows,
            "label_answers": _("answers"),
        },
    )


@login_required
def satisfaction(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "feedback/satisfaction.html",
        {
            "facilities": selectors.satisfaction_by_facility(viewer=request.user),
            "items": selectors.satisfaction_by_item(viewer=request.user),
        },
    )
