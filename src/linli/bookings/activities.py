"""Publishing activities and changing their sessions: one session or a weekly series, seats, waiting list,
ages and registration window, each session inside the opening hours of its facility (`facilities.hours`).
Every check is done here, whole: a bad input names its field and nothing is written. `session_update`
takes the session's row lock, as the registrations do (see `linli.bookings.registrations`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.bookings.enums import RegistrationStatus
from linli.bookings.inputs import ActivityIn, SessionChangeIn, SessionMoveIn, SessionRulesIn, SessionTimesIn
from linli.bookings.models import Activity, Notification, Session
from linli.bookings.registrations import waitlist_promote
from linli.catalog.enums import Domain
from linli.catalog.models import ServiceItem
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError, RowErrors
from linli.core.parsing import choice
from linli.core.permissions import Perm, require
from linli.core.services import audit_record
from linli.facilities.hours import OpeningHours, hours_text
from linli.facilities.models import Facility

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

MAX_SESSIONS_PER_SERIES = 200
MAX_SERIES_DAYS = 366
MAX_GROUP_SIZE = 20


def _required(value: Any, field: str, errors: RowErrors) -> None:
    if value is None and not any(e["field"] == field for e in errors.errors):
        errors.add(0, field, _("required"))


def _weekdays(values: list[int] | None, errors: RowErrors) -> list[int]:
    days: set[int] = set()
    for day in values or []:
        if not 0 <= day <= 6:
            errors.add(0, "weekdays", _("weekdays are 0 (Monday) to 6 (Sunday)"), day)
        else:
            days.add(day)
    if not days and not any(e["field"] == "weekdays" for e in errors.errors):
        errors.add(0, "weekdays", _("choose at least one weekday"))
    return sorted(days)


def series_dates(
    *, start_date: dt.date, end_date: dt.date, weekdays: Iterable[int], excluded: Iterable[dt.date] = ()
) -> list[dt.date]:
    """Every date from `start_date` to `end_date` (inclusive) on one of `weekdays` (0 = Monday), except the
    excluded ones."""
    wanted, skip = set(weekdays), set(excluded)
    days = (end_date - start_date).days + 1
    return [
        day
        for day in (start_date + dt.timedelta(days=n) for n in range(max(0, days)))
        if day.weekday() in wanted and day not in skip
    ]


def _session_values(data: SessionRulesIn, errors: RowErrors) -> dict[str, Any]:
    """Seats, waiting list, ages and group size, shared by every session of the activity."""
    values: dict[str, Any] = {}
    capacity = data.capacity
    _required(capacity, "capacity", errors)
    if capacity is not None and capacity < 1:
        errors.add(0, "capacity", _("must be at least 1"), capacity)
    values["capacity"] = capacity
    values["waitlist_capacity"] = data.waitlist_capacity or 0
    group = 1 if data.max_group_size is None else data.max_group_size
    if not 1 <= group <= MAX_GROUP_SIZE:
        errors.add(0, "max_group_size", _("must be 1 to %(n)d") % {"n": MAX_GROUP_SIZE}, group)
    elif capacity and group > capacity:
        errors.add(0, "max_group_size", _("cannot be more than the capacity"), group)
    values["max_group_size"] = group
    for field in ("min_age", "max_age"):
        age = getattr(data, field)
        if age is not None and age > 120:
            errors.add(0, field, _("must be at most 120"), age)
        values[field] = age
    if values["min_age"] is not None and values["max_age"] is not None and values["max_age"] < values["min_age"]:
        errors.add(0, "max_age", _("must not be below the minimum age"), values["max_age"])
    values["opens_days_before"] = 14 if data.opens_days_before is None else data.opens_days_before
    values["closes_hours_before"] = 0 if data.closes_hours_before is None else data.closes_hours_before
    if values["opens_days_before"] * 24 <= values["closes_hours_before"]:
        errors.add(0, "closes_hours_before", _("registration would close before it opens"))
    return values


def _session_dates(data: ActivityIn, errors: RowErrors) -> tuple[list[dt.date], dict[str, Any]]:
    """The dates of the sessions: one date, or a weekly rule between two dates minus excluded dates."""
    today = timezone.localdate()
    repeat = (data.repeat or "").strip() or "none"
    if repeat == "none":
        day = data.date
        _required(day, "date", errors)
        if day is not None and day < today:
            errors.add(0, "date", _("must not be in the past"), day)
        return ([day] if day else []), {}
    if repeat != "weekly":
        errors.add(0, "repeat", _("must be none or weekly"), repeat)
        return [], {}
    start, end = data.start_date, data.end_date
    _required(start, "start_date", errors)
    _required(end, "end_date", errors)
    weekdays = _weekdays(data.weekdays, errors)
    excluded = list(data.excluded_dates or [])
    if start is None or end is None or errors:
        return [], {}
    if start < today:
        errors.add(0, "start_date", _("must not be in the past"), start)
        return [], {}
    if end < start:
        errors.add(0, "end_date", _("must not be before the start date"), end)
        return [], {}
    if (end - start).days > MAX_SERIES_DAYS:
        errors.add(0, "end_date", _("a series may span at most %(n)d days") % {"n": MAX_SERIES_DAYS}, end)
        return [], {}
    days = series_dates(start_date=start, end_date=end, weekdays=weekdays, excluded=excluded)
    if not days:
        errors.add(
            0, "weekdays", _("the rule yields no dates: no chosen weekday falls between the dates (after exclusions)")
        )
    elif len(days) > MAX_SESSIONS_PER_SERIES:
        errors.add(0, "end_date", _("at most %(n)d sessions per series") % {"n": MAX_SESSIONS_PER_SERIES})
    rule = {
        "repeat": "weekly",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "weekdays": weekdays,
        "excluded_dates": sorted(d.isoformat() for d in excluded),
    }
    return days, rule


# Opening hours: a session lies inside one opening span of its facility on its day.
MAX_DATES_LISTED = 20


def _day_text(hours: OpeningHours, facility: Facility, day: dt.date, spans: list[tuple[dt.time, dt.time]]) -> str:
    if not spans:
        reason = hours.closure_reason(facility.pk, day)
        return (
            _("%(day)s (closed: %(reason)s)") % {"day": day.isoformat(), "reason": reason}
            if reason
            else _("%(day)s (closed)") % {"day": day.isoformat()}
        )
    return _("%(day)s (open %(hours)s)") % {"day": day.isoformat(), "hours": hours_text(spans)}


def check_opening_hours(
    facility: Facility, times: list[tuple[dt.datetime, dt.datetime]], errors: RowErrors, *, series: bool
) -> list[str]:
    """Add a clear error to `errors` for every session of `times` outside the opening hours of `facility`
    (weekly hours, dated exceptions, official holidays when it closes on holidays); returns the offending
    dates. A facility without weekly hours on record is checked only against its known closures.

    One session: the date (closed that day) or the start time (outside the hours) is named with the
    hours of that day. A series: when only some dates are off, they are listed as dates to add to the
    excluded dates; when every date is off, the times are named."""
    if not times:
        return []
    # Read now, in bulk for the whole series, so that hours changed meanwhile are seen.
    days = [timezone.localdate(a) for a, _b in times]
    hours = OpeningHours.for_facilities([facility.pk], min(days), max(days))
    has_rules = hours.has_rules(facility.pk)
    bad: list[tuple[dt.date, list[tuple[dt.time, dt.time]]]] = []
    for start_at, end_at in times:
        day = timezone.localdate(start_at)
        if not has_rules and not hours.has_own_hours(facility.pk, day):
            continue
        if not hours.within(facility.pk, start_at, end_at):
            bad.append((day, hours.spans(facility.pk, day)))
    if not bad:
        return []
    first = timezone.localtime(times[0][0])
    span = f"{first:%H:%M}–{timezone.localtime(times[0][1]):%H:%M}"
    listed = "; ".join(_day_text(hours, facility, day, spans) for day, spans in bad[:MAX_DATES_LISTED])
    if len(bad) > MAX_DATES_LISTED:
        listed += _(" … and %(n)d more") % {"n": len(bad) - MAX_DATES_LISTED}
    dates = [day.isoformat() for day, _spans in bad]
    if not series:
        day, spans = bad[0]
        if not spans:
            reason = hours.closure_reason(facility.pk, day)
            message = (
                _("%(facility)s is closed on %(day)s (%(reason)s).")
                % {"facility": facility.name, "day": day.isoformat(), "reason": reason}
                if reason
                else _("%(facility)s is closed on %(day)s.") % {"facility": facility.name, "day": day.isoformat()}
            )
            errors.add(0, "date", message, day)
        else:
            errors.add(
                0,
                "start_time",
                _("%(span)s on %(day)s is outside the opening hours of %(facility)s: open %(hours)s that day.")
                % {"span": span, "day": day.isoformat(), "facility": facility.name, "hours": hours_text(spans)},
                span,
            )
    elif len(bad) == len(times):
        errors.add(
            0,
            "start_time",
            _("%(span)s is outside the opening hours of %(facility)s on every date of the series: %(dates)s.")
            % {"span": span, "facility": facility.name, "dates": listed},
            span,
        )
    else:
        errors.add(
            0,
            "excluded_dates",
            _(
                "%(facility)s is closed or not open %(span)s on %(n)d of the %(total)d dates: %(dates)s. "
                "Add these dates to the excluded dates, or change the times."
            )
            % {"facility": facility.name, "span": span, "n": len(bad), "total": len(times), "dates": listed},
            ", ".join(dates),
        )
    return dates


@transaction.atomic
def activity_create(*, actor: AnyUser, facility: Facility, data: ActivityIn) -> Activity:
    """Publish an activity at `facility` with its sessions: one (`repeat` = none, `date`) or a weekly series
    (`start_date`, `end_date`, `weekdays`, `excluded_dates`), each from `start_time` to `end_time`."""
    require(actor, Perm.FACILITY_CHANGE, facility.area_code)
    errors = RowErrors()
    title = data.title.strip()
    if not title:
        errors.add(0, "title", _("required"))
    elif len(title) > 100:
        errors.add(0, "title", _("at most %(n)d characters") % {"n": 100}, title)
    description = data.description.strip()
    if len(description) > 5000:
        errors.add(0, "description", _("at most %(n)d characters") % {"n": 5000})
    item = None
    item_code = (data.item or "").strip()
    if item_code:
        item = ServiceItem.objects.filter(code=item_code).first()
        if item is None:
            errors.add(0, "item", _("no such service item"), item_code)
    domain = choice(data.domain, Domain, 0, "domain", errors) or (item.domain if item else None)
    if domain is None and not any(e["field"] == "domain" for e in errors.errors):
        errors.add(0, "domain", _("required"))
    days, rule = _session_dates(data, errors)
    starts, ends = data.start_time, data.end_time
    _required(starts, "start_time", errors)
    _required(ends, "end_time", errors)
    if starts and ends and ends <= starts:
        errors.add(0, "end_time", _("must be after the start time"), ends)
    values = _session_values(data, errors)
    if item is not None:
        values["min_age"] = item.min_age if values["min_age"] is None else values["min_age"]
        values["max_age"] = item.max_age if values["max_age"] is None else values["max_age"]
    errors.raise_if_any("invalid", _("The activity was not published."))
    assert starts is not None and ends is not None and domain is not None
    now = timezone.now()
    times = []
    for day in days:
        start_at = timezone.make_aware(dt.datetime.combine(day, starts))
        end_at = timezone.make_aware(dt.datetime.combine(day, ends))
        if end_at > now:
            times.append((start_at, end_at))
    if not times:
        raise ApplicationError("invalid", _("The activity was not published."), {"errors": [
            {"row": 0, "field": "start_time", "message": _("every session would already be over")}
        ]})  # fmt: skip
    outside = check_opening_hours(facility, times, errors, series=bool(rule))
    errors.raise_if_any("outside_opening_hours", _("The activity was not published."), dates=outside)
    activity = Activity.objects.create(
        facility=facility,
        title=title,
        description=description,
        domain=domain,
        item=item,
        series_rule=rule,
        created_by=actor if actor.is_authenticated else None,
    )
    opens_before = dt.timedelta(days=values.pop("opens_days_before"))
    closes_before = dt.timedelta(hours=values.pop("closes_hours_before"))
    sessions = [
        Session(
            activity=activity,
            area_code=facility.area_code,
            starts_at=start_at,
            ends_at=end_at,
            opens_at=min(start_at - opens_before, now),
            closes_at=min(start_at - closes_before, end_at) if closes_before else start_at,
            **values,
        )
        for start_at, end_at in times
    ]
    Session.objects.bulk_create(sessions)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        on=activity,
        detail={"facility": facility.code, "sessions": len(sessions)},
    )
    return activity


@transaction.atomic
def session_update(*, actor: AnyUser, session: Session, data: SessionChangeIn) -> Session:
    """Change a session's capacities or registration window. Capacity may not drop below the persons
    already confirmed (nor the waiting list below those waiting); added seats go to the waiting list first."""
    require(actor, Perm.FACILITY_CHANGE, session.area_code)
    locked = Session.objects.select_for_update().get(pk=session.pk)
    errors = RowErrors()
    changed: dict[str, Any] = {}
    given = data.model_fields_set
    for field, current in (("capacity", locked.confirmed), ("waitlist_capacity", locked.waitlisted)):
        if field not in given:
            continue
        value = getattr(data, field)
        if value is None:
            errors.add(0, field, _("required"))
        elif field == "capacity" and value < 1:
            errors.add(0, field, _("must be at least 1"), value)
        elif value < current:
            errors.add(
                0,
                field,
                _("cannot be below the %(n)d persons already registered") % {"n": current}
                if field == "capacity"
                else _("cannot be below the %(n)d persons already waiting") % {"n": current},
                value,
            )
        else:
            changed[field] = value
    for field in ("opens_at", "closes_at"):
        if field in given:
            moment = getattr(data, field)
            if moment is None:
                errors.add(0, field, _("required"))
                continue
            changed[field] = moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    opens = changed.get("opens_at", locked.opens_at)
    closes = changed.get("closes_at", locked.closes_at)
    if not errors and closes <= opens:
        errors.add(0, "closes_at", _("must be after registration opens"))
    if not errors and closes > locked.ends_at:
        errors.add(0, "closes_at", _("must not be after the session ends"))
    errors.raise_if_any("invalid", _("The session was not changed."))
    for field, value in changed.items():
        setattr(locked, field, value)
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
        waitlist_promote(locked)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            on=locked,
            fields=sorted(changed),
            detail={k: str(v) for k, v in changed.items()},
        )
    return locked


# What a session added to an activity copies from its latest session.
SESSION_COPIED = ("capacity", "waitlist_capacity", "min_age", "max_age", "max_group_size")


def _new_times(data: SessionTimesIn, errors: RowErrors) -> tuple[dt.datetime, dt.datetime] | None:
    """`date`, `start_time` and `end_time` of a session to add or move: in the future, ending after it
    starts."""
    day, starts, ends = data.date, data.start_time, data.end_time
    _required(day, "date", errors)
    _required(starts, "start_time", errors)
    _required(ends, "end_time", errors)
    if day is None or starts is None or ends is None:
        return None
    if ends <= starts:
        errors.add(0, "end_time", _("must be after the start time"), ends)
        return None
    start_at = timezone.make_aware(dt.datetime.combine(day, starts))
    if start_at <= timezone.now():
        errors.add(0, "date", _("must not be in the past"), day)
        return None
    return start_at, timezone.make_aware(dt.datetime.combine(day, ends))


@transaction.atomic
def session_add(*, actor: AnyUser, activity: Activity, data: SessionTimesIn) -> Session:
    """Add a session to an activity on `date` from `start_time` to `end_time`, inside the facility's
    opening hours; seats, waiting list, ages and registration window as its latest session."""
    require(actor, Perm.FACILITY_CHANGE, activity.area_code)
    errors = RowErrors()
    times = _new_times(data, errors)
    if times is not None:
        check_opening_hours(activity.facility, [times], errors, series=False)
    errors.raise_if_any("invalid", _("The session was not added."))
    assert times is not None
    start_at, end_at = times
    model = activity.sessions.order_by("-starts_at", "-id").first()
    now = timezone.now()
    if model is not None:
        opens_before, closes_before = model.starts_at - model.opens_at, model.starts_at - model.closes_at
        values = {
            f: getattr(model, f) for f in ("capacity", "waitlist_capacity", "min_age", "max_age", "max_group_size")
        }
    else:
        opens_before, closes_before = dt.timedelta(days=14), dt.timedelta(0)
        values = {"capacity": 20, "waitlist_capacity": 0, "max_group_size": 1}
    opens_at = min(start_at - opens_before, now)
    closes_at = min(start_at - closes_before, end_at)
    if closes_at <= opens_at:
        closes_at = start_at
    session = Session.objects.create(
        activity=activity,
        starts_at=start_at,
        ends_at=end_at,
        opens_at=opens_at,
        closes_at=closes_at,
        **values,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        on=session,
        detail={"activity": activity.pk, "starts_at": start_at.isoformat(), "ends_at": end_at.isoformat()},
    )
    return session


@transaction.atomic
def session_move(*, actor: AnyUser, session: Session, data: SessionMoveIn) -> Session:
    """Move a session not yet begun to `date`, `start_time`-`end_time`, inside the facility's opening
    hours. Registrations stay; their residents are told. The registration window keeps its distance to
    the start (a window already open stays open)."""
    require(actor, Perm.FACILITY_CHANGE, session.area_code)
    locked = Session.objects.select_for_update().select_related("activity", "activity__facility").get(pk=session.pk)
    errors = RowErrors()
    now = timezone.now()
    if locked.starts_at <= now:
        errors.add(0, "date", _("the session has already begun"))
    times = _new_times(data, errors) if not errors else None
    if times is not None:
        check_opening_hours(locked.activity.facility, [times], errors, series=False)
    errors.raise_if_any("invalid", _("The session was not moved."))
    assert times is not None
    start_at, end_at = times
    before = (locked.starts_at, locked.ends_at)
    shift = start_at - locked.starts_at
    opens_at = locked.opens_at if locked.opens_at <= now else max(locked.opens_at + shift, now)
    closes_at = min(locked.closes_at + shift, end_at)
    if closes_at <= opens_at:
        closes_at = start_at if start_at > opens_at else end_at
    locked.starts_at, locked.ends_at, locked.opens_at, locked.closes_at = start_at, end_at, opens_at, closes_at
    locked.save(update_fields=["starts_at", "ends_at", "opens_at", "closes_at", "updated_at"])
    old_text = f"{timezone.localtime(before[0]):%Y-%m-%d %H:%M}"
    new_text = f"{timezone.localtime(start_at):%Y-%m-%d %H:%M}–{timezone.localtime(end_at):%H:%M}"
    residents = locked.registrations.filter(
        status__in=(RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
    ).values_list("resident_id", flat=True)
    Notification.objects.bulk_create(
        Notification(
            user_id=resident,
            text=_("%(title)s on %(old)s was moved to %(new)s.")
            % {"title": locked.activity.title, "old": old_text, "new": new_text},
        )
        for resident in residents
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        on=locked,
        fields=["starts_at", "ends_at"],
        detail={
            "starts_at": [before[0].isoformat(), start_at.isoformat()],
            "ends_at": [before[1].isoformat(), end_at.isoformat()],
        },
    )
    return locked


# Registrations ---------------------------------------------------------------------------------------
