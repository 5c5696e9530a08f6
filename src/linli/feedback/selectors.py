"""Reads of needs and surveys. Residents see the needs of their home community or village and the surveys
aimed at it; staff see what lies in their scope. Anything else is a 404: not theirs to know of."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.areas.codes import LEVEL_DEPTH, SEGMENTS, child_level, level_of, prefix_of
from linli.areas.models import Area
from linli.catalog.models import ServiceItem
from linli.catalog.selectors import service_items
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, can, filter_scope, has_perm, require, scope_q, sees_personal_data
from linli.facilities.models import Facility
from linli.facilities.selectors import facilities_visible
from linli.feedback import errors
from linli.feedback.enums import CHOICE_KINDS, RATING_MAX, RATING_MIN, NeedStatus, QuestionKind
from linli.feedback.models import Answer, Need, NeedSupport, NeedUpdate, Question, Survey, SurveyResponse

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

# Community, town and district staff run needs lists and surveys in their scope.
FEEDBACK_CHANGE = Perm.FEEDBACK_CHANGE
# Who reads survey results and the needs of their scope (auditors and evaluators included).
FEEDBACK_VIEW = Perm.AREA_VIEW


def _authenticated(viewer: AnyUser) -> None:
    if not viewer.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)


def _home(viewer: AnyUser) -> str:
    return getattr(viewer, "home_area_code", "") or ""


def is_staff_viewer(viewer: AnyUser) -> bool:
    return has_perm(viewer, FEEDBACK_VIEW)


def may_change(viewer: AnyUser, area_code: str | None = None) -> bool:
    return can(viewer, FEEDBACK_CHANGE, area_code)


def home_area(*, viewer: AnyUser) -> Area | None:
    """The viewer's own home community or village (every user may read their own), None when not on
    record."""
    code = _home(viewer) if viewer.is_authenticated else ""
    return Area.objects.filter(code=code).first() if code else None


# Needs ----------------------------------------------------------------------------------------------------


def needs_visible(*, viewer: AnyUser) -> QuerySet[Need]:
    """Needs of the viewer's home area (public within it) and, for staff, of their scope."""
    _authenticated(viewer)
    visible = Q(pk__in=[])
    if _home(viewer):
        visible |= Q(area_code=_home(viewer))
    if is_staff_viewer(viewer):
        visible |= scope_q(viewer)
    return Need.objects.filter(visible).select_related("area", "proposer")


def needs_ranked(*, viewer: AnyUser, area: str | None = None, status: str | None = None) -> QuerySet[Need]:
    """The needs list (急难愁盼清单): most supported first, then the longest waiting. `area` is an area-code
    prefix (a town shows all its communities)."""
    qs = needs_visible(viewer=viewer).annotate(support_count=Count("supports", distinct=True))
    if area:
        qs = qs.filter(area_code__startswith=prefix_of(area) if len(area) == 12 else area)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-support_count", "created_at", "id")


def need_get(*, viewer: AnyUser, need_id: int) -> Need:
    need = needs_ranked(viewer=viewer).filter(pk=need_id).first()
    if need is None:
        raise ApplicationError(errors.NOT_FOUND, _("No such need."), {"id": need_id}, status=404)
    return need


def need_history(*, need: Need) -> QuerySet[NeedUpdate]:
    """The answers staff gave to `need` (read it with `need_get`, which applies the scope), oldest first."""
    return need.updates.order_by("at", "id")


def needs_supported_by(*, viewer: AnyUser, needs: list[Need]) -> set[int]:
    if not viewer.is_authenticated:
        return set()
    return set(NeedSupport.objects.filter(user_id=viewer.pk, need__in=needs).values_list("need_id", flat=True))


def proposer_name(*, viewer: AnyUser, need: Need) -> str | None:
    """The proposer's name for those who may see personal data (and the proposer); None: anonymous."""
    if sees_personal_data(viewer, need.proposer):
        return str(need.proposer)
    return None


# Surveys --------------------------------------------------------------------------------------------------


def area_and_ancestors(code: str) -> list[str]:
    """`code` and the codes of every area above it: the areas whose surveys reach a resident of `code`."""
    depth = LEVEL_DEPTH[level_of(code)]
    return [code[:end].ljust(12, "0") for _level, _start, end in SEGMENTS[: depth + 1]]


def surveys_for_resident(*, viewer: AnyUser, today: dt.date | None = None) -> QuerySet[Survey]:
    """Surveys open today for the residents of the viewer's home area, each with `answered`."""
    _authenticated(viewer)
    home = _home(viewer)
    if not home:
        return Survey.objects.none()
    today = today or timezone.localdate()
    return (
        Survey.objects.filter(area_code__in=area_and_ancestors(home), opens_on__lte=today, closes_on__gte=today)
        .select_related("area", "facility", "service_item")
        .annotate(answered=Exists(SurveyResponse.objects.filter(survey=OuterRef("pk"), respondent_id=viewer.pk)))
        .order_by("closes_on", "id")
    )


