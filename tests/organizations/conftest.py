"""An organisation leader and filed organisations in community 990102001001 (the shared area tree)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.enums import Role
from linli.organizations import services
from linli.organizations.inputs import OrganizationIn, ShiftIn
from tests.conftest import make_user

COMMUNITY = "990102001001"


@pytest.fixture
def leader(db):
    return make_user("leader", Role.ORG_LEADER, home=COMMUNITY, phone="13800001111")


@pytest.fixture
def file_org(area_tree, leader):
    def make(*, actor=None, community: str = COMMUNITY, name: str = "东湖志愿服务队", **extra):
        data = OrganizationIn(
            name=name, kind=extra.pop("kind", "volunteer"), community=community, purpose="助老助残",
            guide_role="party_member", guide_name="王建国", guide_phone="13912340000", members_declared=12, **extra,
        )  # fmt: skip
        return services.organization_file(actor=actor or leader, data=data)

    return make


@pytest.fixture
def approved_org(file_org, leader, users):
    org = file_org()
    services.organization_submit(actor=leader, org_id=org.pk)
    services.organization_approve(actor=users["community"], org_id=org.pk)
    org.refresh_from_db()
    return org


@pytest.fixture
def past_shift(approved_org, leader):
    """A 3-hour shift that ended an hour ago (created through the service, then moved into the past)."""
    from linli.organizations.models import Shift

    starts = timezone.now() + dt.timedelta(days=1)
    shift = services.shift_publish(
        actor=leader, org_id=approved_org.pk,
        data=ShiftIn(title="助老探访", place="东湖社区服务中心", starts_at=starts,
                     ends_at=starts + dt.timedelta(hours=3), places=5),
    )  # fmt: skip
    return shift, Shift


def move_to_past(shift, hours_ago: int = 4) -> None:
    from linli.organizations.models import Shift

    length = shift.ends_at - shift.starts_at
    starts = timezone.now() - dt.timedelta(hours=hours_ago)
    Shift.objects.filter(pk=shift.pk).update(starts_at=starts, ends_at=starts + length)
    shift.refresh_from_db()
