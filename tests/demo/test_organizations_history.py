"""The demo's organisations, loaded through the services on the test area tree: every kind and state,
members, a year of confirmed hours each announced once, sent-down service, ratings and incubations; the
demo leader leads one; loading twice loads nothing twice."""

from __future__ import annotations

from collections import Counter

from linli.core.enums import Role
from linli.core.events import _LISTENERS, listen
from linli.demo.organizations_history import LEADER_COMMUNITY, LEADER_ORG, organizations_history_load
from linli.organizations.enums import IncubationState, OrgState
from linli.organizations.models import HoursRecord, Incubation, Membership, Organization, Rating, Shift
from tests.conftest import make_user


def test_demo_organisations_loaded_once_through_the_services(area_tree, users):
    make_user("leader", Role.ORG_LEADER, home=LEADER_COMMUNITY)
    for i in range(12):
        make_user(f"demo{i}", Role.RESIDENT, home=["990102001001", "990102001002", "990102101201"][i % 3])
    keys: list[str] = []
    listener = listen("organizations.hours_confirmed")(lambda **payload: keys.append(payload["key"]))
    try:
        counts = organizations_history_load(organizations=30)
    finally:
        _LISTENERS["organizations.hours_confirmed"].remove(listener)

    assert counts["organizations"] == Organization.objects.count() >= 25
    states = Counter(Organization.objects.values_list("state", flat=True))
    assert states[OrgState.APPROVED] >= 15 and set(states) >= {OrgState.APPROVED, OrgState.SUBMITTED}
    assert len(set(Organization.objects.values_list("kind", flat=True))) == 3
    mine = Organization.objects.get(name=LEADER_ORG, area_code=LEADER_COMMUNITY)
    assert mine.leader.username == "leader" and mine.state == OrgState.APPROVED
    assert Membership.objects.filter(organization=mine, state="active").count() >= 2
    assert Membership.objects.get(organization=mine, person__username="resident").state == "active"
    # every confirmation went through the service: one event per record, keyed by the record
    assert sorted(keys) == sorted(f"hours:{pk}" for pk in HoursRecord.objects.values_list("pk", flat=True))
    assert counts["hours_records"] == HoursRecord.objects.count() > 50
    assert HoursRecord.objects.filter(kind="sent_down").exists()
    assert Shift.objects.filter(kind="volunteer", starts_at__gt=mine.created_at).exists()
    assert Rating.objects.count() == counts["ratings"] == states[OrgState.APPROVED]
    assert Incubation.objects.filter(state=IncubationState.REGISTERED).exists()

    before = (Organization.objects.count(), HoursRecord.objects.count(), Membership.objects.count())
    assert set(organizations_history_load(organizations=30).values()) == {0}
    assert (Organization.objects.count(), HoursRecord.objects.count(), Membership.objects.count()) == before
