"""The back office: records whose rules live in the services are read-only in the admin, superuser
included; the audit log can be neither added, changed nor deleted by anyone, in the admin and below it
(model, queryset and database triggers, on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from linli.core.enums import AuditAction
from linli.core.models import AuditLog, AuditLogAppendOnly, User
from linli.core.services import audit_record
from linli.facilities.models import ConstructionTarget

READ_ONLY = [
    "areas/area", "facilities/facility", "facilities/facilitytype", "facilities/operator", "catalog/serviceitem",
    "catalog/offering", "catalog/tierstandard", "bookings/activity", "bookings/session", "bookings/registration",
    "bookings/venue", "bookings/venuebooking", "bookings/kiosktoken", "cases/requesttype", "cases/servicerequest",
    "cases/consultation", "feedback/need", "feedback/survey", "planning/network", "core/auditlog",
]  # fmt: skip


@pytest.fixture
def root(client, db) -> User:
    user = User.objects.create_superuser("root", password="pw-root")
    client.force_login(user)
    return user


@pytest.fixture
def entry(users) -> AuditLog:
    return audit_record(actor=users["district"], action=AuditAction.READ, object_type="core.user", object_id="7")


@pytest.mark.parametrize("model", READ_ONLY)
def test_read_only_for_a_superuser(client, root, model):
    assert client.get(f"/admin/{model}/").status_code == 200  # shown
    assert client.get(f"/admin/{model}/add/").status_code == 403
    assert client.post(f"/admin/{model}/add/", {}).status_code == 403


def test_audit_log_admin_refuses_add_change_delete(client, root, entry):
    url = f"/admin/core/auditlog/{entry.pk}"
    page = client.get(f"{url}/change/")
    assert page.status_code == 200 and b'type="submit"' not in page.content.split(b'id="content-main"')[1]
    assert client.post(f"{url}/change/", {"action": "update", "object_type": "x"}).status_code == 403
    assert client.get(f"{url}/delete/").status_code == 403
    assert client.post(f"{url}/delete/", {"post": "yes"}).status_code == 403
    bulk = client.post("/admin/core/auditlog/", {"action": "delete_selected", "_selected_action": [entry.pk]})
    assert bulk.status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.action == AuditAction.READ and AuditLog.objects.count() == 1


def test_model_and_queryset_refuse(entry):
    entry.action = AuditAction.DELETE
    with pytest.raises(AuditLogAppendOnly):
        entry.save()
    with pytest.raises(AuditLogAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogAppendOnly):
        AuditLog.objects.filter(pk=entry.pk).update(action=AuditAction.DELETE)
    with pytest.raises(AuditLogAppendOnly):
        AuditLog.objects.all().delete()
    entry.refresh_from_db()
    assert entry.action == AuditAction.READ


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditlog SET object_id = 'x'",
        "DELETE FROM core_auditlog",
        "UPDATE core_auditlog SET actor_id = NULL",
    ],
)
def test_database_refuses_update_and_delete(entry, sql):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    entry.refresh_from_db()
    assert entry.object_id == "7" and entry.actor_id is not None


def test_a_user_with_entries_is_kept(users, entry):
    """Deleting a user would rewrite their entries (actor): refused; deactivate them instead."""
    with pytest.raises(ProtectedError), transaction.atomic():
        users["district"].delete()
    entry.refresh_from_db()
    assert entry.actor == users["district"]


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_still_flush_the_log(users):
    """Django empties the database after this test (flush): `linli flush` lifts the triggers for it."""
    audit_record(actor=users["district"], action=AuditAction.READ, object_type="core.user")
    assert AuditLog.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_start_empty_and_the_guard_is_back(users):
    assert not AuditLog.objects.exists()
    entry = audit_record(actor=users["district"], action=AuditAction.READ, object_type="core.user")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditlog")
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_construction_targets_are_edited_and_audited(client, root, area_tree):
    """The admin that still edits (construction targets have no page of their own) audits each change and
    takes the area code from the area."""
    from linli.areas.models import Area
    from linli.facilities.models import FacilityType

    kind = FacilityType.objects.create(code="nc", name="邻里中心", family="neighbourhood_centre")
    area = Area.objects.get(code="990102001001")
    data = {"year": 2027, "facility_type": kind.pk, "area": area.pk, "target": 3}
    response = client.post("/admin/facilities/constructiontarget/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    target = ConstructionTarget.objects.get()
    assert target.area_code == "990102001001"
    log = AuditLog.objects.get(object_type="facilities.constructiontarget")
    assert log.actor == root and log.action == AuditAction.CREATE and log.detail == {"via": "admin"}
