"""Demand collection (问需于民): needs residents propose and support, ranked per area into the list of
urgent, difficult and pressing needs (急难愁盼清单); surveys with their questions and answers, and
satisfaction surveys about a facility or a service item."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.areas.models import Area
from linli.catalog.enums import Domain
from linli.catalog.models import ServiceItem
from linli.core.models import AreaOwned, TimeStampedModel
from linli.facilities.models import Facility
from linli.feedback.enums import RATING_MAX, RATING_MIN, NeedStatus, QuestionKind, SurveyKind


class Need(AreaOwned, TimeStampedModel):
    """Something residents of a community or village need (居民需求), public within that area."""

    area_code_source = "area"

    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    domain = models.CharField(_("domain"), max_length=16, choices=Domain.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="needs", verbose_name=_("area"))
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="needs", verbose_name=_("proposed by")
    )
    status = models.CharField(_("status"), max_length=16, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("need (居民需求)")
        verbose_name_plural = _("needs (急难愁盼清单)")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["area_code", "status"])]

    def __str__(self) -> str:
        return self.title


class NeedSupport(models.Model):
    """A resident of the need's area supports it; once per resident."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="need_supports")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("support of a need")
        verbose_name_plural = _("supports of needs")
        constraints = [models.UniqueConstraint(fields=["need", "user"], name="need_support_once")]

    def __str__(self) -> str:
        return f"{self.need_id} + {self.user_id}"


class NeedUpdate(models.Model):
    """A change of a need's status by staff, with the reply residents read: the need's history."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="updates")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    status_from = models.CharField(_("from"), max_length=16, choices=NeedStatus.choices)
    status_to = models.CharField(_("to"), max_length=16, choices=NeedStatus.choices)
    reply = models.TextField(_("reply"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("need update")
        verbose_name_plural = _("need updates")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.need_id}: {self.status_from} → {self.status_to}"


class Survey(AreaOwned, TimeStampedModel):
    """A questionnaire for the residents of an area, open from `opens_on` to `closes_on` (both included).
    A satisfaction survey is about a facility and/or a service item and starts with the standard questions,
    the first of which is the overall rating."""

    area_code_source = "area"

    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=SurveyKind.choices, default=SurveyKind.GENERAL)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("area"))
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("facility")
    )
    service_item = models.ForeignKey(
        ServiceItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="surveys",
        verbose_name=_("service item"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )

    class Meta(AreaOwned.Meta):
        verbose_name = _("survey (问卷)")
        verbose_name_plural = _("surveys")
        ordering = ["-opens_on", "-id"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.CheckConstraint(condition=models.Q(closes_on__gte=models.F("opens_on")), name="survey_dates"),
            models.CheckConstraint(
                condition=~models.Q(kind=SurveyKind.SATISFACTION)
                | models.Q(facility__isnull=False)
                | models.Q(service_item__isnull=False),
                name="survey_satisfaction_subject",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """One question of a survey; `options` are the answers of a choice question. `overall` marks the
    overall rating of a satisfaction survey."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=16, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    options = models.JSONField(_("options"), default=list, blank=True)
    overall = models.BooleanField(_("overall rating"), default=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "position"]
        constraints = [models.UniqueConstraint(fields=["survey", "position"], name="question_position_unique")]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class SurveyResponse(AreaOwned):
    """One resident's answers to a survey; `area_code` is their home area when they answered."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="survey_responses")
    created_at = models.DateTimeField(_("answered at"), auto_now_add=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            *AreaOwned.Meta.constraints,
            models.UniqueConstraint(fields=["survey", "respondent"], name="response_once"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} by {self.respondent_id}"


class Answer(models.Model):
    """The answer to one question: chosen option numbers (0-based), a rating or a text."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choices = models.JSONField(_("chosen options"), default=list, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_once"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="answer_rating_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"
