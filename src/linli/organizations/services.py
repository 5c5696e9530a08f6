"""Every change of state of the organisations app: filing and its workflow, the roster, shifts and
attendance, confirmed hours (which emit "organizations.hours_confirmed"), staff sent down to serve, star
ratings and incubation. Keyword-only, typed, atomic; each refuses with `ApplicationError` naming the field.

Who may act: the organisation's leader or a deputy (for its roster, shifts and hours) and the community
staff who review organisations in their scope (Perm.ORGANIZATION_REVIEW). An organisation outside a staff
member's scope answers 404; an action the role may not take 403."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.areas.enums import AreaLevel
from linli.areas.models import Area
from linli.core.enums import AuditAction, Role
from linli.core.errors import ApplicationError, RowErrors
from linli.core.events import emit
from linli.core.masking import mask_name, mask_phone
from linli.core.models import User
from linli.core.permissions import Perm, has_perm, in_scope, require, scope_prefix, sees_personal_data
from linli.core.services import audit_record
from linli.facilities.models import Facility
from linli.organizations import rubric
from linli.organizations.enums import (
    Grade,
    GuideRole,
    IncubationState,
    MemberRole,
    MemberState,
    OrgKind,
    OrgState,
    OrgTrack,
    SentDownService,
    ShiftKind,
)
from linli.organizations.inputs import HoursIn, OrganizationIn, RatingIn, SentDownIn, ShiftIn
from linli.organizations.models import (
    Attendance,
    HoursRecord,
    Incubation,
    Membership,
    Organization,
    OrgTransition,
    Rating,
    Shift,
)
from linli.organizations.selectors import PUBLIC_STATES, rating_figures

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

REVIEW = Perm.ORGANIZATION_REVIEW
# Who may lead or join: people, not staff accounts.
PEOPLE_ROLES = {Role.RESIDENT, Role.ORG_LEADER}
MAX_SHIFT_HOURS = 24


def _not_found() -> ApplicationError:
    return ApplicationError("not_found", _("No such organisation here."), status=404)


def _forbidden() -> ApplicationError:
    return ApplicationError("forbidden", _("You may not do this here."), status=403)


def _authenticated(actor: AnyUser) -> None:
    if not actor.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)


def _user(actor: AnyUser) -> User:
    """The signed-in actor as a `User` (services are reached only after authentication)."""
    assert isinstance(actor, User)
    return actor


def is_reviewer(actor: AnyUser, org: Organization) -> bool:
    return has_perm(actor, REVIEW) and in_scope(actor, org.area_code)


def is_leader(actor: AnyUser, org: Organization) -> bool:
    """The organisation's leader or one of its deputies."""
    if not actor.is_authenticated:
        return False
    if org.leader_id == actor.pk:
        return True
    return Membership.objects.filter(
        organization=org, person_id=actor.pk, state=MemberState.ACTIVE, role__in=[MemberRole.LEADER, MemberRole.DEPUTY]
    ).exists()


def _org_locked(actor: AnyUser, org_id: int) -> Organization:
    """The organisation `actor` may see, locked for the change (404 otherwise)."""
    _authenticated(actor)
    org = Organization.objects.select_for_update().filter(pk=org_id).first()
    if org is None or not may_see(actor, org):
        raise _not_found()
    return org


def may_see(viewer: AnyUser, org: Organization) -> bool:
    """`selectors.organizations_visible` for one organisation: staff their scope; others the filed ones and
    those they lead or are on the roster of."""
    if scope_prefix(viewer) is not None:
        return in_scope(viewer, org.area_code)
    if org.state in PUBLIC_STATES or org.leader_id == viewer.pk:
        return True
    return Membership.objects.filter(organization=org, person_id=viewer.pk).exists()


def _org_for_review(actor: AnyUser, org_id: int) -> Organization:
    _authenticated(actor)
    if not has_perm(actor, REVIEW):
        raise _forbidden()
    org = Organization.objects.visible_to(actor).select_for_update().filter(pk=org_id).first()
    if org is None:
        raise _not_found()
    return org


def _org_for_leader(actor: AnyUser, org_id: int) -> Organization:
    """The organisation, for its leader, deputies or the reviewing staff."""
    org = _org_locked(actor, org_id)
    if not (is_leader(actor, org) or is_reviewer(actor, org)):
        raise _forbidden()
    return org


def _transition(org: Organization, *, actor: AnyUser, to: str, note: str = "") -> None:
    before = org.state
    org.state = to
    org.save()
    OrgTransition.objects.create(organization=org, from_state=before, to_state=to, actor=_user(actor), note=note)
    audit_record(actor=actor, action=AuditAction.UPDATE, on=org, fields=["state"],
                 detail={"from": before, "to": to, "note": note})  # fmt: skip


def _not_allowed(org: Organization) -> ApplicationError:
    return ApplicationError(
        "conflict",
        _("Not possible while the organisation is %(state)s.") % {"state": OrgState(org.state).label},
        {"field": "state"},
        status=409,
    )


