from django.db import models
from django.utils.translation import gettext_lazy as _


class NeedStatus(models.TextChoices):
    """Where a resident's need stands (急难愁盼清单): open until staff answer it."""

    OPEN = "open", _("open (待回应)")
    ACCEPTED = "accepted", _("accepted (已受理)")
    PLANNED = "planned", _("in the plan (已纳入计划)")
    DONE = "done", _("done (已办结)")
    DECLINED = "declined", _("declined (不予采纳)")


# Needs residents may still support: not yet done or declined.
SUPPORTABLE = (NeedStatus.OPEN, NeedStatus.ACCEPTED, NeedStatus.PLANNED)


class SurveyKind(models.TextChoices):
    GENERAL = "general", _("survey (问卷)")
    SATISFACTION = "satisfaction", _("satisfaction survey (满意度调查)")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("single choice (单选)")
    MULTIPLE = "multiple", _("multiple choice (多选)")
    RATING = "rating", _("rating 1-5 (评分)")
    TEXT = "text", _("free text (文字)")


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
RATING_MIN = 1
RATING_MAX = 5
