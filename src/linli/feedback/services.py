"""Changes to needs and surveys. Every input is checked whole: a problem names its field or question, and
nothing is written when anything is wrong."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.areas.codes import prefix_of
from linli.areas.models import Area
from linli.catalog.enums import Domain
from linli.catalog.models import ServiceItem
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError, RowErrors
from linli.core.parsing import boolean, choice, date_value, text
from linli.core.permissions import require
from linli.core.services import audit_record
from linli.facilities.models import Facility
from linli.feedback import errors
from linli.feedback.enums import (
    CHOICE_KINDS,
    RATING_MAX,
    RATING_MIN,
    SUPPORTABLE,
    NeedStatus,
    QuestionKind,
    SurveyKind,
)
from linli.feedback.models import Answer, Need, NeedSupport, NeedUpdate, Question, Survey, SurveyResponse
from linli.feedback.selectors import FEEDBACK_CHANGE

if TYPE_CHECKING:
    from linli.core.models import User
    from linli.core.permissions import AnyUser

TITLE_MAX = 100
QUESTION_MAX = 200
OPTION_MAX = 100
TEXT_ANSWER_MAX = 2000
MAX_OPTIONS = 20
MAX_QUESTIONS = 50


def _home_area(user: AnyUser) -> Area:
    """The community or village `user` lives in; refused when they have none on record."""
    if not user.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)
    code = getattr(user, "home_area_code", "")
    area = Area.objects.filter(code=code).first() if code else None
    if area is None:
        raise ApplicationError(
            errors.NO_HOME_AREA,
            _("Your home community or village is not on record; ask your community staff to add it."),
            {"field": "home_area_code"},
            status=403,
        )
    return area


# Needs ----------------------------------------------------------------------------------------------------


@transaction.atomic
def need_propose(*, actor: User, title: str, description: str = "", domain: str) -> Need:
    """A resident proposes a need of their home area; they are its first supporter."""
    area = _home_area(actor)
    problems = RowErrors()
    title = text(title)
    if not title:
        problems.add(0, "title", _("required"))
    elif len(title) > TITLE_MAX:
        problems.add(0, "title", _("at most %(n)d characters") % {"n": TITLE_MAX}, title)
    domain_value = choice(domain, Domain, 0, "domain", problems)
    if domain_value is None and not any(e["field"] == "domain" for e in problems.errors):
        problems.add(0, "domain", _("required"))
    problems.raise_if_any(errors.INVALID_NEED, _("The need was not saved: please correct the fields named."))
    assert domain_value is not None
    need = Need.objects.create(
        title=title,
        description=text(description),
        domain=domain_value,
        area=area,
        proposer=actor,
    )
    NeedSupport.objects.create(need=need, user=actor)
    return need


@transaction.atomic
def need_support(*, actor: User, need: Need) -> NeedSupport:
    """A resident of the need's area supports it, once."""
    area = _home_area(actor)
    if area.code != need.area_code:
        raise ApplicationError(
            errors.OTHER_AREA, _("Only residents of the need's community or village may support it."), status=403
        )
    if need.status not in SUPPORTABLE:
        raise ApplicationError(
            errors.NOT_SUPPORTABLE, _("This need is %(status)s.") % {"status": need.get_status_display()}, status=409
        )
    try:
        with transaction.atomic():
            return NeedSupport.objects.create(need=need, user=actor)
    except IntegrityError:
        raise ApplicationError(errors.ALREADY_SUPPORTED, _("You already support this need."), status=409) from None