# Filing (登记备案) -------------------------------------------------------------------------------------


def _community(code: str, errors: RowErrors) -> Area | None:
    if not code:
        errors.add(0, "community", _("required"))
        return None
    area = Area.objects.filter(code=code, level=AreaLevel.VILLAGE).first()
    if area is None:
        errors.add(0, "community", _("not a community or village"), code)
    return area


def _check_org(data: OrganizationIn, errors: RowErrors) -> dict[str, Any]:
    values: dict[str, Any] = {}
    name = data.name.strip()
    if not name:
        errors.add(0, "name", _("required"))
    elif len(name) > 100:
        errors.add(0, "name", _("at most 100 characters"))
    values["name"] = name
    if data.kind not in OrgKind.values:
        errors.add(0, "kind", _("required") if not data.kind else _("not a valid value"), data.kind or None)
    values["kind"] = data.kind
    track = data.track or OrgTrack.FILED
    if track not in OrgTrack.values:
        errors.add(0, "track", _("not a valid value"), track)
    values["track"] = track
    grade = data.grade or ""
    if grade and grade not in Grade.values:
        errors.add(0, "grade", _("not a valid value"), grade)
    elif grade and track != OrgTrack.REGISTERED:
        errors.add(0, "grade", _("only a registered social organisation has a grade"), grade)
    values["grade"] = grade
    guide_role = data.guide_role or ""
    if guide_role and guide_role not in GuideRole.values:
        errors.add(0, "guide_role", _("not a valid value"), guide_role)
    values["guide_role"] = guide_role
    phone = data.guide_phone.strip()
    if phone and not (phone.isdigit() and 7 <= len(phone) <= 20):
        errors.add(0, "guide_phone", _("not a phone number"))
    values.update(
        guide_name=data.guide_name.strip()[:32],
        guide_phone=phone,
        purpose=data.purpose.strip(),
        documents=data.documents.strip(),
        members_declared=data.members_declared or 0,
    )
    return values


def _leader_for(actor: User, data: OrganizationIn, errors: RowErrors) -> User | None:
    if actor.role in PEOPLE_ROLES and not has_perm(actor, REVIEW):
        return actor
    if not data.leader:
        errors.add(0, "leader", _("required"))
        return None
    leader = User.objects.filter(username=data.leader, is_active=True).first()
    if leader is None or leader.role not in PEOPLE_ROLES:
        errors.add(0, "leader", _("no resident or organisation leader with this user name"), data.leader)
        return None
    return leader


@transaction.atomic
def organization_file(*, actor: AnyUser, data: OrganizationIn) -> Organization:
    """File an organisation as a draft. A resident or organisation leader files their own (they lead it);
    reviewing staff file for a leader of a community in their scope."""
    _authenticated(actor)
    assert isinstance(actor, User)
    if actor.role not in PEOPLE_ROLES and not has_perm(actor, REVIEW):
        raise _forbidden()
    errors = RowErrors()
    values = _check_org(data, errors)
    area = _community(data.community, errors)
    leader = _leader_for(actor, data, errors)
    if area is not None and has_perm(actor, REVIEW) and not in_scope(actor, area.code):
        raise ApplicationError(
            "forbidden", _("This community is outside your area."), {"field": "community"}, status=403
        )
    errors.raise_if_any("invalid", _("The organisation was not filed."))
    assert area is not None and leader is not None
    org = Organization.objects.create(area_code=area.code, leader=leader, **values)
    Membership.objects.create(
        organization=org, person=leader, role=MemberRole.LEADER, state=MemberState.ACTIVE,
        decided_at=timezone.now(), decided_by=actor,
    )  # fmt: skip
    OrgTransition.objects.create(organization=org, from_state="", to_state=OrgState.DRAFT, actor=actor)
    audit_record(actor=actor, action=AuditAction.CREATE, on=org, detail={"name": org.name})
    return org


EDITABLE = (OrgState.DRAFT, OrgState.RETURNED)


def organization_changes(org: Organization, data: OrganizationIn) -> list[dict[str, str]]:
    """What an update would change: field, before, after (shown before saving)."""
    errors = RowErrors()
    values = _check_org(data, errors)
    values["area_code"] = data.community or org.area_code
    changes = []
    for field, after in values.items():
        before = getattr(org, field)
        if str(before) != str(after):
            changes.append({"field": field, "before": str(before), "after": str(after)})
    return changes


@transaction.atomic
def organization_update(*, actor: AnyUser, org_id: int, data: OrganizationIn) -> Organization:
    """Change a draft or a returned filing (the leader or the reviewing staff)."""
    org = _org_for_leader(actor, org_id)
    if org.state not in EDITABLE:
        raise _not_allowed(org)
    errors = RowErrors()
    values = _check_org(data, errors)
    area = _community(data.community or org.area_code, errors)
    if area is not None and has_perm(actor, REVIEW) and not in_scope(actor, area.code):
        raise ApplicationError(
            "forbidden", _("This community is outside your area."), {"field": "community"}, status=403
        )
    errors.raise_if_any("invalid", _("The organisation was not changed."))
    assert area is not None
    changed = [f for f, v in values.items() if getattr(org, f) != v] + (["area_code"] * (org.area_code != area.code))
    for field, value in values.items():
        setattr(org, field, value)
    org.area_code = area.code
    org.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, on=org, fields=changed)
    return org


