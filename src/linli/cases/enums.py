from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestState(models.TextChoices):
    SUBMITTED = "submitted", _("submitted (已提交)")
    ACCEPTED = "accepted", _("accepted (已受理)")
    IN_PROGRESS = "in_progress", _("in progress (办理中)")
    WAITING = "waiting", _("waiting for the resident (待补充)")
    RESOLVED = "resolved", _("resolved (已办结)")
    CLOSED = "closed", _("confirmed and closed (已确认)")
    REOPENED = "reopened", _("reopened (已重开)")


class HandlingLevel(models.TextChoices):
    """Who handles a request; an overdue request moves up one level."""

    COMMUNITY = "community", _("community / village (社区、村)")
    TOWN = "town", _("sub-district / town (街道、乡镇)")
    DISTRICT = "district", _("district (区)")


class EventAction(models.TextChoices):
    FILE = "file", _("filed")
    ACCEPT = "accept", _("accepted")
    START = "start", _("started")
    ASK_RESIDENT = "ask_resident", _("asked the resident (clock paused)")
    RESUME = "resume", _("resumed (clock running)")
    RESOLVE = "resolve", _("resolved")
    CONFIRM = "confirm", _("confirmed by the resident")
    REOPEN = "reopen", _("reopened by the resident")
    TRANSFER = "transfer", _("transferred")
    ESCALATE = "escalate", _("escalated (overdue)")
    RATE = "rate", _("rated")
    RETIME = "retime", _("deadline re-timed on the official calendar")
