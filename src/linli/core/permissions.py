"""The one place that decides who may do what.

Every selector filters through `scope_q`/`filter_scope`, every service and view asks `can(...)` or
`require(...)`. A staff member's scope is a prefix of the 12-digit area code; one filter,
`<field>__startswith=<prefix>`, decides what they see, everywhere.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeAlias

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from linli.core.enums import Role
from linli.core.errors import ApplicationError

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from linli.core.models import User

    AnyUser: TypeAlias = "User | AnonymousUser"


class Perm(StrEnum):
    AREA_VIEW = "area.view"
    AREA_CHANGE = "area.change"
    PERSONAL_DATA_VIEW = "personal_data.view"
    PEOPLE_VIEW = "people.view"
    AUDIT_VIEW = "audit.view"
    JOB_START = "job.start"
    FACILITY_CHANGE = "facility.change"
    FACILITY_CODE_CHANGE = "facility_code.change"
    CATALOG_CHANGE = "catalog.change"
    OPERATOR_CONTACT_VIEW = "operator_contact.view"
    REQUEST_HANDLE = "request.handle"
    REQUEST_TYPE_CHANGE = "request_type.change"
    FEEDBACK_CHANGE = "feedback.change"
    # organisations (三自组织) and points (积分)
    ORGANIZATION_REVIEW = "organization.review"
    POINTS_MANAGE = "points.manage"
    # purchase of services (政府购买服务), construction projects (载体建设)
    PROCUREMENT_VIEW = "procurement.view"
    PROCUREMENT_MANAGE = "procurement.manage"
    CONSTRUCTION_VIEW = "construction.view"
    CONSTRUCTION_MANAGE = "construction.manage"
    # indicators and the generated report
    INDICATOR_VIEW = "indicator.view"
    REPORT_GENERATE = "report.generate"


# Roles whose work is bound to an area and who read records of their scope.
SCOPED_ROLES = {Role.COMMUNITY_STAFF, Role.TOWN_STAFF, Role.DISTRICT_ADMIN, Role.AUDITOR, Role.EVALUATOR}
# Roles that need residents' phone and ID numbers to serve them (全程代理): unmasked, and every read logged.
PERSONAL_DATA_ROLES = {Role.COMMUNITY_STAFF, Role.TOWN_STAFF, Role.DISTRICT_ADMIN}
# What each role may do inside its scope.
ROLE_PERMS: dict[str, set[Perm]] = {
    Role.DISTRICT_ADMIN: {
        Perm.AREA_VIEW,
        Perm.AREA_CHANGE,
        Perm.PERSONAL_DATA_VIEW,
        Perm.PEOPLE_VIEW,
        Perm.JOB_START,
        Perm.FACILITY_CHANGE,
        Perm.FACILITY_CODE_CHANGE,
        Perm.CATALOG_CHANGE,
        Perm.OPERATOR_CONTACT_VIEW,
        Perm.REQUEST_HANDLE,
        Perm.REQUEST_TYPE_CHANGE,
        Perm.FEEDBACK_CHANGE,
        Perm.ORGANIZATION_REVIEW,
        Perm.POINTS_MANAGE,
        Perm.PROCUREMENT_VIEW,
        Perm.PROCUREMENT_MANAGE,
        Perm.CONSTRUCTION_VIEW,
        Perm.CONSTRUCTION_MANAGE,
        Perm.INDICATOR_VIEW,
        Perm.REPORT_GENERATE,
    },
    Role.TOWN_STAFF: {
        Perm.AREA_VIEW,
        Perm.PERSONAL_DATA_VIEW,
        Perm.PEOPLE_VIEW,
        Perm.JOB_START,
        Perm.FACILITY_CHANGE,
        Perm.OPERATOR_CONTACT_VIEW,
        Perm.REQUEST_HANDLE,
        Perm.FEEDBACK_CHANGE,
        Perm.ORGANIZATION_REVIEW,
        Perm.POINTS_MANAGE,
        Perm.PROCUREMENT_VIEW,
        Perm.CONSTRUCTION_VIEW,
        Perm.INDICATOR_VIEW,
    },
    Role.COMMUNITY_STAFF: {
        Perm.AREA_VIEW,
        Perm.PERSONAL_DATA_VIEW,
        Perm.PEOPLE_VIEW,
        Perm.FACILITY_CHANGE,
        Perm.OPERATOR_CONTACT_VIEW,
        Perm.REQUEST_HANDLE,
        Perm.FEEDBACK_CHANGE,
        Perm.ORGANIZATION_REVIEW,
        Perm.POINTS_MANAGE,
        Perm.INDICATOR_VIEW,
    },
    Role.AUDITOR: {
        Perm.AREA_VIEW,
        Perm.PEOPLE_VIEW,
        Perm.AUDIT_VIEW,
        Perm.PROCUREMENT_VIEW,
        Perm.CONSTRUCTION_VIEW,
        Perm.INDICATOR_VIEW,
    },
    Role.EVALUATOR: {Perm.AREA_VIEW},
    Role.RESIDENT: set(),
    Role.OPERATOR: set(),
    Role.ORG_LEADER: set(),
}


def scope_prefix(user: AnyUser) -> str | None:
    """The area-code prefix `user` may see: "" for everything, None for nothing area-bound."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return ""
    if user.role in SCOPED_ROLES:
        return user.scope or None
    return None


def in_scope(user: AnyUser, area_code: str) -> bool:
    prefix = scope_prefix(user)
    return prefix is not None and area_code.startswith(prefix)


def has_perm(user: AnyUser, perm: Perm) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return perm in ROLE_PERMS.get(user.role, set())


def can(user: AnyUser, perm: Perm, area_code: str | None = None) -> bool:
    """May `user` use `perm`, on the record of `area_code` if one is given?"""
    if not has_perm(user, perm):
        return False
    return area_code is None or in_scope(user, area_code)


def require(user: AnyUser, perm: Perm, area_code: str | None = None) -> None:
    """Raise `ApplicationError("forbidden")` (HTTP 403) unless `can(user, perm, area_code)`."""
    if not user.is_authenticated:
        raise ApplicationError("unauthenticated", _("Log in first."), status=401)
    if not can(user, perm, area_code):
        raise ApplicationError("forbidden", _("You may not do this here."), status=403)


def scope_q(user: AnyUser, field: str = "area_code") -> Q:
    """A filter for records whose `field` (an area code) lies in the user's scope; matches nothing when
    the user has no scope. Every answer is a real condition that composes with `|` and `&`: an empty `Q()`
    for "everything" would vanish when or-ed (`Q(pk__in=[]) | Q()` is `Q(pk__in=[])`, i.e. nothing)."""
    prefix = scope_prefix(user)
    if prefix is None:
        return Q(pk__in=[])
    if prefix == "":
        return Q(pk__isnull=False)
    return Q(**{f"{field}__startswith": prefix})


def filter_scope(user: AnyUser, qs: QuerySet[Any], field: str = "area_code") -> QuerySet[Any]:
    return qs.filter(scope_q(user, field))


def sees_personal_data(user: AnyUser, subject: User | None = None) -> bool:
    """Whether `user` sees phone and ID numbers of `subject` unmasked: the subject themself, or a role
    that serves residents (with the subject's home area in scope)."""
    if not user.is_authenticated:
        return False
    if subject is not None and subject.pk == user.pk:
        return True
    if not has_perm(user, Perm.PERSONAL_DATA_VIEW):
        return False
    return subject is None or in_scope(user, subject.home_area_code or subject.scope or "")