@transaction.atomic
def organization_submit(*, actor: AnyUser, org_id: int) -> Organization:
    """Send a draft (or a returned filing, corrected) for review."""
    org = _org_for_leader(actor, org_id)
    if org.state not in EDITABLE:
        raise _not_allowed(org)
    org.submitted_at = timezone.now()
    _transition(org, actor=actor, to=OrgState.SUBMITTED)
    return org


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@transaction.atomic
def organization_approve(*, actor: AnyUser, org_id: int, note: str = "") -> Organization:
    org = _org_for_review(actor, org_id)
    if org.state != OrgState.SUBMITTED:
        raise _not_allowed(org)
    now = timezone.now()
    org.approved_at = now
    org.return_reasons = ""
    org.renewal_due = _one_year_after(timezone.localdate(now))
    _transition(org, actor=actor, to=OrgState.APPROVED, note=note)
    return org


def _reason(reason: str, field: str = "reasons") -> str:
    text = reason.strip()
    if not text:
        raise ApplicationError("invalid", _("Give the reasons."), {"field": field})
    return text


@transaction.atomic
def organization_return(*, actor: AnyUser, org_id: int, reasons: str) -> Organization:
    """Return a filing to its leader with the reasons (they correct it and submit again)."""
    org = _org_for_review(actor, org_id)
    text = _reason(reasons)
    if org.state != OrgState.SUBMITTED:
        raise _not_allowed(org)
    org.return_reasons = text
    _transition(org, actor=actor, to=OrgState.RETURNED, note=text)
    return org


@transaction.atomic
def organization_renew(*, actor: AnyUser, org_id: int) -> Organization:
    """The yearly renewal: the next renewal falls a year after the one due (or after today if overdue)."""
    org = _org_for_review(actor, org_id)
    if org.state != OrgState.APPROVED:
        raise _not_allowed(org)
    today = timezone.localdate()
    org.renewal_due = _one_year_after(max(org.renewal_due or today, today))
    _transition(org, actor=actor, to=OrgState.APPROVED, note=_("renewed until %(day)s") % {"day": org.renewal_due})
    return org


@transaction.atomic
def organization_suspend(*, actor: AnyUser, org_id: int, reasons: str) -> Organization:
    org = _org_for_review(actor, org_id)
    text = _reason(reasons)
    if org.state != OrgState.APPROVED:
        raise _not_allowed(org)
    _transition(org, actor=actor, to=OrgState.SUSPENDED, note=text)
    return org


@transaction.atomic
def organization_reinstate(*, actor: AnyUser, org_id: int) -> Organization:
    org = _org_for_review(actor, org_id)
    if org.state != OrgState.SUSPENDED:
        raise _not_allowed(org)
    _transition(org, actor=actor, to=OrgState.APPROVED)
    return org


@transaction.atomic
def organization_dissolve(*, actor: AnyUser, org_id: int, reasons: str) -> Organization:
    """Dissolve (the leader or the reviewing staff); its shifts to come are cancelled."""
    org = _org_for_leader(actor, org_id)
    text = _reason(reasons)
    if org.state == OrgState.DISSOLVED or org.state == OrgState.SUBMITTED:
        raise _not_allowed(org)
    Shift.objects.filter(organization=org, starts_at__gt=timezone.now()).update(cancelled=True)
    _transition(org, actor=actor, to=OrgState.DISSOLVED, note=text)
    return org


def guide_contact(*, viewer: AnyUser, org: Organization, request: HttpRequest | None = None) -> dict[str, str]:
    """The name and phone of the party member or grid worker who leads the organisation: plain for its
    leaders and for staff who serve the community (each such read by staff audited), masked otherwise."""
    plain = org.leader_id == viewer.pk or (sees_personal_data(viewer) and in_scope(viewer, org.area_code))
    if not plain:
        return {"guide_name": mask_name(org.guide_name), "guide_phone": mask_phone(org.guide_phone)}
    if org.leader_id != viewer.pk and (org.guide_name or org.guide_phone):
        audit_record(actor=viewer, action=AuditAction.READ, on=org, fields=["guide_name", "guide_phone"],
                     request=request)  # fmt: skip
    return {"guide_name": org.guide_name, "guide_phone": org.guide_phone}


# Roster --------------------------------------------------------------------------------------------------


