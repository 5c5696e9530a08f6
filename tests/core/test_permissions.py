from django.contrib.auth.models import AnonymousUser

from linli.core.permissions import Perm, can, scope_prefix


def test_scope_prefix_by_role(users):
    assert scope_prefix(users["district"]) == "990102"
    assert scope_prefix(users["town"]) == "990102001"
    assert scope_prefix(users["resident"]) is None
    assert scope_prefix(users["operator"]) is None
    assert scope_prefix(AnonymousUser()) is None


def test_staff_with_an_empty_scope_see_nothing(users):
    users["town"].scope = ""
    assert scope_prefix(users["town"]) is None
    assert not can(users["town"], Perm.AREA_VIEW, "990102001001")


def test_can_checks_role_and_scope(users):
    assert can(users["district"], Perm.AREA_CHANGE, "990102002001")
    assert not can(users["town"], Perm.AREA_CHANGE, "990102001001")
    assert can(users["town"], Perm.AREA_VIEW, "990102001001")
    assert not can(users["town"], Perm.AREA_VIEW, "990102002001")
    assert can(users["auditor"], Perm.AUDIT_VIEW)
    assert not can(users["district"], Perm.AUDIT_VIEW)
