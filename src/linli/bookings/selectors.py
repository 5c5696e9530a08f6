"""Reads of activities and registrations, always through the scope filter: residents see their own
registrations (404 otherwise), staff those of their scope, everyone the upcoming public sessions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.bookings import statements
from linli.bookings.enums import RegistrationStatus
from linli.bookings.models import Notification, Registration, Session
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, has_perm, require
from linli.core.services import audit_record
from linli.facilities.enums import ConstructionStatus

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

# "Near me": sessions in the resident's sub-district or town (the first 9 digits of the home area code).
NEAR_PREFIX = 9


def sessions_upcoming(
    *, area: str | None = None, domain: str | None = None, facility: str | None = None
) -> QuerySet[Session]:
    """Public sessions not yet over, at built facilities, soonest first; `area` is an area-code prefix."""
    qs = Session.objects.filter(
        ends_at__gt=timezone.now(), activity__facility__status=ConstructionStatus.BUILT
    ).select_related("activity", "activity__facility", "activity__item")
    if area:
        qs = qs.filter(area_code__startswith=area)
    if domain:
        qs = qs.filter(activity__domain=domain)
    if facility:
        qs = qs.filter(activity__facility__code=facility)
    return qs.order_by("starts_at", "id")


def near_prefix(viewer: AnyUser) -> str:
    """The area-code prefix of "near me" for a resident; "" (everywhere) for anyone else."""
    home = getattr(viewer, "home_area_code", "") or ""
    return home[:NEAR_PREFIX] if len(home) == 12 else ""


def session_get_public(*, session_id: int) -> Session:
    session = (
        Session.objects.filter(pk=session_id, activity__facility__status=ConstructionStatus.BUILT)
        .select_related("activity", "activity__facility", "activity__item")
        .first()
    )
    if session is None:
        raise ApplicationError("not_found", _("No such session."), {"field": "session"}, status=404)
    return session


def sessions_managed(*, viewer: AnyUser, when: str | None = None) -> QuerySet[Session]:
    """Sessions in the staff member's scope, past ones included; `when="upcoming"`: from the start of
    today, soonest first; `when="past"`: before today, latest first."""
    require(viewer, Perm.AREA_VIEW)
    sessions = Session.objects.visible_to(viewer).select_related("activity", "activity__facility")
    today = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    if when == "upcoming":
        return sessions.filter(starts_at__gte=today).order_by("starts_at", "id")
    if when == "past":
        sessions = sessions.filter(starts_at__lt=today)
    return sessions.order_by("-starts_at", "-id")


def session_get_managed(*, viewer: AnyUser, session_id: int) -> Session:
    session = sessions_managed(viewer=viewer).filter(pk=session_id).first()
    if session is None:
        raise ApplicationError("not_found", _("No such session."), {"field": "session"}, status=404)
    return session


def _registrations(viewer: AnyUser, session: Session) -> QuerySet[Registration]:
    # Who registered is personal data: roles that read people (PEOPLE_VIEW) only; evaluators, who need
    # the numbers and not the names, do not (PIPL: minimum necessary).
    require(viewer, Perm.PEOPLE_VIEW, session.area_code)
    return session.registrations.visible_to(viewer).select_related("resident").order_by("id")


def roster(*, viewer: AnyUser, session: Session, request: HttpRequest | None = None) -> QuerySet[Registration]:
    """Every registration of a session in the viewer's scope, in arrival order, with the residents' names.
    A read by a role that does not serve residents (an auditor) is written to the audit log."""
    registrations = _registrations(viewer, session)
    if not has_perm(viewer, Perm.PERSONAL_DATA_VIEW):
        audit_record(
            actor=viewer,
            action=AuditAction.READ,
            on=session,
            fields=["roster"],
            request=request,
        )
    return registrations


def waiting_list(*, viewer: AnyUser, session: Session) -> list[Registration]:
    return list(_registrations(viewer, session).filter(status=RegistrationStatus.WAITLISTED))


def no_shows(*, viewer: AnyUser, session: Session) -> QuerySet[Registration]:
    """Seated registrations without a check-in once the session is over (marked or not yet marked)."""
    qs = _registrations(viewer, session)
    if session.ends_at > timezone.now():
        return qs.none()
    return qs.filter(status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.NO_SHOW])


def registrations_of(*, viewer: AnyUser) -> QuerySet[Registration]:
    """The viewer's own registrations, the next session first."""
    if not viewer.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)
    return (
        Registration.objects.filter(resident_id=viewer.pk)
        .select_related("session", "session__activity", "session__activity__facility")
        .order_by("session__starts_at", "id")
    )


def registration_get(*, viewer: AnyUser, registration_id: int) -> Registration:
    """A registration the viewer may see: their own, or one in their scope (staff); 404 otherwise."""
    if not viewer.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)
    # One statement for the resident's own (every cancel goes through here); staff's scope asked after.
    registration = statements.registration_with_session(registration_id)
    if registration is None or (
        registration.resident_id != viewer.pk
        and not registration_in_scope(viewer=viewer, registration_id=registration_id)
    ):
        raise ApplicationError("not_found", _("No such registration."), {"id": registration_id}, status=404)
    return registration


def registration_in_scope(*, viewer: AnyUser, registration_id: int) -> bool:
    """Whether staff `viewer` may see the registration (its area is in their scope)."""
    return Registration.objects.visible_to(viewer).filter(pk=registration_id).exists()


def waiting_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        session_id=registration.session_id, status=RegistrationStatus.WAITLISTED, id__lt=registration.pk
    ).count()
    return ahead + 1


def notifications_of(*, viewer: AnyUser) -> QuerySet[Notification]:
    if not viewer.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user_id=viewer.pk)


# Workbench (工作台) -----------------------------------------------------------------------------------


def registrations_upcoming(*, viewer: AnyUser, now: dt.datetime | None = None) -> QuerySet[Registration]:
    """The viewer's own registrations of sessions not yet over that still hold a seat or a place on the
    waiting list, the next session first."""
    now = now or timezone.now()
    return registrations_of(viewer=viewer).filter(
        session__ends_at__gt=now, status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]
    )


def sessions_starting(*, viewer: AnyUser, start: dt.datetime, end: dt.datetime) -> QuerySet[Session]:
    """Sessions of the staff member's scope starting in [start, end), soonest first, each with `attended`
    (persons checked in) and `expected` (confirmed persons not yet checked in)."""
    require(viewer, Perm.AREA_VIEW)
    seated = Q(registrations__status=RegistrationStatus.CONFIRMED)
    return (
        Session.objects.visible_to(viewer)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("activity", "activity__facility")
        .annotate(
            attended=Coalesce(
                Sum("registrations__persons", filter=Q(registrations__status=RegistrationStatus.ATTENDED)), 0
            ),
            expected=Coalesce(Sum("registrations__persons", filter=seated), 0),
        )
        .order_by("starts_at", "id")
    )