@transaction.atomic
def membership_request(*, actor: AnyUser, org_id: int) -> Membership:
    """A resident asks to join a filed organisation. Once on the roster (or asking), never twice: the
    database refuses a second row; someone who left or was refused asks again on the same row."""
    org = _org_locked(actor, org_id)
    assert isinstance(actor, User)
    if actor.role not in PEOPLE_ROLES:
        raise _forbidden()
    if org.state != OrgState.APPROVED:
        raise _not_allowed(org)
    existing = Membership.objects.select_for_update().filter(organization=org, person=actor).first()
    if existing is not None:
        if existing.state in (MemberState.ACTIVE, MemberState.REQUESTED):
            raise ApplicationError(
                "conflict", _("You are already on this organisation's roster."), {"field": "person"}, status=409
            )
        existing.state, existing.role, existing.decided_at, existing.decided_by = (
            MemberState.REQUESTED, MemberRole.MEMBER, None, None,
        )  # fmt: skip
        existing.save()
        return existing
    try:
        with transaction.atomic():
            membership = Membership.objects.create(organization=org, person=actor)
    except IntegrityError:
        raise ApplicationError(
            "conflict", _("You are already on this organisation's roster."), {"field": "person"}, status=409
        ) from None
    return membership


def _membership_for_leader(actor: AnyUser, membership_id: int) -> Membership:
    membership = Membership.objects.select_related("organization", "person").filter(pk=membership_id).first()
    if membership is None:
        raise _not_found()
    _org_for_leader(actor, membership.organization_id)
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("organization", "person")
        .get(pk=membership_id)
    )


@transaction.atomic
def membership_decide(*, actor: AnyUser, membership_id: int, accept: bool) -> Membership:
    """The leader accepts or refuses a request to join."""
    membership = _membership_for_leader(actor, membership_id)
    if membership.state != MemberState.REQUESTED:
        raise ApplicationError("conflict", _("This request was already decided."), {"field": "state"}, status=409)
    membership.state = MemberState.ACTIVE if accept else MemberState.REFUSED
    membership.decided_at, membership.decided_by = timezone.now(), actor  # type: ignore[assignment]
    membership.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, on=membership, detail={"state": membership.state})
    return membership


@transaction.atomic
def membership_set_role(*, actor: AnyUser, membership_id: int, role: str) -> Membership:
    """Make a member a deputy or a plain member (the leader is the organisation's leader)."""
    membership = _membership_for_leader(actor, membership_id)
    if role not in (MemberRole.DEPUTY, MemberRole.MEMBER):
        raise ApplicationError("invalid", _("A member is a deputy or a member."), {"field": "role"})
    if membership.state != MemberState.ACTIVE or membership.person_id == membership.organization.leader_id:
        raise ApplicationError("conflict", _("Only a member's role can change."), {"field": "role"}, status=409)
    membership.role = role
    membership.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, on=membership, detail={"role": role})
    return membership