@transaction.atomic
def need_status_set(*, actor: User, need: Need, status: str, reply: str) -> Need:
    """Staff of the need's area answer it: accepted, in the plan, done or declined, with a reply residents
    read. Each change is kept in the need's history and the audit log."""
    require(actor, FEEDBACK_CHANGE, need.area_code)
    problems = RowErrors()
    new_status = choice(status, NeedStatus, 0, "status", problems)
    if new_status is None and not problems:
        problems.add(0, "status", _("required"))
    elif new_status == NeedStatus.OPEN:
        problems.add(0, "status", _("choose accepted, in the plan, done or declined"), status)
    reply = text(reply)
    if not reply:
        problems.add(0, "reply", _("required: tell the residents why"))
    problems.raise_if_any(errors.INVALID_STATUS, _("The need was not updated: please correct the fields named."))
    assert new_status is not None
    NeedUpdate.objects.create(need=need, actor=actor, status_from=need.status, status_to=new_status, reply=reply)
    before = need.status
    need.status = new_status
    need.reply = reply
    need.replied_at = timezone.now()
    need.save(update_fields=["status", "reply", "replied_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        on=need,
        fields=["status", "reply"],
        detail={"from": before, "to": new_status},
    )
    return need


# Surveys --------------------------------------------------------------------------------------------------


def satisfaction_template() -> list[dict[str, Any]]:
    """The standard questions of a satisfaction survey (满意度测评), the overall rating first."""
    return [
        {"kind": QuestionKind.RATING, "text": _("Overall, how satisfied are you?"), "required": True, "overall": True},
        {"kind": QuestionKind.RATING, "text": _("How satisfied are you with the staff's attitude?"), "required": True},
        {
            "kind": QuestionKind.RATING,
            "text": _("How satisfied are you with the opening hours and convenience?"),
            "required": True,
        },
        {
            "kind": QuestionKind.RATING,
            "text": _("How satisfied are you with the premises and equipment?"),
            "required": True,
        },
        {
            "kind": QuestionKind.SINGLE,
            "text": _("Would you recommend it to your neighbours?"),
            "required": False,
            "options": [_("yes"), _("not sure"), _("no")],
        },
        {"kind": QuestionKind.TEXT, "text": _("What should be improved?"), "required": False},
    ]


@dataclass(frozen=True, kw_only=True)
class QuestionInput:
    """A question as the survey builder or the API gives it, checked by `_check_question`: `kind` is a
    `QuestionKind` (value or label), `options` a list or one option per line (choice questions only),
    `required` a yes/no (yes when not given)."""

    kind: str = ""
    text: str = ""
    required: bool | str | None = None
    options: Sequence[str] | str = ()


def _check_question(question: QuestionInput, row: int, problems: RowErrors) -> dict[str, Any] | None:
    """The question's checked values (never the overall rating: only the standard template has that)."""
    before = len(problems.errors)
    question_text = text(question.text)
    if not question_text:
        problems.add(row, "text", _("required"))
    elif len(question_text) > QUESTION_MAX:
        problems.add(row, "text", _("at most %(n)d characters") % {"n": QUESTION_MAX}, question_text)
    kind = choice(question.kind, QuestionKind, row, "kind", problems) if text(question.kind) else None
    if not text(question.kind):
        problems.add(row, "kind", _("required"))
    required = boolean(question.required, row, "required", problems)
    raw_options: Sequence[str] = question.options or []
    if isinstance(raw_options, str):
        raw_options = raw_options.splitlines()
    options = [text(o) for o in raw_options if text(o)]
    if kind in CHOICE_KINDS:
        if len(options) < 2:
            problems.add(row, "options", _("a choice question needs at least two options"))
        elif len(options) > MAX_OPTIONS:
            problems.add(row, "options", _("at most %(n)d options") % {"n": MAX_OPTIONS})
        elif len(set(options)) != len(options):
            problems.add(row, "options", _("each option only once"))
        elif any(len(o) > OPTION_MAX for o in options):
            problems.add(row, "options", _("an option has at most %(n)d characters") % {"n": OPTION_MAX})
    elif options:
        problems.add(row, "options", _("only choice questions have options"))
    if len(problems.errors) > before:
        return None
    return {
        "kind": kind,
        "text": question_text,
        "required": True if required is None else required,
        "options": options if kind in CHOICE_KINDS else [],
        "overall": False,
    }


@transaction.atomic
def survey_create(
    *,
    actor: User,
    title: str,
    area_code: str,
    opens_on: dt.date | str,
    closes_on: dt.date | str,
    questions: Sequence[QuestionInput],
    description: str = "",
    kind: str = SurveyKind.GENERAL,
    facility_code: str = "",
    service_item_code: str = "",
) -> Survey:
    """Staff of an area create a survey for its residents. A satisfaction survey names a facility and/or a
    service item and gets the standard questions first; `questions` are added after them. Problems of a
    question name it by number (row) and field."""
    require(actor, FEEDBACK_CHANGE)
    problems = RowErrors()
    title = text(title)
    if not title:
        problems.add(0, "title", _("required"))
    elif len(title) > TITLE_MAX:
        problems.add(0, "title", _("at most %(n)d characters") % {"n": TITLE_MAX}, title)
    area = Area.objects.filter(code=text(area_code)).first()
    if area is None:
        problems.add(0, "area_code", _("no such area"), area_code)
    else:
        require(actor, FEEDBACK_CHANGE, area.code)
    start = date_value(opens_on, 0, "opens_on", problems)
    end = date_value(closes_on, 0, "closes_on", problems)
    for field, value in (("opens_on", start), ("closes_on", end)):
        if value is None and not any(e["field"] == field for e in problems.errors):
            problems.add(0, field, _("required"))
    if start and end and end < start:
        problems.add(0, "closes_on", _("must not be before the opening date"), end)
    survey_kind = choice(kind or SurveyKind.GENERAL, SurveyKind, 0, "kind", problems)
    facility = item = None
    if survey_kind == SurveyKind.SATISFACTION:
        if text(facility_code):
            facility = Facility.objects.filter(code=text(facility_code)).first()
            if facility is None:
                problems.add(0, "facility", _("no such facility"), facility_code)
            elif area is not None and not facility.area_code.startswith(prefix_of(area.code)):
                problems.add(0, "facility", _("the facility is not in the survey's area"), facility_code)
        if text(service_item_code):
            item = ServiceItem.objects.filter(code=text(service_item_code)).first()
            if item is None:
                problems.add(0, "service_item", _("no such service item"), service_item_code)
        if not text(facility_code) and not text(service_item_code):
            problems.add(0, "facility", _("a satisfaction survey is about a facility or a service item"))
    base = satisfaction_template() if survey_kind == SurveyKind.SATISFACTION else []
    checked: list[dict[str, Any]] = []
    for row, given in enumerate(questions, start=len(base) + 1):
        question = _check_question(given, row, problems)
        if question is not None:
            checked.append(question)
    if not base and not questions:
        problems.add(1, "text", _("a survey needs at least one question"))
    if len(base) + len(questions) > MAX_QUESTIONS:
        problems.add(0, "questions", _("at most %(n)d questions") % {"n": MAX_QUESTIONS})
    problems.raise_if_any(errors.INVALID_SURVEY, _("The survey was not saved: please correct the fields named."))
    assert area is not None and start is not None and end is not None and survey_kind is not None
    survey = Survey.objects.create(
        title=title,
        description=text(description),
        kind=survey_kind,
        area=area,
        opens_on=start,
        closes_on=end,
        facility=facility,
        service_item=item,
        created_by=actor,
    )
    Question.objects.bulk_create(
        Question(
            survey=survey,
            position=position,
            kind=q["kind"],
            text=q["text"],
            required=q.get("required", True),
            options=list(q.get("options", [])),
            overall=q.get("overall", False),
        )
        for position, q in enumerate([*base, *checked], start=1)
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        on=survey,
    )
    return survey


def survey_window_check(survey: Survey, today: dt.date | None = None) -> None:
    """Refuse when the survey is not open today."""
    today = today or timezone.localdate()
    if today < survey.opens_on:
        raise ApplicationError(
            errors.SURVEY_NOT_OPEN,
            _("This survey opens on %(date)s.") % {"date": survey.opens_on.isoformat()},
            {"opens_on": survey.opens_on.isoformat()},
            status=409,
        )
    if today > survey.closes_on:
        raise ApplicationError(
            errors.SURVEY_CLOSED,
            _("This survey closed on %(date)s.") % {"date": survey.closes_on.isoformat()},
            {"closes_on": survey.closes_on.isoformat()},
            status=409,
        )


def _rating(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _check_answer(question: Question, value: Any, problems: RowErrors) -> Answer | None:
    """The answer to `question` from a raw value (an option's text, a list of them, a rating, a text), None
    when unanswered; problems name the question by number and text."""
    row, field = question.position, f"q{question.pk}"

    def refuse(message: str, given: Any = None) -> None:
        problems.add(row, field, f"{question.position}. {question.text}: {message}", given)

    values: list[Any] = list(value) if isinstance(value, list | tuple) else [value]
    values = [v for v in values if not (v is None or (isinstance(v, str) and not v.strip()))]
    if not values:
        if question.required:
            refuse(_("an answer is required"))
        return None
    if question.kind in CHOICE_KINDS:
        if question.kind == QuestionKind.SINGLE and len(values) > 1:
            refuse(_("choose only one option"))
            return None
        chosen: list[int] = []
        for v in values:
            given = text(v)
            if given not in question.options:
                refuse(_("not one of the options"), given)
                return None
            index = question.options.index(given)
            if index not in chosen:
                chosen.append(index)
        return Answer(question=question, choices=sorted(chosen))
    if len(values) > 1:
        refuse(_("give one answer"))
        return None
    if question.kind == QuestionKind.RATING:
        rating = _rating(values[0])
        if rating is None or not RATING_MIN <= rating <= RATING_MAX:
            message = _("a rating is a whole number from %(min)d to %(max)d")
            refuse(message % {"min": RATING_MIN, "max": RATING_MAX}, values[0])
            return None
        return Answer(question=question, rating=rating)
    answer_text = text(values[0])
    if len(answer_text) > TEXT_ANSWER_MAX:
        refuse(_("at most %(n)d characters") % {"n": TEXT_ANSWER_MAX})
        return None
    return Answer(question=question, text=answer_text)


# An answer as given: an option's text, several of them (multiple choice), a rating, a text; None: unanswered.
AnswerValue = str | int | float | Sequence[str] | None


@transaction.atomic
def survey_answer(
    *, respondent: User, survey: Survey, answers: Mapping[int, AnswerValue], today: dt.date | None = None
) -> SurveyResponse:
    """A resident of the survey's area answers it, once, while it is open. `answers` maps question ids to
    raw values; every answer is checked before anything is written."""
    home = _home_area(respondent)
    if not home.code.startswith(prefix_of(survey.area_code)):
        raise ApplicationError(errors.NOT_FOUND, _("No such survey."), {"id": survey.pk}, status=404)
    survey_window_check(survey, today)
    if SurveyResponse.objects.filter(survey=survey, respondent=respondent).exists():
        raise ApplicationError(errors.ALREADY_ANSWERED, _("You have already answered this survey."), status=409)
    questions = list(survey.questions.order_by("position"))
    problems = RowErrors()
    known = {q.pk for q in questions}
    for key in answers:
        if key not in known:
            problems.add(0, "answers", _("not a question of this survey"), key)
    checked = [(q, _check_answer(q, answers.get(q.pk), problems)) for q in questions]
    problems.raise_if_any(errors.INVALID_ANSWERS, _("Your answers were not saved: please correct the questions named."))
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(survey=survey, respondent=respondent, area_code=home.code)
    except IntegrityError:
        raise ApplicationError(
            errors.ALREADY_ANSWERED, _("You have already answered this survey."), status=409
        ) from None
    rows = []
    for _question, answer in checked:
        if answer is not None:
            answer.response = response
            rows.append(answer)
    Answer.objects.bulk_create(rows)
    return response
