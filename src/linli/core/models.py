"""Users with a role and an area scope, API tokens, and the audit log of personal-data access."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.enums import AuditAction, Role
from linli.core.idnumbers import validate_resident_id

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

# The 12-digit statistical division code (province 2, city 2, county 2, town 3, community/village 3).
AREA_CODE_PATTERN = r"^[0-9]{12}$"


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


def area_code_field(verbose_name: Any = None) -> models.CharField[str, str]:
    """The area-code column of `AreaOwned`; a model whose column has its own verbose name redeclares it
    with this."""
    return models.CharField(
        verbose_name or _("area code"),
        max_length=12,
        db_index=True,
        validators=[RegexValidator(AREA_CODE_PATTERN, _("a 12-digit area code"))],
    )


_M = TypeVar("_M", bound=models.Model)


class AreaOwnedQuerySet(models.QuerySet[_M]):
    def visible_to(self, user: AbstractUser | AnonymousUser) -> Self:
        """The records whose area code lies in `user`'s scope (`core.permissions.scope_q` decides)."""
        from linli.core.permissions import scope_q  # permissions reads User from this module

        return self.filter(scope_q(user))  # type: ignore[arg-type]


AreaOwnedManager = models.Manager.from_queryset(AreaOwnedQuerySet)


class AreaOwned(models.Model):
    """A record that belongs to one administrative area: its 12-digit `area_code` (indexed, checked by the
    database) decides who sees it, through `Model.objects.visible_to(user)`.

    A record whose area is that of a parent (an offering's is its facility's, a registration's its
    session's) names the parent's foreign key in `area_code_source`: it copies the parent's code when it is
    created (`save()` fills an empty code from the parent; services that already hold the parent pass it),
    and `area_code_moved(parent)` brings every such copy, down the whole chain, into step when the
    parent moves. The copies stay as columns because scope filters and the booking statements' SQL read them
    without joins. A subclass that declares its own `Meta.constraints` keeps `AreaOwned.Meta.constraints`.
    """

    area_code = area_code_field()

    objects = AreaOwnedManager()

    # the foreign key to the record whose area code this one copies (None: its own)
    area_code_source: ClassVar[str | None] = None

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(area_code__regex=AREA_CODE_PATTERN), name="%(app_label)s_%(class)s_area_code_12"
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A new record left without an area code takes its parent's (`area_code_source`)."""
        if not self.area_code and self.area_code_source:
            self.area_code = getattr(self, self.area_code_source).area_code
        super().save(*args, **kwargs)


def _area_code_chain(model: type[AreaOwned]) -> list[tuple[str, type[models.Model]]]:
    """(lookup path, model at its end) for each ancestor `model` copies its area code from, nearest first."""
    chain: list[tuple[str, type[models.Model]]] = []
    path: list[str] = []
    current: type[models.Model] = model
    while issubclass(current, AreaOwned) and current.area_code_source:
        path.append(current.area_code_source)
        related = current._meta.get_field(current.area_code_source).related_model
        assert isinstance(related, type)
        current = related
        chain.append(("__".join(path), current))
    return chain


def area_code_moved(owner: models.Model) -> int:
    """After `owner`'s `area_code` changed and was saved, every record that copies it (directly or through
    parents, in any app) takes the new code. Returns the number of rows changed."""
    new_code = owner.area_code  # type: ignore[attr-defined]
    changed = 0
    for model in apps.get_models():
        if not issubclass(model, AreaOwned):
            continue
        for path, ancestor in _area_code_chain(model):
            if ancestor is owner._meta.concrete_model:
                changed += model.objects.filter(**{path: owner}).exclude(area_code=new_code).update(area_code=new_code)
    return changed


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
    id_number = models.CharField(
        _("ID number (身份证号)"), max_length=18, blank=True, validators=[validate_resident_id]
    )
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
    # A token works until it expires or is revoked, whichever comes first (`core.selectors.user_for_token`).
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class AuditLogAppendOnly(PermissionDenied):
    """An attempt to change or delete an audit-log entry."""


class AuditLogQuerySet(models.QuerySet["AuditLog"]):
    """Entries are only ever added: bulk updates and deletes are refused (and the database's triggers,
    `linli.core.appendonly`, refuse them below the ORM too)."""

    def update(self, **kwargs: Any) -> int:
        raise AuditLogAppendOnly("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogAppendOnly("the audit log is append-only")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AuditLogAppendOnly("the audit log is append-only")


class AuditLog(models.Model):
    """Who read or changed personal data (or other audited records), when, from where.

    Append-only, for everyone (superusers included): an entry is written once and never changed nor deleted
    - by the admin (read-only), the model (`save` of an existing entry, `delete`), the queryset, nor the
    database (triggers). A user who has entries cannot be deleted (deactivate them instead): the actor is
    protected, so deleting a user never rewrites the log."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogAppendOnly("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogAppendOnly("the audit log is append-only")


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