def surveys_visible(*, viewer: AnyUser) -> QuerySet[Survey]:
    """Staff: every survey of their scope, with its number of responses."""
    require(viewer, FEEDBACK_VIEW)
    return (
        Survey.objects.visible_to(viewer)
        .select_related("area", "facility", "service_item")
        .annotate(response_count=Count("responses", distinct=True))
        .order_by("-opens_on", "-id")
    )


def survey_get(*, viewer: AnyUser, survey_id: int) -> Survey:
    """A survey for staff of its scope or for the residents it is aimed at (open or not); else 404."""
    _authenticated(viewer)
    survey = Survey.objects.select_related("area", "facility", "service_item").filter(pk=survey_id).first()
    if survey is not None:
        home = _home(viewer)
        if is_staff_viewer(viewer) and Survey.objects.visible_to(viewer).filter(pk=survey.pk).exists():
            return survey
        if home and home.startswith(prefix_of(survey.area_code)):
            return survey
    raise ApplicationError(errors.NOT_FOUND, _("No such survey."), {"id": survey_id}, status=404)


def survey_get_staff(*, viewer: AnyUser, survey_id: int) -> Survey:
    survey = surveys_visible(viewer=viewer).filter(pk=survey_id).first()
    if survey is None:
        raise ApplicationError(errors.NOT_FOUND, _("No such survey."), {"id": survey_id}, status=404)
    return survey


def survey_facilities(*, viewer: AnyUser) -> QuerySet[Facility]:
    """The facilities staff may make a satisfaction survey about: those of their scope."""
    return facilities_visible(viewer=viewer).order_by("area_code", "code")


def survey_service_items() -> QuerySet[ServiceItem]:
    """The service items a satisfaction survey may be about: the whole catalogue (public)."""
    return service_items()


def survey_questions(survey: Survey) -> list[Question]:
    return list(survey.questions.order_by("position"))


def has_answered(*, viewer: AnyUser, survey: Survey) -> bool:
    return SurveyResponse.objects.filter(survey=survey, respondent_id=viewer.pk).exists()


def _mean(total: int, n: int) -> float | None:
    return round(total / n, 2) if n else None


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    # Choice questions: (option, count, percent of those who answered the question).
    options: list[tuple[str, int, float]] = field(default_factory=list)
    # Rating questions: count per rating 1..5 and the mean.
    ratings: list[tuple[int, int, float]] = field(default_factory=list)
    mean: float | None = None
    # Text questions: (text, respondent's name or None when anonymous, area code).
    texts: list[tuple[str, str | None, str]] = field(default_factory=list)


@dataclass
class AreaRow:
    area: Area
    respondents: int
    percent: float
    # Mean of each rating question (by question id); None without answers.
    means: dict[int, float | None]


@dataclass
class SurveyResults:
    survey: Survey
    respondents: int
    questions: list[QuestionResult]
    areas: list[AreaRow]
    area: Area | None = None


def _area_within(survey: Survey, code: str) -> Area:
    area = Area.objects.filter(code=code).first()
    if area is None or not area.code.startswith(prefix_of(survey.area_code)):
        raise ApplicationError(
            errors.NOT_FOUND, _("No such area in this survey."), {"field": "area", "code": code}, status=404
        )
    return area


def survey_results(
    *, viewer: AnyUser, survey_id: int, area_code: str | None = None, request: Any = None
) -> SurveyResults:
    """Counts and percentages per option, rating distribution and mean, free-text answers (respondents named
    only to those who may see personal data, the read logged), and the respondents rolled up to the areas
    directly below the survey's area. `area_code` limits everything but the per-area table to one area."""
    from linli.core.services import audit_record

    survey = survey_get_staff(viewer=viewer, survey_id=survey_id)
    responses = SurveyResponse.objects.filter(survey=survey)
    area = None
    if area_code:
        area = _area_within(survey, area_code)
        responses = responses.filter(area_code__startswith=prefix_of(area.code))
    questions = survey_questions(survey)
    results = {q.pk: QuestionResult(question=q) for q in questions}
    choice_counts: dict[int, list[int]] = {q.pk: [0] * len(q.options) for q in questions if q.kind in CHOICE_KINDS}
    rating_counts: dict[int, list[int]] = {q.pk: [0] * RATING_MAX for q in questions if q.kind == QuestionKind.RATING}
    named: list[int] = []
    answers = (
        Answer.objects.filter(response__in=responses)
        .select_related("response", "response__respondent")
        .order_by("response__created_at", "response_id")
    )
    for answer in answers:
        result = results[answer.question_id]
        result.answered += 1
        if answer.question_id in choice_counts:
            for index in answer.choices:
                choice_counts[answer.question_id][index] += 1
        elif answer.question_id in rating_counts and answer.rating is not None:
            rating_counts[answer.question_id][answer.rating - RATING_MIN] += 1
        elif answer.text:
            respondent = answer.response.respondent
            name = None
            if sees_personal_data(viewer, respondent):
                name = str(respondent)
                named.append(respondent.pk)
            result.texts.append((answer.text, name, answer.response.area_code))
    for q in questions:
        result = results[q.pk]
        if q.pk in choice_counts:
            counted = zip(q.options, choice_counts[q.pk], strict=True)
            result.options = [(option, n, _percent(n, result.answered)) for option, n in counted]
        if q.pk in rating_counts:
            counts = rating_counts[q.pk]
            n = sum(counts)
            total = sum((i + RATING_MIN) * c for i, c in enumerate(counts))
            result.ratings = [(i + RATING_MIN, c, _percent(c, n)) for i, c in enumerate(counts)]
            result.mean = _mean(total, n)
    if named:
        audit_record(
            actor=viewer,
            action=AuditAction.READ,
            object_type="feedback.survey",
            object_id=str(survey.pk),
            fields=["respondent"],
            detail={"subjects": sorted(set(named))},
            request=request,
        )
    return SurveyResults(
        survey=survey,
        respondents=responses.count(),
        questions=[results[q.pk] for q in questions],
        areas=survey_areas(survey=survey, questions=questions),
        area=area,
    )