@transaction.atomic
def membership_leave(*, actor: AnyUser, membership_id: int) -> Membership:
    """A member leaves (or the leader takes them off the roster); the leader cannot leave their own."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None:
        raise _not_found()
    if membership.person_id != actor.pk:
        membership = _membership_for_leader(actor, membership_id)
    if membership.person_id == membership.organization.leader_id:
        raise ApplicationError("conflict", _("The leader cannot leave the organisation."), {"field": "person"},
                               status=409)  # fmt: skip
    if membership.state not in (MemberState.ACTIVE, MemberState.REQUESTED):
        raise ApplicationError("conflict", _("Not on the roster."), {"field": "person"}, status=409)
    membership.state = MemberState.LEFT
    membership.role = MemberRole.MEMBER
    membership.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, on=membership, detail={"state": membership.state})
    return membership


# Shifts ----------------------------------------------------------------------------------------------------


def _check_shift(data: ShiftIn, errors: RowErrors) -> dict[str, Any]:
    title = data.title.strip()
    if not title:
        errors.add(0, "title", _("required"))
    facility = None
    if data.facility:
        facility = Facility.objects.filter(code=data.facility).first()
        if facility is None:
            errors.add(0, "facility", _("no facility with this code"), data.facility)
    place = data.place.strip()
    if facility is None and not place and not data.facility:
        errors.add(0, "place", _("give a facility or a place"))
    if data.starts_at is None:
        errors.add(0, "starts_at", _("required"))
    if data.ends_at is None:
        errors.add(0, "ends_at", _("required"))
    elif data.starts_at is not None:
        if data.ends_at <= data.starts_at:
            errors.add(0, "ends_at", _("must be after the start"))
        elif data.ends_at - data.starts_at > dt.timedelta(hours=MAX_SHIFT_HOURS):
            errors.add(0, "ends_at", _("a shift lasts at most 24 hours"))
    if not data.places:
        errors.add(0, "places", _("at least 1"))
    starts, ends = data.starts_at, data.ends_at
    if starts is not None and timezone.is_naive(starts):
        starts = timezone.make_aware(starts)
    if ends is not None and timezone.is_naive(ends):
        ends = timezone.make_aware(ends)
    return {"title": title[:100], "facility": facility, "place": place[:100], "starts_at": starts, "ends_at": ends,
            "places": data.places or 0}  # fmt: skip


@transaction.atomic
def shift_publish(*, actor: AnyUser, org_id: int, data: ShiftIn) -> Shift:
    """The leader publishes a volunteer shift of a filed organisation."""
    org = _org_for_leader(actor, org_id)
    if org.state != OrgState.APPROVED:
        raise _not_allowed(org)
    errors = RowErrors()
    values = _check_shift(data, errors)
    errors.raise_if_any("invalid", _("The shift was not published."))
    shift = Shift.objects.create(
        kind=ShiftKind.VOLUNTEER, organization=org, area_code=org.area_code, created_by=_user(actor), **values
    )
    audit_record(actor=actor, action=AuditAction.CREATE, on=shift)
    return shift


@transaction.atomic
def sent_down_schedule(*, actor: AnyUser, data: SentDownIn) -> Shift:
    """Staff schedule service by people sent down (下沉: party members, cadres, doctors' rounds, legal aid,
    teachers, agricultural advice) at a centre or village of their scope."""
    _authenticated(actor)
    if not has_perm(actor, REVIEW):
        raise _forbidden()
    errors = RowErrors()
    values = _check_shift(data, errors)
    if data.service not in SentDownService.values:
        errors.add(0, "service", _("required") if not data.service else _("not a valid value"), data.service or None)
    facility = values["facility"]
    code = data.community or (facility.area_code if facility is not None else "")
    area = _community(code, errors)
    errors.raise_if_any("invalid", _("The service was not scheduled."))
    assert area is not None
    require(actor, REVIEW, area.code)
    shift = Shift.objects.create(
        kind=ShiftKind.SENT_DOWN, service=data.service, area_code=area.code, created_by=_user(actor), **values
    )
    audit_record(actor=actor, action=AuditAction.CREATE, on=shift)
    return shift


def _manages(actor: AnyUser, shift: Shift) -> bool:
    """The shift's organisation's leaders, or staff reviewing in its area (sent-down service: staff only)."""
    if has_perm(actor, REVIEW) and in_scope(actor, shift.area_code):
        return True
    return shift.organization is not None and is_leader(actor, shift.organization)


def _shift_manager(actor: AnyUser, shift: Shift) -> None:
    if not _manages(actor, shift):
        raise _forbidden()


def _shift_visible(actor: AnyUser, shift_id: int) -> Shift:
    """The shift if `actor` may see it (as `selectors.shifts_visible`), 404 otherwise."""
    shift = Shift.objects.select_related("organization").filter(pk=shift_id).first()
    if shift is None or not _may_see_shift(actor, shift):
        raise ApplicationError("not_found", _("No such shift here."), status=404)
    return shift


def _may_see_shift(actor: AnyUser, shift: Shift) -> bool:
    if scope_prefix(actor) is not None:
        return in_scope(actor, shift.area_code)
    org = shift.organization
    if org is not None and (
        (org.state in PUBLIC_STATES and shift.kind == ShiftKind.VOLUNTEER) or is_leader(actor, org)
    ):
        return True
    return actor.is_authenticated and Attendance.objects.filter(shift=shift, person_id=actor.pk).exists()


@transaction.atomic
def shift_cancel(*, actor: AnyUser, shift_id: int) -> Shift:
    shift = _shift_visible(actor, shift_id)
    _shift_manager(actor, shift)
    if shift.hours_records.exists():
        raise ApplicationError("conflict", _("Hours were confirmed for this shift."), {"field": "shift"}, status=409)
    Shift.objects.filter(pk=shift.pk).update(cancelled=True)
    shift.refresh_from_db()
    audit_record(actor=actor, action=AuditAction.UPDATE, on=shift, fields=["cancelled"])
    return shift


@transaction.atomic
def shift_signup(*, actor: AnyUser, shift_id: int, person: str | None = None) -> Attendance:
    """A resident signs up for a volunteer shift; staff add a person sent down (`person`: a user name) to a
    sent-down service. The shift's row is locked, so places are never exceeded."""
    _authenticated(actor)
    shift = _shift_visible(actor, shift_id)
    shift = Shift.objects.select_for_update(of=("self",)).select_related("organization").get(pk=shift.pk)
    if shift.kind == ShiftKind.SENT_DOWN or person:
        _shift_manager(actor, shift)
        who = User.objects.filter(username=person or "", is_active=True).first()
        if who is None:
            raise ApplicationError("invalid", _("No user with this user name."), {"field": "person"})
    else:
        assert isinstance(actor, User)
        if actor.role not in PEOPLE_ROLES:
            raise _forbidden()
        who = actor
    if shift.cancelled or shift.ends_at <= timezone.now():
        raise ApplicationError("conflict", _("This shift is over or cancelled."), {"field": "shift"}, status=409)
    if shift.organization is not None and shift.organization.state != OrgState.APPROVED:
        raise _not_allowed(shift.organization)
    existing = Attendance.objects.filter(shift=shift, person=who).first()
    if existing is not None and not existing.cancelled:
        raise ApplicationError("conflict", _("Already signed up."), {"field": "person"}, status=409)
    taken = Attendance.objects.filter(shift=shift, cancelled=False).count()
    if taken >= shift.places:
        raise ApplicationError("conflict", _("The shift is full."), {"field": "places"}, status=409)
    if existing is not None:
        Attendance.objects.filter(pk=existing.pk).update(cancelled=False)
        existing.refresh_from_db()
        return existing
    try:
        with transaction.atomic():
            return Attendance.objects.create(shift=shift, person=who, area_code=shift.area_code)
    except IntegrityError:
        raise ApplicationError("conflict", _("Already signed up."), {"field": "person"}, status=409) from None


