"""Users with a role and an area scope, API tokens, and the audit log of personal-data access."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.enums import AuditAction, Role


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A person who logs in. `scope` is an area-code prefix: the user sees records whose area code starts
    with it (empty scope: nothing area-bound, unless the role is district-wide with an empty prefix
    explicitly allowed by `linli.core.permissions`)."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.RESIDENT)
    scope = models.CharField(
        _("scope (area code prefix)"),
        max_length=12,
        blank=True,
        help_text=_("Prefix of the 12-digit area code this user may see, e.g. 990102 for a whole district."),
    )
    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    id_number = models.CharField(_("ID number (身份证号)"), max_length=18, blank=True)
    home_area_code = models.CharField(_("home area code"), max_length=12, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=models.Q(scope__regex=r"^[0-9]{0,12}$"), name="user_scope_digits"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiToken(TimeStampedModel):
    """A bearer token for the API. Only the SHA-256 of the token is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=64)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class AuditLog(models.Model):
    """Who read or changed personal data (or other audited records), when, from where."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.object_type}:{self.object_id}"


class CalendarDay(models.Model):
    """A day of the official Chinese calendar that is not an ordinary day: every day of a public holiday
    period (weekends included, so a facility closed on holidays is closed that Saturday too), or a make-up
    working day (调休) on a weekend. Loaded from the chinesecalendar package by `linli calendar_load`;
    admins correct or add next year's days when the State Council announces them."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("public holiday (法定节假日)")
        WORKDAY = "workday", _("make-up working day (调休上班)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.kind} {self.name}"


class KeyFingerprint(models.Model):
    """A fingerprint of the secret key this database's check-in codes are made with (one row). A database
    restored without its key is recognised by it: see `linli.core.backup.secret_key_check`."""

    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("secret key fingerprint")
        verbose_name_plural = _("secret key fingerprint")

    def __str__(self) -> str:
        return self.fingerprint[:12]
