"""Changes to requests (request types are in `request_types.py`, consultations in `consultations.py`).
Every change of a request goes through one transition table
(`TRANSITIONS`), is refused with a clear error when the request's state does not allow it, and is written
to the request's event log. Services take `now` so that deadlines and escalations are computed for a
given moment (tests pass a fixed one; callers leave it out for the clock).

Who may act: staff of the roles that serve residents (全程代理: community, sub-district and district staff;
`HANDLE`) on requests of their scope handled at their level or below it; the resident on their own request
(resume with the missing information, confirm, reopen, rate)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases.enums import EventAction, HandlingLevel, RequestState
from linli.cases.models import OPEN_STATES, RequestEvent, RequestType, ServiceRequest
from linli.cases.workdays import (
    WorkCalendar,
    add_working_days,
    add_working_time,
    working_time_between,
)
from linli.core.enums import Role
from linli.core.errors import ApplicationError, RowErrors
from linli.core.models import User
from linli.core.parsing import count, text
from linli.core.permissions import Perm, can, has_perm, require

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

# Community, town and district staff handle requests for residents (全程代理).
HANDLE = Perm.REQUEST_HANDLE
LEVELS = (HandlingLevel.COMMUNITY, HandlingLevel.TOWN, HandlingLevel.DISTRICT)
ROLE_LEVEL: dict[str, HandlingLevel] = {
    Role.COMMUNITY_STAFF: HandlingLevel.COMMUNITY,
    Role.TOWN_STAFF: HandlingLevel.TOWN,
    Role.DISTRICT_ADMIN: HandlingLevel.DISTRICT,
}


def level_rank(level: str) -> int:
    return LEVELS.index(HandlingLevel(level))


def staff_level(user: AnyUser) -> HandlingLevel | None:
    """The level a staff member handles requests at (None for everyone else)."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return HandlingLevel.DISTRICT
    return ROLE_LEVEL.get(user.role)


def may_handle(user: AnyUser, request: ServiceRequest) -> bool:
    """May `user` act as staff on `request`: in scope, and at the request's level or above."""
    level = staff_level(user)
    return level is not None and can(user, HANDLE, request.area_code) and level_rank(level) >= level_rank(request.level)


def _person(pk: int | str | None) -> User | None:
    """The user a staff member names by id (the resident to file for, the handler to transfer to), or None.
    The callers give the same answer for None as for a person they may not name."""
    if pk is None or not str(pk).isdigit() or len(str(pk)) > 18:
        return None
    return User.objects.filter(pk=int(pk)).first()


def _require_handler(actor: AnyUser, request: ServiceRequest) -> None:
    require(actor, HANDLE, request.area_code)
    level = staff_level(actor)
    if level is None or level_rank(level) < level_rank(request.level):
        raise ApplicationError(
            "wrong_level",
            _("This request is handled at the %(level)s level now.") % {"level": HandlingLevel(request.level).label},
            {"level": request.level},
            status=403,
        )


def _require_resident(actor: AnyUser, request: ServiceRequest) -> None:
    if not actor.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)
    if actor.pk != request.resident_id:
        raise ApplicationError("forbidden", _("Only the resident who made the request may do this."), status=403)


# Filing ------------------------------------------------------------------------------------------------


def _event(
    request: ServiceRequest,
    *,
    actor: AnyUser | None,
    action: EventAction,
    from_state: str,
    now: dt.datetime,
    note: str = "",
    detail: dict[str, Any] | None = None,
) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        at=now,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_state=from_state,
        to_state=request.state,
        note=note,
        detail=detail or {},
    )


def _coordinate(value: float | str | None, field: str, low: float, high: float, errors: RowErrors) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.add(0, field, _("not a number"), value)
        return None
    if not low <= number <= high:
        errors.add(0, field, _("between %(low)s and %(high)s") % {"low": low, "high": high}, value)
        return None
    return number