@transaction.atomic
def attendance_cancel(*, actor: AnyUser, attendance_id: int) -> Attendance:
    """The person withdraws before the shift starts (or a manager takes them off)."""
    attendance = _attendance(actor, attendance_id, manager=False)
    if attendance.person_id != actor.pk:
        _shift_manager(actor, attendance.shift)
    if attendance.hours_records.exists() or attendance.shift.starts_at <= timezone.now():
        raise ApplicationError("conflict", _("The shift has started."), {"field": "shift"}, status=409)
    Attendance.objects.filter(pk=attendance.pk).update(cancelled=True)
    attendance.refresh_from_db()
    return attendance


def _attendance(actor: AnyUser, attendance_id: int, *, manager: bool = True) -> Attendance:
    _authenticated(actor)
    attendance = (
        Attendance.objects.select_for_update(of=("self",))
        .select_related("shift", "shift__organization", "person")
        .filter(pk=attendance_id)
        .first()
    )
    if attendance is None:
        raise ApplicationError("not_found", _("No such attendance here."), status=404)
    if manager and _manages(actor, attendance.shift):
        return attendance
    if attendance.person_id != actor.pk:
        _shift_visible(actor, attendance.shift_id)  # 404 outside what the actor may see
    if manager:
        raise _forbidden()
    return attendance


@transaction.atomic
def attendance_check_in(*, actor: AnyUser, attendance_id: int, at: dt.datetime | None = None) -> Attendance:
    """The leader or staff record that the person arrived (now, or at `at`)."""
    attendance = _attendance(actor, attendance_id)
    if attendance.cancelled:
        raise ApplicationError("conflict", _("This person withdrew."), {"field": "person"}, status=409)
    if attendance.checked_in_at is not None:
        raise ApplicationError("conflict", _("Already checked in."), {"field": "checked_in_at"}, status=409)
    Attendance.objects.filter(pk=attendance.pk).update(checked_in_at=at or timezone.now())
    attendance.refresh_from_db()
    return attendance


@transaction.atomic
def attendance_check_out(*, actor: AnyUser, attendance_id: int, at: dt.datetime | None = None) -> Attendance:
    attendance = _attendance(actor, attendance_id)
    when = at or timezone.now()
    if attendance.checked_in_at is None:
        raise ApplicationError("conflict", _("Check in first."), {"field": "checked_in_at"}, status=409)
    if attendance.checked_out_at is not None:
        raise ApplicationError("conflict", _("Already checked out."), {"field": "checked_out_at"}, status=409)
    if when <= attendance.checked_in_at:
        raise ApplicationError("invalid", _("Check-out must come after check-in."), {"field": "checked_out_at"})
    Attendance.objects.filter(pk=attendance.pk).update(checked_out_at=when)
    attendance.refresh_from_db()
    return attendance


def hours_attended(attendance: Attendance) -> Decimal | None:
    """Hours from check-in to check-out, clipped to the shift; None until both are recorded."""
    shift = attendance.shift
    if attendance.checked_in_at is None or attendance.checked_out_at is None:
        return None
    start = max(attendance.checked_in_at, shift.starts_at)
    end = min(attendance.checked_out_at, shift.ends_at)
    seconds = max((end - start).total_seconds(), 0)
    return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"))


def _hours_value(attendance: Attendance, data: HoursIn) -> Decimal:
    shift = attendance.shift
    hours = data.hours if data.hours is not None else hours_attended(attendance)
    if hours is None:
        raise ApplicationError("invalid", _("Give the hours (check-in and check-out are not both recorded)."),
                               {"field": "hours"})  # fmt: skip
    try:
        hours = Decimal(hours).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ApplicationError("invalid", _("Hours must be a number."), {"field": "hours"}) from None
    if hours <= 0:
        raise ApplicationError("invalid", _("Hours must be more than 0."), {"field": "hours"})
    if hours > shift.length_hours:
        raise ApplicationError(
            "invalid",
            _("Hours cannot exceed the shift's length (%(length)s h).") % {"length": shift.length_hours},
            {"field": "hours", "max": str(shift.length_hours)},
        )
    return hours


def _emit_confirmed(record: HoursRecord, attendance: Attendance) -> None:
    """The event points mint from, once per record (its key is unique per record)."""
    shift = attendance.shift
    emit(
        "organizations.hours_confirmed",
        key=f"hours:{record.pk}",
        record_id=record.pk,
        organization_id=record.organization_id,
        resident_id=record.person_id,
        area_code=record.area_code,
        occurred_at=attendance.checked_out_at or shift.ends_at,
        hours=record.hours,
        kind=str(record.kind),
    )


