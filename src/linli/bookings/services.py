"""Changes to activities and registrations. Every check is done here, whole: a bad input names its field
and nothing is written.

No overbooking: `registration_create`, `registration_cancel` and `session_update` first take a row lock on
the session (`SELECT … FOR UPDATE` on PostgreSQL; on SQLite the project's `BEGIN IMMEDIATE` transactions
serialise writers), then read and change the session's counters. The counters are guarded by check
constraints (`confirmed <= capacity`, `waitlisted <= waitlist_capacity`) and a resident's active
registrations by a conditional unique constraint, so even a faulty code path cannot overbook: the database
refuses the write and the caller gets the same refusal as from the checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.bookings import codes, selectors, statements
from linli.bookings.enums import RegistrationStatus
from linli.bookings.models import Activity, Notification, Registration, Session
from linli.bookings.venues import closed_holidays, closure_reason, hours_text, opening_spans, within_opening
from linli.catalog.enums import Domain
from linli.catalog.models import ServiceItem
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError, RowErrors
from linli.core.idnumbers import resident_id_birth_date, resident_id_problem
from linli.core.parsing import choice, count, date_value, text
from linli.core.permissions import Perm, can, require
from linli.core.rows import insert
from linli.core.services import audit_record
from linli.facilities.models import Facility

if TYPE_CHECKING:
    from linli.core.models import User
    from linli.core.permissions import AnyUser

MAX_SESSIONS_PER_SERIES = 200
MAX_SERIES_DAYS = 366
MAX_GROUP_SIZE = 20
# Staff may check people in from this long before a session starts until it ends.
CHECKIN_EARLY = dt.timedelta(hours=2)


# Ages ------------------------------------------------------------------------------------------------


def birth_date(id_number: str) -> dt.date | None:
    """The birth date in a valid 18-character resident ID number (check digit verified), or None."""
    return resident_id_birth_date(id_number)


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _check_age(resident: User, session: Session) -> None:
    if session.min_age is None and session.max_age is None:
        return
    born = birth_date(resident.id_number)
    problem = resident_id_problem(resident.id_number) if resident.id_number else None
    if problem is not None:
        raise ApplicationError(
            "id_number_invalid",
            _(
                "This activity has an age limit, and the resident ID number in your profile is not valid "
                "(%(why)s): ask the centre's staff to correct it so that your age can be checked."
            )
            % {"why": _(problem)},
            {"field": "id_number"},
        )
    if born is None:
        raise ApplicationError(
            "id_number_needed",
            _(
                "This activity has an age limit: add your 18-digit resident ID number to your profile "
                "(or ask the centre's staff) so that your age can be checked."
            ),
            {"field": "id_number"},
        )
    age = age_on(born, timezone.localdate(session.starts_at))
    if session.min_age is not None and age < session.min_age:
        raise ApplicationError(
            "too_young",
            _("This activity is for people aged %(min)d and over; you will be %(age)d.")
            % {"min": session.min_age, "age": age},
            {"field": "min_age", "age": age},
        )
    if session.max_age is not None and age > session.max_age:
        raise ApplicationError(
            "too_old",
            _("This activity is for people aged up to %(max)d; you will be %(age)d.")
            % {"max": session.max_age, "age": age},
            {"field": "max_age", "age": age},
        )


# Activities and sessions -----------------------------------------------------------------------------


def _time_value(value: Any, row: int, field: str, errors: RowErrors) -> dt.time | None:
    if isinstance(value, dt.time):
        return value
    if value is None or not str(value).strip():
        errors.add(row, field, _("required"))
        return None
    try:
        return dt.time.fromisoformat(str(value).strip())
    except ValueError:
        errors.add(row, field, _("not a time (HH:MM)"), value)
        return None


def _dates(values: Any, field: str, errors: RowErrors) -> list[dt.date]:
    if values is None or values == "":
        return []
    items = values if isinstance(values, list | tuple) else str(values).replace("，", ",").split(",")
    found = [date_value(item, 0, field, errors) for item in items if str(item).strip()]
    return [d for d in found if d is not None]


def _weekdays(values: Any, errors: RowErrors) -> list[int]:
    items = values if isinstance(values, list | tuple) else str(values or "").replace("，", ",").split(",")
    days: set[int] = set()
    for item in items:
        if str(item).strip() == "":
            continue
        try:
            day = int(item)
        except (TypeError, ValueError):
            day = -1
        if not 0 <= day <= 6:
            errors.add(0, "weekdays", _("weekdays are 0 (Monday) to 6 (Sunday)"), item)
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


def _session_values(data: Mapping[str, Any], errors: RowErrors) -> dict[str, Any]:
    """Seats, waiting list, ages and group size, shared by every session of the activity."""
    values: dict[str, Any] = {}
    capacity = count(data.get("capacity"), 0, "capacity", errors)
    if capacity is None and not any(e["field"] == "capacity" for e in errors.errors):
        errors.add(0, "capacity", _("required"))
    elif capacity is not None and capacity < 1:
        errors.add(0, "capacity", _("must be at least 1"), capacity)
    values["capacity"] = capacity
    values["waitlist_capacity"] = count(data.get("waitlist_capacity"), 0, "waitlist_capacity", errors) or 0
    group = count(data.get("max_group_size"), 0, "max_group_size", errors)
    group = 1 if group is None else group
    if not 1 <= group <= MAX_GROUP_SIZE:
        errors.add(0, "max_group_size", _("must be 1 to %(n)d") % {"n": MAX_GROUP_SIZE}, group)
    elif capacity and group > capacity:
        errors.add(0, "max_group_size", _("cannot be more than the capacity"), group)
    values["max_group_size"] = group
    for field in ("min_age", "max_age"):
        age = count(data.get(field), 0, field, errors)
        if age is not None and age > 120:
            errors.add(0, field, _("must be at most 120"), age)
        values[field] = age
    if values["min_age"] is not None and values["max_age"] is not None and values["max_age"] < values["min_age"]:
        errors.add(0, "max_age", _("must not be below the minimum age"), values["max_age"])
    opens_days = count(data.get("opens_days_before"), 0, "opens_days_before", errors)
    closes_hours = count(data.get("closes_hours_before"), 0, "closes_hours_before", errors)
    values["opens_days_before"] = 14 if opens_days is None else opens_days
    values["closes_hours_before"] = 0 if closes_hours is None else closes_hours
    if values["opens_days_before"] * 24 <= values["closes_hours_before"]:
        errors.add(0, "closes_hours_before", _("registration would close before it opens"))
    return values


def _session_dates(data: Mapping[str, Any], errors: RowErrors) -> tuple[list[dt.date], dict[str, Any]]:
    """The dates of the sessions: one date, or a weekly rule between two dates minus excluded dates."""
    today = timezone.localdate()
    repeat = text(data.get("repeat")) or "none"
    if repeat == "none":
        day = date_value(data.get("date"), 0, "date", errors)
        if day is None and not any(e["field"] == "date" for e in errors.errors):
            errors.add(0, "date", _("required"))
        elif day is not None and day < today:
            errors.add(0, "date", _("must not be in the past"), day)
        return ([day] if day else []), {}
    if repeat != "weekly":
        errors.add(0, "repeat", _("must be none or weekly"), repeat)
        return [], {}
    start = date_value(data.get("start_date"), 0, "start_date", errors)
    end = date_value(data.get("end_date"), 0, "end_date", errors)
    for field, value in (("start_date", start), ("end_date", end)):
        if value is None and not any(e["field"] == field for e in errors.errors):
            errors.add(0, field, _("required"))
    weekdays = _weekdays(data.get("weekdays"), errors)
    excluded = _dates(data.get("excluded_dates"), "excluded_dates", errors)
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


def _day_text(facility: Facility, day: dt.date, spans: list[tuple[dt.time, dt.time]], holidays: dict) -> str:
    if not spans:
        reason = closure_reason(facility, day, holidays)
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
    # A fresh copy with its hours, so that hours changed meanwhile are seen and the caller's is untouched.
    facility = Facility.objects.prefetch_related("opening_rules", "opening_exceptions").get(pk=facility.pk)
    holidays = closed_holidays(facility, [timezone.localdate(a) for a, _b in times])
    has_rules = any(True for _rule in facility.opening_rules.all())
    known = {e.date for e in facility.opening_exceptions.all()} | set(holidays)
    bad: list[tuple[dt.date, list[tuple[dt.time, dt.time]]]] = []
    for start_at, end_at in times:
        day = timezone.localdate(start_at)
        if not has_rules and day not in known:
            continue
        if not within_opening(facility, start_at, end_at, holidays):
            bad.append((day, opening_spans(facility, day, holidays)))
    if not bad:
        return []
    first = timezone.localtime(times[0][0])
    span = f"{first:%H:%M}–{timezone.localtime(times[0][1]):%H:%M}"
    listed = "; ".join(_day_text(facility, day, spans, holidays) for day, spans in bad[:MAX_DATES_LISTED])
    if len(bad) > MAX_DATES_LISTED:
        listed += _(" … and %(n)d more") % {"n": len(bad) - MAX_DATES_LISTED}
    dates = [day.isoformat() for day, _spans in bad]
    if not series:
        day, spans = bad[0]
        if not spans:
            reason = closure_reason(facility, day, holidays)
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
def activity_create(*, actor: AnyUser, facility: Facility, data: Mapping[str, Any]) -> Activity:
    """Publish an activity at `facility` with its sessions: one (`repeat` = none, `date`) or a weekly series
    (`start_date`, `end_date`, `weekdays`, `excluded_dates`), each from `start_time` to `end_time`."""
    require(actor, Perm.FACILITY_CHANGE, facility.area_code)
    errors = RowErrors()
    title = text(data.get("title"))
    if not title:
        errors.add(0, "title", _("required"))
    elif len(title) > 100:
        errors.add(0, "title", _("at most %(n)d characters") % {"n": 100}, title)
    description = text(data.get("description"))
    if len(description) > 5000:
        errors.add(0, "description", _("at most %(n)d characters") % {"n": 5000})
    item = None
    item_code = text(data.get("item"))
    if item_code:
        item = ServiceItem.objects.filter(code=item_code).first()
        if item is None:
            errors.add(0, "item", _("no such service item"), item_code)
    domain = choice(data.get("domain"), Domain, 0, "domain", errors) or (item.domain if item else None)
    if domain is None and not any(e["field"] == "domain" for e in errors.errors):
        errors.add(0, "domain", _("required"))
    days, rule = _session_dates(data, errors)
    starts = _time_value(data.get("start_time"), 0, "start_time", errors)
    ends = _time_value(data.get("end_time"), 0, "end_time", errors)
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
        area_code=facility.area_code,
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
        object_type="bookings.activity",
        object_id=str(activity.pk),
        detail={"facility": facility.code, "sessions": len(sessions)},
    )
    return activity


@transaction.atomic
def session_update(*, actor: AnyUser, session: Session, data: Mapping[str, Any]) -> Session:
    """Change a session's capacities or registration window. Capacity may not drop below the persons
    already confirmed (nor the waiting list below those waiting); added seats go to the waiting list first."""
    require(actor, Perm.FACILITY_CHANGE, session.area_code)
    locked = Session.objects.select_for_update().get(pk=session.pk)
    errors = RowErrors()
    changed: dict[str, Any] = {}
    for field, current in (("capacity", locked.confirmed), ("waitlist_capacity", locked.waitlisted)):
        if field not in data:
            continue
        value = count(data.get(field), 0, field, errors)
        if value is None:
            if not any(e["field"] == field for e in errors.errors):
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
        if field in data:
            raw = data.get(field)
            try:
                moment = raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(str(raw))
            except ValueError:
                errors.add(0, field, _("not a date and time (YYYY-MM-DDTHH:MM)"), raw)
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
        _promote(locked)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="bookings.session",
            object_id=str(locked.pk),
            fields=sorted(changed),
            detail={k: str(v) for k, v in changed.items()},
        )
    return locked


# What a session added to an activity copies from its latest session.
SESSION_COPIED = ("capacity", "waitlist_capacity", "min_age", "max_age", "max_group_size")


def _new_times(data: Mapping[str, Any], errors: RowErrors) -> tuple[dt.datetime, dt.datetime] | None:
    """`date`, `start_time` and `end_time` of a session to add or move: in the future, ending after it
    starts."""
    day = date_value(data.get("date"), 0, "date", errors)
    if day is None and not any(e["field"] == "date" for e in errors.errors):
        errors.add(0, "date", _("required"))
    starts = _time_value(data.get("start_time"), 0, "start_time", errors)
    ends = _time_value(data.get("end_time"), 0, "end_time", errors)
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
def session_add(*, actor: AnyUser, activity: Activity, data: Mapping[str, Any]) -> Session:
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
        area_code=activity.area_code,
        starts_at=start_at,
        ends_at=end_at,
        opens_at=opens_at,
        closes_at=closes_at,
        **values,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="bookings.session",
        object_id=str(session.pk),
        detail={"activity": activity.pk, "starts_at": start_at.isoformat(), "ends_at": end_at.isoformat()},
    )
    return session


@transaction.atomic
def session_move(*, actor: AnyUser, session: Session, data: Mapping[str, Any]) -> Session:
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
        object_type="bookings.session",
        object_id=str(locked.pk),
        fields=["starts_at", "ends_at"],
        detail={
            "starts_at": [before[0].isoformat(), start_at.isoformat()],
            "ends_at": [before[1].isoformat(), end_at.isoformat()],
        },
    )
    return locked


# Registrations ---------------------------------------------------------------------------------------


def _new_code(session: Session) -> str:
    """A fresh check-in nonce whose short code is not yet taken in `session` (locked): a taken one (about
    one in 10,000 with 100 registered) draws again."""
    while True:
        nonce = codes.new_nonce()
        if not statements.short_code_taken(session.pk, codes.short_hash(session.pk, codes.short_code(nonce))):
            return nonce


def _issue_code(registration: Registration, session: Session, nonce: str | None = None) -> None:
    """Give a newly confirmed registration its check-in codes (short code unique in the session)."""
    if nonce is None:
        nonce = _new_code(session)
    registration.code_nonce = nonce
    registration.code_hash = codes.full_hash(codes.full_code(nonce))
    registration.short_code_hash = codes.short_hash(session.pk, codes.short_code(nonce))


def _lock_session(session_id: int) -> Session:
    """The session, its row locked until the transaction ends (on SQLite the transaction's write lock does
    that). Its activity and facility come along, so answers built from it need no further query."""
    session = statements.session_locked(session_id)
    if session is None:
        raise ApplicationError("not_found", _("No such session."), {"field": "session"}, status=404)
    return session


def _add(session: Session, *, confirmed: int = 0, waitlisted: int = 0) -> None:
    """Change the counters in the database (where the check constraints guard them) and on `session`."""
    statements.counters_add(session.pk, confirmed=confirmed, waitlisted=waitlisted)
    session.confirmed += confirmed
    session.waitlisted += waitlisted


def _refusal_for(exc: IntegrityError) -> ApplicationError:
    message = str(exc)
    if "registration_one_active_per_resident" in message or "resident_id" in message:
        return ApplicationError(
            "already_registered", _("You are already registered for this session."), {"field": "session"}, status=409
        )
    return ApplicationError("full", _("This session and its waiting list are full."), {"field": "persons"}, status=409)


def registration_create(*, actor: AnyUser, session_id: int, persons: int = 1) -> Registration:
    """Register `actor` (and persons - 1 companions) for a session: confirmed while seats are left and
    nobody is waiting, otherwise on the waiting list while it has room, otherwise refused. The returned
    registration carries its session (with counters after the change), activity and facility."""
    if not actor.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)
    for attempt in range(2):
        try:
            with transaction.atomic():  # one transaction; a savepoint only when the caller already has one
                return _registration_create(actor, session_id, persons)
        except IntegrityError as exc:  # the database's guarantee, should the checks ever miss
            # A short code drawn while another registration took it (PostgreSQL, see `session_locked_for`):
            # draw again once. Anything else is refused with the reason the constraint names.
            if "registration_short_code_unique" in str(exc) and attempt == 0:
                continue
            raise _refusal_for(exc) from exc
    raise AssertionError("unreachable")  # pragma: no cover


def _registration_create(resident: User, session_id: int, persons: int) -> Registration:
    nonce = codes.new_nonce()
    locked = statements.session_locked_for(
        session_id, resident_id=resident.pk, short_hash=codes.short_hash(session_id, codes.short_code(nonce))
    )
    if locked is None:
        raise ApplicationError("not_found", _("No such session."), {"field": "session"}, status=404)
    session, already, short_taken = locked
    if short_taken:
        nonce = _new_code(session)
    now = timezone.now()
    if now < session.opens_at:
        raise ApplicationError(
            "not_open",
            _("Registration opens at %(at)s.") % {"at": f"{timezone.localtime(session.opens_at):%Y-%m-%d %H:%M}"},
            {"field": "opens_at"},
        )
    if now >= session.closes_at:
        raise ApplicationError("closed", _("Registration for this session has closed."), {"field": "closes_at"})
    if not 1 <= persons <= session.max_group_size:
        raise ApplicationError(
            "invalid",
            _("One registration is for 1 to %(n)d persons.") % {"n": session.max_group_size},
            {"field": "persons", "value": persons},
        )
    if already:
        raise ApplicationError(
            "already_registered", _("You are already registered for this session."), {"field": "session"}, status=409
        )
    _check_age(resident, session)
    registration = Registration(session=session, resident=resident, area_code=session.area_code, persons=persons)
    if session.waitlisted == 0 and session.confirmed + persons <= session.capacity:
        registration.status = RegistrationStatus.CONFIRMED
        _issue_code(registration, session, nonce)
        insert(registration, connection)
        _add(session, confirmed=persons)
    elif session.waitlisted + persons <= session.waitlist_capacity:
        registration.status = RegistrationStatus.WAITLISTED  # its code comes with a promotion
        insert(registration, connection)
        _add(session, waitlisted=persons)
    else:
        raise ApplicationError(
            "full", _("This session and its waiting list are full."), {"field": "persons"}, status=409
        )
    return registration


def _promote(session: Session) -> list[Registration]:
    """Move the head of the waiting list to confirmed while it fits (strictly in arrival order: a group
    that does not fit yet is not overtaken), telling each resident. The session must be locked."""
    promoted: list[Registration] = []
    if session.waitlisted == 0:  # the counter is exact under the lock: nobody to look for
        return promoted
    for registration in session.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by("id"):
        if session.confirmed + registration.persons > session.capacity:
            break
        registration.status = RegistrationStatus.CONFIRMED
        registration.promoted_at = timezone.now()
        _issue_code(registration, session)
        registration.save()
        _add(session, confirmed=registration.persons, waitlisted=-registration.persons)
        Notification.objects.create(
            user_id=registration.resident_id,
            text=_("A seat became free: you are now registered for %(title)s on %(at)s.")
            % {
                "title": session.activity.title,
                "at": f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}",
            },
        )
        promoted.append(registration)
    return promoted


@transaction.atomic
def registration_cancel(*, actor: AnyUser, registration_id: int) -> Registration:
    """Cancel a registration (the resident, or staff of the session's area) before the session starts;
    a freed seat goes to the first on the waiting list. Returns the registration as it is now, with its
    locked session (counters after the change), activity and facility. Someone who may not see the
    registration gets 404, staff who may see but not change it 403."""
    if not actor.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)
    # Session and registration locked in one statement; its status is current (not a page's stale copy).
    registration = statements.registration_locked(registration_id)
    is_owner = registration is not None and registration.resident_id == actor.pk
    if registration is None or not (
        is_owner or selectors.registration_in_scope(viewer=actor, registration_id=registration_id)
    ):
        raise ApplicationError("not_found", _("No such registration."), {"id": registration_id}, status=404)
    if not is_owner:
        require(actor, Perm.FACILITY_CHANGE, registration.area_code)
    session, status = registration.session, registration.status
    if status not in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED):
        raise ApplicationError(
            "not_cancellable",
            _("This registration cannot be cancelled: it is %(status)s.")
            % {"status": RegistrationStatus(status).label},
            {"field": "status"},
            status=409,
        )
    if timezone.now() >= session.starts_at:
        raise ApplicationError("started", _("The session has already started."), {"field": "session"}, status=409)
    now = timezone.now()
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = registration.updated_at = now
    statements.registration_cancelled(registration)
    if status == RegistrationStatus.CONFIRMED:
        _add(session, confirmed=-registration.persons)
    else:
        _add(session, waitlisted=-registration.persons)
    _promote(session)
    if not is_owner:
        audit_record(
            actor=actor, action=AuditAction.UPDATE, object_type="bookings.registration", object_id=str(registration.pk)
        )
    return registration


# Check-in --------------------------------------------------------------------------------------------


def _invalid_code() -> ApplicationError:
    return ApplicationError("invalid_code", _("This code is not valid."), {"field": "code"})


@transaction.atomic
def checkin_record(
    *, actor: AnyUser, code: str, facility: Facility | None = None, session: Session | None = None
) -> Registration:
    """Record attendance from a check-in code: the full code, or the 6-digit code of a session of today
    (at `facility`, or `session`, when given). A forged, unknown or reused code is refused."""
    require(actor, Perm.FACILITY_CHANGE, facility.area_code if facility is not None else None)
    return _checkin(
        code,
        facility=facility,
        session=session,
        allowed=lambda area_code: can(actor, Perm.FACILITY_CHANGE, area_code),
        by=actor,  # type: ignore[arg-type]
    )


def _checkin(
    code: str,
    *,
    facility: Facility | None,
    session: Session | None,
    allowed: Callable[[str], bool],
    by: User | None,
) -> Registration:
    """The check-in itself, for a staff member (`allowed`: their scope) or a kiosk device of `facility`."""
    now = timezone.now()
    value = codes.normalise(code)
    if not value:
        raise ApplicationError("invalid", _("Enter the check-in code."), {"field": "code"})
    found = Registration.objects.select_related("session", "session__activity")
    if codes.is_short(value):
        if session is not None:
            sessions = [session.pk]
        else:
            today = timezone.localdate()
            start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
            candidates = Session.objects.filter(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1))
            if facility is not None:
                candidates = candidates.filter(activity__facility=facility)
            sessions = [s.pk for s in candidates if allowed(s.area_code)]
        hashes = [codes.short_hash(pk, value) for pk in sessions]
        matches = list(found.filter(short_code_hash__in=hashes)) if hashes else []
        if len(matches) > 1:
            raise ApplicationError(
                "ambiguous_code",
                _("This short code matches several sessions today: choose the session, or enter the full code."),
                {"field": "session"},
            )
        registration = matches[0] if matches else None
    else:
        registration = found.filter(code_hash=codes.full_hash(value)).first()
    if registration is None or not allowed(registration.area_code):
        raise _invalid_code()
    if facility is not None and registration.session.activity.facility_id != facility.pk:
        raise ApplicationError(
            "other_facility", _("This code is for an activity at another facility."), {"field": "code"}
        )
    # Lock the session, then the registration: the order every booking transaction takes them in.
    registration = (
        Registration.objects.select_for_update(of=("session", "self"))
        .select_related("session", "session__activity")
        .get(pk=registration.pk)
    )
    if registration.status == RegistrationStatus.ATTENDED:
        raise ApplicationError(
            "code_used",
            _("This code was already used at %(at)s.")
            % {"at": f"{timezone.localtime(registration.checked_in_at or now):%Y-%m-%d %H:%M}"},
            {"field": "code"},
            status=409,
        )
    if registration.status not in (RegistrationStatus.CONFIRMED, RegistrationStatus.NO_SHOW):
        raise _invalid_code()
    if now < registration.session.starts_at - CHECKIN_EARLY:
        raise ApplicationError(
            "too_early", _("Check-in opens two hours before the session starts."), {"field": "code"}, status=409
        )
    if now > registration.session.ends_at:
        raise ApplicationError("session_over", _("This session is over."), {"field": "code"}, status=409)
    registration.status = RegistrationStatus.ATTENDED
    registration.checked_in_at = now
    registration.checked_in_by = by
    registration.save(update_fields=["status", "checked_in_at", "checked_in_by", "updated_at"])
    return registration


@transaction.atomic
def kiosk_checkin_record(*, facility: Facility, code: str) -> Registration:
    """Check-in from a kiosk device of `facility` (see `linli.bookings.kiosk`): codes of that facility's
    sessions only; no staff member is recorded as having checked the resident in."""
    return _checkin(code, facility=facility, session=None, allowed=lambda _area_code: True, by=None)


@transaction.atomic
def no_shows_mark(*, now: dt.datetime | None = None) -> int:
    """Confirmed registrations of sessions that have ended without a check-in become no-shows; returns how
    many. Their seats stay counted: they were taken."""
    moment = now or timezone.now()
    return Registration.objects.filter(status=RegistrationStatus.CONFIRMED, session__ends_at__lt=moment).update(
        status=RegistrationStatus.NO_SHOW, updated_at=moment
    )


@transaction.atomic
def notifications_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read=False).update(read=True)
