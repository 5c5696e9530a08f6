"""Reads of the core: users in scope, the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.db.models import Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError, RowErrors
from linli.core.models import ApiToken, AreaOwned, AuditLog, User
from linli.core.permissions import Perm, filter_scope, require, scope_prefix
from linli.core.rows import Columns, split

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def people_in_scope(*, viewer: AnyUser) -> QuerySet[User]:
    """Users whose home area lies in the viewer's scope."""
    require(viewer, Perm.PEOPLE_VIEW)
    return filter_scope(viewer, User.objects.exclude(home_area_code=""), "home_area_code").order_by(
        "home_area_code", "username"
    )


# Audit log --------------------------------------------------------------------------------------------------
#
# Which rows an auditor sees (`audit_scope_q`). The log has no area column of its own, so a row's area is
# read from what it names:
# - its actor: a staff member's scope or a resident's home area lies in the auditor's scope (what the
#   people of the area did);
# - its object: a user whose home area (or staff scope) lies in the scope, or any area-owned record
#   (`core.models.AreaOwned`, named by primary key or by its code) whose area code lies in it (what was
#   done to the area's people and records, whoever did it); a failed login names the user tried;
# - rows that name no area at all (no actor or an actor without area, and an object that is not bound to
#   an area: a system task, an import of the catalogue; a failed login with a user name nobody has) go to
#   auditors of a whole district or wider.
# A district-wide actor's reads of a community's residents are seen by the community's auditor through
# the object rule; the same actor's catalogue edits are not (they belong to the district).

DISTRICT_PREFIX = 6  # province 2, city 2, county 2: an auditor with a scope this wide sees unattributed rows
EXPORT_LIMIT = 20_000  # rows in one Excel export (about 8 s to write); its notes say when more matched
# Names written in `AuditLog.fields` and `AuditLog.detail` that are not fields of the object's model.
_EXTRA_FIELD_LABELS = {
    "roster": gettext_lazy("roster of names"),
    "username": gettext_lazy("user name"),
    "user": gettext_lazy("user name"),
    "source": gettext_lazy("source"),
    "file": gettext_lazy("file"),
    "rows": gettext_lazy("rows"),
    "created": gettext_lazy("created"),
    "updated": gettext_lazy("updated"),
    "unchanged": gettext_lazy("unchanged"),
    "subjects": gettext_lazy("persons"),
    "facility": gettext_lazy("facility"),
    "sessions": gettext_lazy("sessions"),
    "from": gettext_lazy("from"),
    "to": gettext_lazy("to"),
    "days": gettext_lazy("days"),
    "prefix": gettext_lazy("token prefix"),
    "prefixes": gettext_lazy("token prefixes"),
    "on_behalf_of": gettext_lazy("filed on behalf of (person no.)"),
    "actor": gettext_lazy("who"),
    "action": gettext_lazy("action"),
    "object_type": gettext_lazy("object"),
    "since": gettext_lazy("from"),
    "until": gettext_lazy("to"),
    "q": gettext_lazy("search"),
    "operators": gettext_lazy("operators"),
    "bookings": gettext_lazy("bookings"),
    "cancelled": gettext_lazy("cancelled"),
    "series": gettext_lazy("series"),
    "rules": gettext_lazy("opening rules"),
    "required_items": gettext_lazy("required service items"),
    "status": gettext_lazy("status"),
    "name": gettext_lazy("name"),
    "activity": gettext_lazy("activity"),
    "starts_at": gettext_lazy("starts at"),
    "ends_at": gettext_lazy("ends at"),
}


def _area_owned_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if issubclass(m, AreaOwned) and not m._meta.abstract]