@transaction.atomic
def hours_confirm(*, actor: AnyUser, attendance_id: int, data: HoursIn) -> HoursRecord:
    """The leader (or staff) confirm the hours of one attendance, at most the shift's length; the record is
    never edited afterwards and "organizations.hours_confirmed" is emitted in this transaction."""
    attendance = _attendance(actor, attendance_id)
    shift = attendance.shift
    if attendance.cancelled:
        raise ApplicationError("conflict", _("This person withdrew."), {"field": "person"}, status=409)
    if shift.cancelled:
        raise ApplicationError("conflict", _("This shift is over or cancelled."), {"field": "shift"}, status=409)
    if shift.starts_at > timezone.now():
        raise ApplicationError("conflict", _("The shift has not started yet."), {"field": "shift"}, status=409)
    hours = _hours_value(attendance, data)
    served = data.residents_served or 0
    try:
        with transaction.atomic():
            record = HoursRecord.objects.create(
                attendance=attendance, shift=shift, person=attendance.person, organization=shift.organization,
                kind=shift.kind, hours=hours, shift_hours=shift.length_hours, residents_served=served,
                area_code=shift.area_code, confirmed_by=_user(actor), note=data.reason.strip()[:200],
            )  # fmt: skip
    except IntegrityError:
        raise ApplicationError(
            "conflict", _("These hours were already confirmed; correct them instead."), {"field": "hours"}, status=409
        ) from None
    audit_record(actor=actor, action=AuditAction.CREATE, on=record, detail={"hours": str(hours)})
    _emit_confirmed(record, attendance)
    return record


@transaction.atomic
def hours_correct(*, actor: AnyUser, record_id: int, data: HoursIn) -> HoursRecord:
    """A correction: a new record replacing `record_id` (which stays as it was). Emits
    "organizations.hours_withdrawn" for the replaced record (so what was earned from it can be reversed)
    and "organizations.hours_confirmed" for the new one."""
    _authenticated(actor)
    old = HoursRecord.objects.select_related("attendance", "shift").filter(pk=record_id).first()
    if old is None:
        raise ApplicationError("not_found", _("No such record here."), status=404)
    attendance = _attendance(actor, old.attendance_id)
    reason = _reason(data.reason, "reason")
    if HoursRecord.objects.filter(replaces=old).exists():
        raise ApplicationError("conflict", _("This record was already corrected."), {"field": "record"}, status=409)
    hours = _hours_value(attendance, data)
    try:
        with transaction.atomic():
            record = HoursRecord.objects.create(
                attendance=attendance, shift=old.shift, person_id=old.person_id, organization_id=old.organization_id,
                kind=old.kind, hours=hours, shift_hours=old.shift_hours,
                residents_served=data.residents_served if data.residents_served is not None else old.residents_served,
                area_code=old.area_code, confirmed_by=_user(actor), replaces=old, note=reason[:200],
            )  # fmt: skip
    except IntegrityError:
        raise ApplicationError("conflict", _("This record was already corrected."), {"field": "record"},
                               status=409) from None  # fmt: skip
    audit_record(actor=actor, action=AuditAction.CREATE, on=record,
                 detail={"replaces": old.pk, "hours": str(hours), "before": str(old.hours),
                         "reason": reason})  # fmt: skip
    emit(
        "organizations.hours_withdrawn",
        key=f"withdrawn:{old.pk}",
        record_id=old.pk,
        replaced_by=record.pk,
        organization_id=old.organization_id,
        resident_id=old.person_id,
        area_code=old.area_code,
        occurred_at=record.confirmed_at,
        hours=old.hours,
        kind=str(old.kind),
    )
    _emit_confirmed(record, attendance)
    return record


# Star rating and incubation -------------------------------------------------------------------------------


RATED_STATES = (OrgState.APPROVED, OrgState.SUSPENDED)


def rating_preview(*, actor: AnyUser, org_id: int, year: int, adjustment: int = 0) -> dict[str, Any]:
    """The figures, the score and the stars the rubric gives now (nothing written)."""
    org = _org_for_review(actor, org_id)
    figures = rating_figures(org=org, year=year)
    score = rubric.rubric_score(figures)
    return {"figures": figures, "score": score, "stars": rubric.stars_for(score, adjustment)}


