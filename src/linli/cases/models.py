"""Requests handled on a deadline (全程代理、限时办结): request types with their deadline in working days,
the requests residents file (or staff file for them), every change of a request in its event log, and
consultations whose good answers become the public FAQ."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.cases.enums import EventAction, HandlingLevel, RequestState
from linli.core.models import AreaOwned, TimeStampedModel

# States in which the request is still being handled (the clock runs, except while waiting).
OPEN_STATES = (
    RequestState.SUBMITTED,
    RequestState.ACCEPTED,
    RequestState.IN_PROGRESS,
    RequestState.WAITING,
    RequestState.REOPENED,
)


class RequestType(TimeStampedModel):
    """A kind of request (低保申请, 老年人优待证办理 …) with its deadline: data district admins edit."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    deadline_days = models.PositiveSmallIntegerField(_("deadline (working days) (办结时限)"))
    department = models.CharField(_("department"), max_length=64, blank=True)
    handling_level = models.CharField(
        _("handled at"), max_length=16, choices=HandlingLevel.choices, default=HandlingLevel.COMMUNITY
    )
    active = models.BooleanField(_("active"), default=True)
    # PIPL, minimum necessary: a request says something about its resident (低保, disability, relief, a
    # birth ...). Only kinds about a public place (a street light, a drain) are listed publicly; new kinds
    # are private until a district admin decides otherwise.
    public_listing = models.BooleanField(
        _("listed publicly (Open311)"),
        default=False,
        help_text=_(
            "Requests of this kind appear in the public Open311 list (place to about 1 km, date only). Only for "
            "matters of a public place, never for assistance, disability, health, family or other personal matters."
        ),
    )

    class Meta:
        verbose_name = _("request type")
        verbose_name_plural = _("request types")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(deadline_days__gte=1), name="request_type_deadline_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceRequest(AreaOwned, TimeStampedModel):
    """A request (办件) of a resident, filed by the resident or by staff on their behalf (代办)."""

    request_type = models.ForeignKey(
        RequestType, on_delete=models.PROTECT, related_name="requests", verbose_name=_("request type")
    )
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_requests", verbose_name=_("resident")
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("filed by")
    )
    description = models.TextField(_("description"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=RequestState.choices, default=RequestState.SUBMITTED)
    level = models.CharField(_("handled at"), max_length=16, choices=HandlingLevel.choices)
    department = models.CharField(_("department"), max_length=64, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_requests",
        verbose_name=_("handler"),
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    deadline_at = models.DateTimeField(_("deadline"), db_index=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(_("escalations"), default=0)
    resolution = models.TextField(_("resolution"), blank=True)
    rating = models.PositiveSmallIntegerField(_("rating (1-5)"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("request (办件)")
        verbose_name_plural = _("requests (办件)")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["state", "deadline_at"])]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="service_request_rating_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.request_type_id} {self.state}"

    @property
    def on_behalf(self) -> bool:
        return self.filed_by_id != self.resident_id

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class RequestEvent(models.Model):
    """One change of a request: who, when, from which state to which, and why."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=16, choices=EventAction.choices)
    from_state = models.CharField(_("from"), max_length=16, choices=RequestState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=16, choices=RequestState.choices)
    note = models.TextField(_("note"), blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action} {self.from_state}->{self.to_state}"


class Consultation(AreaOwned, TimeStampedModel):
    """A resident's question (咨询) and the staff's answer; a good one is published as a FAQ entry."""

    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("asked by")
    )
    request_type = models.ForeignKey(
        RequestType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultations",
        verbose_name=_("about"),
    )
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    is_faq = models.BooleanField(_("public FAQ"), default=False)
    public_question = models.TextField(
        _("question as published"), blank=True, help_text=_("the question without anything personal")
    )

    class Meta(AreaOwned.Meta):
        verbose_name = _("consultation (咨询)")
        verbose_name_plural = _("consultations (咨询)")
        ordering = ["-created_at", "-id"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(is_faq=False) | ~models.Q(answer=""), name="consultation_faq_needs_answer"
            ),
        ]

    def __str__(self) -> str:
        return self.question[:40]