@transaction.atomic
def request_file(
    *,
    actor: AnyUser,
    request_type: RequestType | None,
    description: str,
    resident: User | None = None,
    resident_id: int | str | None = None,
    address: str = "",
    lon: float | str | None = None,
    lat: float | str | None = None,
    now: dt.datetime | None = None,
) -> ServiceRequest:
    """A resident files a request; staff file one for a resident of their scope (代办, `resident` or its
    `resident_id` given). The deadline is `request_type.deadline_days` working days from now.

    Naming a person reveals nothing of them: anyone but staff is refused (403) whoever they name, and staff
    get the same answer for a person who does not exist and for one outside their scope."""
    if not actor.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)
    assert isinstance(actor, User)
    now = now or timezone.now()
    errors = RowErrors()
    named = resident.pk if resident is not None else resident_id
    for_other = named is not None and str(named) != str(actor.pk)
    if for_other:
        if not has_perm(actor, HANDLE):
            raise ApplicationError("forbidden", _("Only staff file requests for somebody else."), status=403)
        if resident is None:
            resident = _person(resident_id)
        if resident is None or not resident.home_area_code or not can(actor, HANDLE, resident.home_area_code):
            errors.add(0, "resident", _("not a resident of your area"), named)
            resident = None
    else:
        resident = actor
    if not for_other and not actor.home_area_code:
        errors.add(0, "resident", _("has no home area: ask community staff to record it"))
    if request_type is None or not request_type.active:
        errors.add(0, "request_type", _("choose a request type"))
    description = text(description)
    if not description:
        errors.add(0, "description", _("required"))
    elif len(description) > 5000:
        errors.add(0, "description", _("at most %(n)d characters") % {"n": 5000})
    address = text(address)
    if len(address) > 200:
        errors.add(0, "address", _("at most %(n)d characters") % {"n": 200}, address)
    lon_value = _coordinate(lon, "lon", -180, 180, errors)
    lat_value = _coordinate(lat, "lat", -90, 90, errors)
    if (lon_value is None) != (lat_value is None) and not errors:
        errors.add(0, "lon" if lon_value is None else "lat", _("give both longitude and latitude, or neither"))
    errors.raise_if_any("invalid", _("The request was not filed."))
    assert request_type is not None and resident is not None
    deadline = add_working_days(now, request_type.deadline_days)
    request = ServiceRequest.objects.create(
        request_type=request_type,
        resident=resident,
        filed_by=actor,
        area_code=resident.home_area_code,
        description=description,
        address=address,
        lon=lon_value,
        lat=lat_value,
        state=RequestState.SUBMITTED,
        level=request_type.handling_level,
        department=request_type.department,
        submitted_at=now,
        deadline_at=deadline,
    )
    _event(
        request,
        actor=actor,
        action=EventAction.FILE,
        from_state="",
        now=now,
        detail={"on_behalf_of": resident.pk} if resident.pk != actor.pk else {},
    )
    return request


# Transitions -------------------------------------------------------------------------------------------

STAFF, RESIDENT, EITHER = "staff", "resident", "either"


@dataclass(frozen=True)
class Transition:
    sources: tuple[RequestState, ...]
    target: RequestState
    by: str
    note_required: bool = False


TRANSITIONS: dict[EventAction, Transition] = {
    EventAction.ACCEPT: Transition((RequestState.SUBMITTED,), RequestState.ACCEPTED, STAFF),
    EventAction.START: Transition((RequestState.ACCEPTED, RequestState.REOPENED), RequestState.IN_PROGRESS, STAFF),
    EventAction.ASK_RESIDENT: Transition(
        (RequestState.ACCEPTED, RequestState.IN_PROGRESS), RequestState.WAITING, STAFF, note_required=True
    ),
    EventAction.RESUME: Transition((RequestState.WAITING,), RequestState.IN_PROGRESS, EITHER),
    EventAction.RESOLVE: Transition((RequestState.IN_PROGRESS,), RequestState.RESOLVED, STAFF, note_required=True),
    EventAction.CONFIRM: Transition((RequestState.RESOLVED,), RequestState.CLOSED, RESIDENT),
    EventAction.REOPEN: Transition((RequestState.RESOLVED,), RequestState.REOPENED, RESIDENT, note_required=True),
}


def allowed_actions(user: AnyUser, request: ServiceRequest) -> list[EventAction]:
    """The actions `user` may take on `request` now (the buttons of the request page)."""
    out = []
    staff = may_handle(user, request)
    resident = user.is_authenticated and user.pk == request.resident_id
    for action, rule in TRANSITIONS.items():
        if request.state not in rule.sources:
            continue
        if (rule.by in (STAFF, EITHER) and staff) or (rule.by in (RESIDENT, EITHER) and resident):
            out.append(action)
    return out


def _illegal(request: ServiceRequest, action: str) -> ApplicationError:
    return ApplicationError(
        "illegal_transition",
        _("A request that is %(state)s cannot be %(action)s.")
        % {"state": RequestState(request.state).label, "action": EventAction(action).label},
        {"field": "action", "state": request.state, "action": action},
        status=409,
    )


