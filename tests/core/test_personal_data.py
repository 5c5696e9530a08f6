"""Phone and ID numbers: masked for roles that do not need them, every unmasked read logged."""

from linli.core.masking import mask_id_number, mask_phone
from linli.core.models import AuditLog
from linli.core.services import person_contact
from tests.conftest import login


def test_masks():
    assert mask_phone("13912345678") == "139****5678"
    assert mask_id_number("990102198001011234") == "990102********1234"
    assert mask_phone("") == ""


def test_a_resident_sees_their_own_data_and_nothing_is_logged(users):
    me = users["resident"]
    assert person_contact(viewer=me, subject=me) == {"phone": "13912345678", "id_number": "990102198001011232"}
    assert not AuditLog.objects.exists()


def test_community_staff_see_residents_in_scope_and_it_is_logged(users):
    contact = person_contact(viewer=users["community"], subject=users["resident"])
    assert contact["phone"] == "13912345678"
    entry = AuditLog.objects.get()
    assert entry.actor == users["community"] and entry.action == "read"
    assert entry.object_id == str(users["resident"].pk) and entry.fields == ["phone", "id_number"]


def test_out_of_scope_and_other_roles_get_masked_data(users):
    assert person_contact(viewer=users["other_community"], subject=users["resident"])["phone"] == "139****5678"
    assert person_contact(viewer=users["auditor"], subject=users["resident"])["id_number"] == "990102********1232"
    assert person_contact(viewer=users["operator"], subject=users["resident"])["phone"] == "139****5678"
    assert not AuditLog.objects.exists()


def test_people_api_masks_by_role_and_audits_the_page(client, users, token_for):
    staff = client.get("/api/people", **token_for(users["community"])).json()
    assert [p["username"] for p in staff["items"]] == ["resident"]
    assert staff["items"][0]["phone"] == "13912345678"
    assert AuditLog.objects.filter(actor=users["community"], action="read").count() == 1

    auditor = client.get("/api/people", **token_for(users["auditor"])).json()
    assert {p["phone"] for p in auditor["items"]} == {"139****5678", "137****4321"}
    assert client.get("/api/people", **token_for(users["resident"])).status_code == 403


def test_people_page_and_audit_page(client, users):
    login(client, users["district"])
    page = client.get("/people/").content.decode()
    assert "13912345678" in page and "990102199002025673" in page
    assert client.get("/audit/").status_code == 403
    client.force_login(users["auditor"])
    page = client.get("/people/").content.decode()
    assert "139****5678" in page and "13912345678" not in page
    audit = client.get("/audit/").content.decode()
    assert "district" in audit and "core.user" in audit


def test_admin_reads_and_changes_of_personal_data_are_logged(client, users):
    from linli.core.models import User

    root = User.objects.create_superuser("root", password="pw-root")
    client.force_login(root)
    resident = users["resident"]
    assert client.get(f"/admin/core/user/{resident.pk}/change/").status_code == 200
    read = AuditLog.objects.get(action="read")
    assert read.actor == root and read.object_id == str(resident.pk)
    form = client.get(f"/admin/core/user/{resident.pk}/change/").context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | tuple)}
    data.update(
        {
            "username": resident.username,
            "role": resident.role,
            "phone": "13600000000",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "last_login_0": "",
            "last_login_1": "",
        }
    )
    response = client.post(f"/admin/core/user/{resident.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    resident.refresh_from_db()
    assert resident.phone == "13600000000"
    change = AuditLog.objects.get(action="update")
    assert change.fields == ["phone"] and change.actor == root