def survey_areas(*, survey: Survey, questions: list[Question]) -> list[AreaRow]:
    """Respondents rolled up from their home community or village to the areas directly below the survey's
    area (the survey's own area when it is a community or village), with the mean of each rating question."""
    level = child_level(level_of(survey.area_code))
    if level is None:
        areas = [survey.area]
        width = 12
    else:
        areas = list(Area.objects.filter(parent=survey.area).order_by("code"))
        width = SEGMENTS[LEVEL_DEPTH[level]][2]
    respondents: dict[str, int] = defaultdict(int)
    for code in SurveyResponse.objects.filter(survey=survey).values_list("area_code", flat=True):
        respondents[code[:width]] += 1
    rating_ids = [q.pk for q in questions if q.kind == QuestionKind.RATING]
    sums: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for code, question_id, rating in Answer.objects.filter(
        response__survey=survey, question_id__in=rating_ids, rating__isnull=False
    ).values_list("response__area_code", "question_id", "rating"):
        cell = sums[(code[:width], question_id)]
        cell[0] += rating or 0
        cell[1] += 1
    total = sum(respondents.values())
    rows = []
    for area in areas:
        key = area.code[:width]
        rows.append(
            AreaRow(
                area=area,
                respondents=respondents.get(key, 0),
                percent=_percent(respondents.get(key, 0), total),
                means={qid: _mean(*sums[(key, qid)]) if (key, qid) in sums else None for qid in rating_ids},
            )
        )
    return rows


@dataclass(frozen=True)
class Satisfaction:
    code: str
    name: str
    area_code: str
    surveys: int
    count: int
    mean: float | None


def _satisfaction(viewer: AnyUser, by: str) -> list[Satisfaction]:
    require(viewer, FEEDBACK_VIEW)
    subject = f"response__survey__{by}"
    answers = filter_scope(
        viewer,
        Answer.objects.filter(question__overall=True, rating__isnull=False, **{f"{subject}__isnull": False}),
        "response__survey__area_code",
    )
    keys: dict[str, Any] = {"code": F(f"{subject}__code"), "name": F(f"{subject}__name")}
    if by == "facility":
        keys["area_code"] = F(f"{subject}__area_code")
    rows = (
        answers.values(**keys)
        .annotate(mean=Avg("rating"), count=Count("id"), surveys=Count("response__survey", distinct=True))
        .order_by("-mean", "code")
    )
    return [
        Satisfaction(
            code=row["code"],
            name=row["name"],
            area_code=row.get("area_code", ""),
            surveys=row["surveys"],
            count=row["count"],
            mean=round(row["mean"], 2) if row["mean"] is not None else None,
        )
        for row in rows
    ]


def satisfaction_by_facility(*, viewer: AnyUser) -> list[Satisfaction]:
    """Mean overall rating and number of ratings per facility, over the satisfaction surveys of the scope."""
    return _satisfaction(viewer, "facility")


def satisfaction_by_item(*, viewer: AnyUser) -> list[Satisfaction]:
    """Mean overall rating and number of ratings per service item, over the satisfaction surveys of the scope."""
    return _satisfaction(viewer, "service_item")


def need_counts_by_status(*, viewer: AnyUser) -> dict[str, int]:
    counts = {s.value: 0 for s in NeedStatus}
    for row in needs_visible(viewer=viewer).values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


# Workbench (工作台) -----------------------------------------------------------------------------------


def surveys_waiting_for(*, viewer: AnyUser, today: dt.date | None = None) -> QuerySet[Survey]:
    """Surveys open today for the viewer's home area that the viewer has not answered, closing first."""
    mine = SurveyResponse.objects.filter(survey=OuterRef("pk"), respondent_id=viewer.pk)
    return surveys_for_resident(viewer=viewer, today=today).exclude(Exists(mine))


def needs_new(*, viewer: AnyUser) -> QuerySet[Need]:
    """Needs of the staff member's scope still waiting for an answer (待回应), newest first, each with
    `support_count`."""
    require(viewer, FEEDBACK_VIEW)
    return (
        Need.objects.filter(scope_q(viewer), status=NeedStatus.OPEN)
        .select_related("area")
        .annotate(support_count=Count("supports", distinct=True))
        .order_by("-created_at", "-id")
    )