def _ids_of(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.annotate(_audit_id=Cast("pk", output_field=models.CharField())).values("_audit_id")


def _object_in_scope_q(prefix: str) -> Q:
    users = User.objects.filter(Q(home_area_code__startswith=prefix) | Q(scope__startswith=prefix))
    found = Q(object_type="core.user", object_id__in=_ids_of(users)) | Q(
        action=AuditAction.LOGIN_FAILED, object_type="core.user", object_id__in=users.values("username")
    )
    for model in _area_owned_models():
        owned = model._default_manager.filter(area_code__startswith=prefix)
        named = Q(object_id__in=_ids_of(owned))
        if any(f.name == "code" and getattr(f, "unique", False) for f in model._meta.concrete_fields):
            named |= Q(object_id__in=owned.values("code"))
        found |= Q(object_type=model._meta.label_lower) & named
    return found


def _unattributed_q() -> Q:
    """Rows that name no area: no actor with an area, and an object of no area-bound kind; or a failed login
    with a user name nobody has (guessing)."""
    bound_types = ["core.user", *(m._meta.label_lower for m in _area_owned_models())]
    actor_without_area = Q(actor__isnull=True) | (Q(actor__scope="") & Q(actor__home_area_code=""))
    guessed = Q(action=AuditAction.LOGIN_FAILED) & ~Q(object_id__in=User.objects.values("username"))
    return (actor_without_area & ~Q(object_type__in=bound_types)) | guessed


def audit_scope_q(viewer: AnyUser) -> Q:
    """The audit rows `viewer` may read (see the rules above): everything for an empty scope (superuser)."""
    prefix = scope_prefix(viewer)
    if prefix is None:
        return Q(pk__in=[])
    if prefix == "":
        return Q(pk__isnull=False)
    visible = (
        Q(actor__scope__startswith=prefix) | Q(actor__home_area_code__startswith=prefix) | _object_in_scope_q(prefix)
    )
    if len(prefix) <= DISTRICT_PREFIX:
        visible |= _unattributed_q()
    return visible


def audit_log(*, viewer: AnyUser) -> QuerySet[AuditLog]:
    """The audit rows of the viewer's scope, newest first."""
    require(viewer, Perm.AUDIT_VIEW)
    return AuditLog.objects.filter(audit_scope_q(viewer)).select_related("actor")


@dataclass(frozen=True)
class AuditFilter:
    """What the auditor asked for: an actor (user name or display name, part of it), an action, a kind of
    object, a date range (both days included, local time) and free text (object, fields, detail, address)."""

    actor: str = ""
    action: str = ""
    object_type: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    q: str = ""

    # The form's labels, to name a field in a refusal the way the auditor sees it.
    LABELS: ClassVar[dict[str, Any]] = {
        "actor": gettext_lazy("Who"),
        "action": gettext_lazy("Action"),
        "object_type": gettext_lazy("Object"),
        "since": gettext_lazy("First day"),
        "until": gettext_lazy("Last day"),
        "q": gettext_lazy("Search"),
    }

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> AuditFilter:
        """The filter from the page's query string; a bad value is refused naming its field's label."""
        problems = RowErrors()
        values: dict[str, Any] = {}
        for key in ("actor", "object_type", "q"):
            text = (params.get(key) or "").strip()
            if "\x00" in text or len(text) > 100:
                problems.add(0, str(cls.LABELS[key]), _("not a valid value"), text[:20])
            else:
                values[key] = text
        action = (params.get("action") or "").strip()
        if action and action not in AuditAction.values:
            problems.add(0, str(cls.LABELS["action"]), _("not a valid value"), action[:20])
        else:
            values["action"] = action
        for key in ("since", "until"):
            text = (params.get(key) or "").strip()
            if not text:
                continue
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                problems.add(0, str(cls.LABELS[key]), _("not a date (YYYY-MM-DD)"), text[:20])
                continue
            if not 2000 <= day.year <= 2100:
                problems.add(0, str(cls.LABELS[key]), _("not a date between 2000 and 2100"), text)
                continue
            values[key] = day
        if values.get("since") and values.get("until") and values["since"] > values["until"]:
            problems.add(0, str(cls.LABELS["until"]), _("must not be before the first day"), str(values["until"]))
        if problems:
            message = "; ".join(f"{p['field']}: {p['message']}" for p in problems.errors)
            raise ApplicationError("invalid", message, {"errors": problems.errors})
        return cls(**values)

    def as_params(self) -> dict[str, str]:
        """The filter as query-string values (for the pager and the export link), empty ones left out."""
        raw = {
            "actor": self.actor,
            "action": self.action,
            "object_type": self.object_type,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "q": self.q,
        }
        return {k: v for k, v in raw.items() if v}

    def described(self) -> list[tuple[str, str]]:
        """The filter in words, (label, value), for the export's notes: an action and a kind of object by
        their names."""
        words = dict(self.as_params())
        if self.action:
            words["action"] = str(AuditAction(self.action).label)
        if self.object_type:
            words["object_type"] = str(object_type_labels().get(self.object_type, self.object_type))
        return [(str(self.LABELS[key]), value) for key, value in words.items()]


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_search(*, viewer: AnyUser, filters: AuditFilter) -> QuerySet[AuditLog]:
    """The viewer's audit rows (`audit_log`) narrowed by `filters`, newest first."""
    qs = audit_log(viewer=viewer)
    if filters.actor:
        qs = qs.filter(Q(actor__username__icontains=filters.actor) | Q(actor__display_name__icontains=filters.actor))
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.since:
        qs = qs.filter(at__gte=_day_start(filters.since))
    if filters.until:
        qs = qs.filter(at__lt=_day_start(filters.until + dt.timedelta(days=1)))
    if filters.q:
        text = filters.q
        labelled = [label for label, name in object_type_labels().items() if text.lower() in str(name).lower()]
        qs = qs.annotate(
            _fields_text=Cast("fields", output_field=models.TextField()),
            _detail_text=Cast("detail", output_field=models.TextField()),
        ).filter(
            Q(object_id__icontains=text)
            | Q(object_type__icontains=text)
            | Q(object_type__in=labelled)
            | Q(actor__username__icontains=text)
            | Q(actor__display_name__icontains=text)
            | Q(_fields_text__icontains=text)
            | Q(_detail_text__icontains=text)
            | Q(ip__startswith=text)
        )
    return qs


def object_type_labels() -> dict[str, Any]:
    """Every model's label (`app.model`, as the log names objects) with its verbose name."""
    return {m._meta.label_lower: m._meta.verbose_name for m in apps.get_models()}


def audit_object_types(*, viewer: AnyUser) -> list[tuple[str, str]]:
    """The kinds of object named in the audit log, as (label, name), by name: the choices of the filter.
    Read from the whole log (an index-only scan; kinds of object are no one's data), not the viewer's
    rows, which would cost a scan through the scope rules on every page."""
    require(viewer, Perm.AUDIT_VIEW)
    labels = object_type_labels()
    present = AuditLog.objects.order_by().values_list("object_type", flat=True).distinct()
    return sorted(((t, str(labels.get(t, t))) for t in present), key=lambda pair: pair[1])


@dataclass(frozen=True)
class AuditRow:
    """One audit row in words: no model labels, field names nor raw dictionaries."""

    entry: AuditLog
    object_name: str
    field_names: list[str]
    detail_text: str


def _field_label(model: type[models.Model] | None, name: str) -> str:
    if name in _EXTRA_FIELD_LABELS:
        return str(_EXTRA_FIELD_LABELS[name])
    if model is not None:
        try:
            return str(model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
        except FieldDoesNotExist:
            pass
    return name


def _value_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        if len(value) == 2 and all(not isinstance(v, list | tuple | Mapping) for v in value):
            return f"{value[0]} → {value[1]}"  # a change: [before, after]
        return "、".join(_value_text(v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k} {_value_text(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


class AuditWords:
    """Names of kinds of object and of their fields, looked up once per kind and field (an export reads
    tens of thousands of rows naming a handful of kinds)."""

    def __init__(self) -> None:
        self.labels = object_type_labels()
        self.models: dict[str, type[models.Model] | None] = {}
        self.names: dict[str, str] = {}
        self.fields: dict[tuple[str, str], str] = {}

    def model(self, object_type: str) -> type[models.Model] | None:
        if object_type not in self.models:
            try:
                self.models[object_type] = apps.get_model(object_type)
            except (LookupError, ValueError):
                self.models[object_type] = None
        return self.models[object_type]

    def name(self, object_type: str) -> str:
        if object_type not in self.names:
            self.names[object_type] = str(self.labels.get(object_type, object_type))
        return self.names[object_type]

    def field(self, object_type: str, name: str) -> str:
        key = (object_type, name)
        if key not in self.fields:
            self.fields[key] = _field_label(self.model(object_type), name)
        return self.fields[key]

    def detail(self, object_type: str, detail: Any) -> str:
        """The detail of an entry in words: each key by its field's name, a change as "before → after"."""
        if isinstance(detail, Mapping):
            return "; ".join(f"{self.field(object_type, str(k))}: {_value_text(v)}" for k, v in detail.items())
        return _value_text(detail) if detail else ""


def audit_rows(entries: Iterable[AuditLog]) -> list[AuditRow]:
    words = AuditWords()
    return [
        AuditRow(
            entry=entry,
            object_name=words.name(entry.object_type),
            field_names=[words.field(entry.object_type, str(f)) for f in (entry.fields or [])],
            detail_text=words.detail(entry.object_type, entry.detail),
        )
        for entry in entries
    ]


_TOKEN = Columns(ApiToken, "t", only=("user", "last_used_at"))
# The user as permission checks and services read them; the password hash stays in the database.
_USER = Columns(User, "u", only=[f.name for f in User._meta.concrete_fields if f.name != "password"])


def user_for_token(key: str) -> User | None:
    """The active user holding the API token `key`, or None. Every API request asks this, so it is one
    hand-written statement (see `linli.core.rows`), not an ORM query."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_TOKEN.select(connection)}, {_USER.select(connection)} FROM {_TOKEN.table} t "
            f"JOIN {_USER.table} u ON u.id = t.user_id "
            "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND t.expires_at > %s",
            [ApiToken.hash_key(key), timezone.now()],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    token_values, user_values = split(row, _TOKEN, _USER)
    token, user = _TOKEN.build(token_values, connection), _USER.build(user_values, connection)
    if not user.is_active:
        return None
    now = timezone.now()
    # Record use at most once a minute: a write on every request would queue behind SQLite's single writer.
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user