def _locked(request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update().select_related("request_type").get(pk=request.pk)


@transaction.atomic
def request_transition(
    *, actor: AnyUser, request: ServiceRequest, action: str, note: str = "", now: dt.datetime | None = None
) -> ServiceRequest:
    """Move `request` by `action` (accept, start, ask_resident, resume, resolve, confirm, reopen).

    Asking the resident pauses the clock; resuming moves the deadline by the working time paused. Reopening
    gives the request a fresh deadline of its type's working days."""
    now = now or timezone.now()
    if action not in TRANSITIONS:
        raise ApplicationError(
            "invalid", _("Unknown action."), {"field": "action", "allowed": [str(a) for a in TRANSITIONS]}
        )
    verb = EventAction(action)
    rule = TRANSITIONS[verb]
    request = _locked(request)
    if rule.by == STAFF:
        _require_handler(actor, request)
    elif rule.by == RESIDENT:
        _require_resident(actor, request)
    elif not (actor.is_authenticated and actor.pk == request.resident_id):
        _require_handler(actor, request)
    if request.state not in rule.sources:
        raise _illegal(request, verb)
    note = text(note)
    if rule.note_required and not note:
        errors = RowErrors()
        errors.add(0, "note", _("required: say why"))
        errors.raise_if_any("invalid", _("The request was not changed."))
    before = request.state
    detail: dict[str, Any] = {}
    request.state = rule.target
    if verb == EventAction.ASK_RESIDENT:
        request.paused_at = now
    elif verb == EventAction.RESUME:
        assert request.paused_at is not None
        calendar = WorkCalendar()
        paused = working_time_between(request.paused_at, now, calendar)
        old_deadline = request.deadline_at
        request.deadline_at = add_working_time(old_deadline, paused, calendar)
        request.paused_at = None
        detail = {
            "paused_working_hours": round(paused.total_seconds() / 3600, 2),
            "deadline_before": old_deadline.isoformat(),
            "deadline_after": request.deadline_at.isoformat(),
        }
    elif verb == EventAction.RESOLVE:
        request.resolved_at, request.resolution = now, note
    elif verb == EventAction.CONFIRM:
        request.closed_at = now
    elif verb == EventAction.REOPEN:
        request.resolved_at = None
        request.deadline_at = add_working_days(now, request.request_type.deadline_days)
        detail = {"deadline_after": request.deadline_at.isoformat()}
    if verb == EventAction.ACCEPT and request.handler_id is None and isinstance(actor, User):
        request.handler = actor
    request.save()
    _event(request, actor=actor, action=verb, from_state=before, now=now, note=note, detail=detail)
    return request


@transaction.atomic
def request_transfer(
    *,
    actor: AnyUser,
    request: ServiceRequest,
    department: str | None = None,
    handler: User | None = None,
    handler_id: int | str | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> ServiceRequest:
    """Hand an open request to another department and/or another handler (in scope, at its level; given
    as `handler` or its `handler_id`: a person who does not exist gets the same answer as one who may not
    handle the request)."""
    now = now or timezone.now()
    request = _locked(request)
    _require_handler(actor, request)
    if not request.is_open:
        raise _illegal(request, EventAction.TRANSFER)
    errors = RowErrors()
    new_department = request.department if department is None else text(department)
    if len(new_department) > 64:
        errors.add(0, "department", _("at most %(n)d characters") % {"n": 64}, new_department)
    named = handler.pk if handler is not None else handler_id
    if named is not None and str(named) != "":
        handler = handler or _person(handler_id)
        if handler is None or not may_handle(handler, request):
            errors.add(0, "handler", _("does not handle requests of this area at this level"), named)
            handler = None
    new_handler_id = handler.pk if handler is not None else request.handler_id
    if not errors and new_department == request.department and new_handler_id == request.handler_id:
        errors.add(0, "department", _("give another department or handler"))
    errors.raise_if_any("invalid", _("The request was not transferred."))
    detail = {
        "from_department": request.department,
        "to_department": new_department,
        "from_handler": request.handler_id,
        "to_handler": new_handler_id,
    }
    request.department = new_department
    if handler is not None:
        request.handler = handler
    request.save()
    _event(
        request,
        actor=actor,
        action=EventAction.TRANSFER,
        from_state=request.state,
        now=now,
        note=text(note),
        detail=detail,
    )
    return request


@transaction.atomic
def request_rate(
    *,
    actor: AnyUser,
    request: ServiceRequest,
    rating: int | str | None,
    comment: str = "",
    now: dt.datetime | None = None,
) -> ServiceRequest:
    """The resident rates a closed request once: 1-5 and a comment."""
    now = now or timezone.now()
    request = _locked(request)
    _require_resident(actor, request)
    if request.state != RequestState.CLOSED:
        raise ApplicationError(
            "not_closed",
            _("Rate a request once you have confirmed it is done."),
            {"field": "rating", "state": request.state},
            status=409,
        )
    errors = RowErrors()
    if request.rating is not None:
        errors.add(0, "rating", _("already rated"))
    value = count(rating, 0, "rating", errors)
    if value is None and not errors:
        errors.add(0, "rating", _("required"))
    elif value is not None and not 1 <= value <= 5:
        errors.add(0, "rating", _("from 1 to 5"), value)
    comment = text(comment)
    if len(comment) > 2000:
        errors.add(0, "comment", _("at most %(n)d characters") % {"n": 2000})
    errors.raise_if_any("invalid", _("The rating was not saved."))
    request.rating, request.rating_comment = value, comment
    request.save(update_fields=["rating", "rating_comment", "updated_at"])
    _event(
        request,
        actor=actor,
        action=EventAction.RATE,
        from_state=request.state,
        now=now,
        note=comment,
        detail={"rating": value},
    )
    return request


# Escalation --------------------------------------------------------------------------------------------


def _next_level(level: str) -> HandlingLevel | None:
    rank = level_rank(level)
    return LEVELS[rank + 1] if rank + 1 < len(LEVELS) else None


@transaction.atomic
def requests_escalate_overdue(*, now: dt.datetime | None = None) -> list[ServiceRequest]:
    """Move every overdue open request (clock running, deadline passed) one level up (community →
    sub-district → district), with a fresh deadline of its type's working days for the new level and no
    handler yet. Requests already at the district level stay there (and stay overdue)."""
    now = now or timezone.now()
    running = [s for s in OPEN_STATES if s != RequestState.WAITING]
    overdue = (
        ServiceRequest.objects.select_for_update()
        .select_related("request_type")
        .filter(state__in=running, deadline_at__lt=now)
        .exclude(level=HandlingLevel.DISTRICT)
        .order_by("deadline_at", "pk")
    )
    calendar = WorkCalendar()
    escalated = []
    for request in overdue:
        before_level, before_deadline = request.level, request.deadline_at
        next_level = _next_level(request.level)
        assert next_level is not None
        request.level = next_level
        request.deadline_at = add_working_days(now, request.request_type.deadline_days, calendar)
        request.handler = None
        request.escalations += 1
        request.save(update_fields=["level", "deadline_at", "handler", "escalations", "updated_at"])
        _event(
            request,
            actor=None,
            action=EventAction.ESCALATE,
            from_state=request.state,
            now=now,
            detail={
                "from_level": before_level,
                "to_level": next_level.value,
                "missed_deadline": before_deadline.isoformat(),
                "deadline_after": request.deadline_at.isoformat(),
            },
        )
        escalated.append(request)
    return escalated


@transaction.atomic
def requests_retime(*, years: list[int], before: WorkCalendar, now: dt.datetime | None = None) -> int:
    """After the official calendar of `years` has been loaded: move the deadline of every open request
    that falls in those years so that it keeps the working time it had left on the calendar it was
    computed with (`before`, where these years were provisional). The working time already used up is not
    recounted; a paused request keeps the time it had left when it was paused. Overdue deadlines of running
    requests stay.
    Each move is written to the request's event log. Returns how many requests moved."""
    now = now or timezone.now()
    after = WorkCalendar()
    moved = 0
    candidates = (
        ServiceRequest.objects.select_for_update()
        .filter(Q(deadline_at__gt=now) | Q(state=RequestState.WAITING, paused_at__isnull=False), state__in=OPEN_STATES)
        .order_by("deadline_at", "pk")
    )
    for request in candidates:
        if timezone.localtime(request.deadline_at).year not in years:
            continue
        since = request.paused_at if request.state == RequestState.WAITING and request.paused_at else now
        left = working_time_between(since, request.deadline_at, before)
        deadline = add_working_time(since, left, after)
        if deadline == request.deadline_at:
            continue
        old, request.deadline_at = request.deadline_at, deadline
        request.save(update_fields=["deadline_at", "updated_at"])
        _event(
            request,
            actor=None,
            action=EventAction.RETIME,
            from_state=request.state,
            now=now,
            detail={
                "years": years,
                "working_hours_left": round(left / dt.timedelta(hours=1), 2),
                "deadline_before": old.isoformat(),
                "deadline_after": deadline.isoformat(),
            },
        )
        moved += 1
    return moved