@transaction.atomic
def rating_save(*, actor: AnyUser, org_id: int, year: int, data: RatingIn) -> Rating:
    """Rate a filed organisation for `year` from the figures computed now, with an adjustment of at most
    ±20 points that needs a written reason. A year already rated is replaced only when asked (`replace`),
    the change being shown first (`rating_changes`)."""
    org = _org_for_review(actor, org_id)
    if org.state not in RATED_STATES:
        raise _not_allowed(org)
    this_year = timezone.localdate().year
    if not 2000 <= year <= this_year:
        raise ApplicationError("invalid", _("Not a year that can be rated."), {"field": "year"})
    adjustment = data.adjustment or 0
    if abs(adjustment) > rubric.ADJUSTMENT_LIMIT:
        raise ApplicationError(
            "invalid", _("An adjustment is at most %(n)d points either way.") % {"n": rubric.ADJUSTMENT_LIMIT},
            {"field": "adjustment"},
        )  # fmt: skip
    reason = data.reason.strip()
    if adjustment and not reason:
        raise ApplicationError("invalid", _("Give the reason for the adjustment."), {"field": "reason"})
    figures = rating_figures(org=org, year=year)
    score = rubric.rubric_score(figures)
    stars = rubric.stars_for(score, adjustment)
    values = {"figures": figures, "score": score, "adjustment": adjustment, "reason": reason, "stars": stars,
              "rated_by": actor, "area_code": org.area_code}  # fmt: skip
    existing = Rating.objects.select_for_update().filter(organization=org, year=year).first()
    if existing is not None:
        if not data.replace:
            raise ApplicationError(
                "conflict", _("This year is already rated: confirm to replace it."),
                {"field": "replace", "changes": rating_changes(existing, values)}, status=409,
            )  # fmt: skip
        before = {"stars": existing.stars, "score": str(existing.score), "adjustment": existing.adjustment}
        for field, value in values.items():
            setattr(existing, field, value)
        existing.save()
        audit_record(actor=actor, action=AuditAction.UPDATE, on=existing,
                     detail={"before": before, "stars": stars, "score": str(score)})  # fmt: skip
        return existing
    try:
        with transaction.atomic():
            rating = Rating.objects.create(organization=org, year=year, **values)
    except IntegrityError:
        raise ApplicationError("conflict", _("This year is already rated: confirm to replace it."),
                               {"field": "replace"}, status=409) from None  # fmt: skip
    audit_record(actor=actor, action=AuditAction.CREATE, on=rating, detail={"stars": stars, "score": str(score)})
    return rating


def rating_changes(rating: Rating, values: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for field in ("stars", "score", "adjustment", "reason"):
        before, after = getattr(rating, field), values[field]
        if str(before) != str(after):
            out.append({"field": field, "before": str(before), "after": str(after)})
    return out


@transaction.atomic
def incubation_apply(*, actor: AnyUser, org_id: int, plan: str = "") -> Incubation:
    """The leader (or staff) apply for incubation of a filed organisation, once."""
    org = _org_for_leader(actor, org_id)
    if org.state != OrgState.APPROVED:
        raise _not_allowed(org)
    try:
        with transaction.atomic():
            incubation = Incubation.objects.create(organization=org, area_code=org.area_code, plan=plan.strip())
    except IntegrityError:
        raise ApplicationError("conflict", _("This organisation has already applied."), {"field": "organization"},
                               status=409) from None  # fmt: skip
    audit_record(actor=actor, action=AuditAction.CREATE, on=incubation)
    return incubation


INCUBATION_NEXT = {
    IncubationState.APPLIED: IncubationState.INCUBATING,
    IncubationState.INCUBATING: IncubationState.GRADUATED,
    IncubationState.GRADUATED: IncubationState.REGISTERED,
}


@transaction.atomic
def incubation_advance(*, actor: AnyUser, incubation_id: int, grade: str = "") -> Incubation:
    """Staff move an incubation one step: starting pays the one-off start-up support (一次性开办扶持),
    graduating the award in place of subsidy (以奖代补) by the latest star rating, and registration makes
    the organisation a registered social organisation (with its grade, if given)."""
    _authenticated(actor)
    if not has_perm(actor, REVIEW):
        raise _forbidden()
    incubation = Incubation.objects.visible_to(actor).select_for_update().filter(pk=incubation_id).first()
    if incubation is None:
        raise _not_found()
    target = INCUBATION_NEXT.get(IncubationState(incubation.state))
    if target is None:
        raise ApplicationError("conflict", _("The incubation is complete."), {"field": "state"}, status=409)
    if grade and grade not in Grade.values:
        raise ApplicationError("invalid", _("not a valid value"), {"field": "grade"})
    now = timezone.now()
    if target == IncubationState.INCUBATING:
        incubation.started_at = now
        incubation.startup_fund = rubric.STARTUP_FUND
    elif target == IncubationState.GRADUATED:
        latest = Rating.objects.filter(organization_id=incubation.organization_id).order_by("-year").first()
        if latest is None:
            raise ApplicationError("conflict", _("Rate the organisation before it graduates."), {"field": "rating"},
                                   status=409)  # fmt: skip
        incubation.graduated_at = now
        incubation.award_fund = rubric.award_for(latest.stars)
    else:
        incubation.registered_at = now
        org = Organization.objects.select_for_update().get(pk=incubation.organization_id)
        org.track = OrgTrack.REGISTERED
        org.grade = grade
        org.save()
        audit_record(actor=actor, action=AuditAction.UPDATE, on=org, fields=["track", "grade"])
    incubation.state = target
    incubation.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, on=incubation, detail={"state": target})
    return incubation
