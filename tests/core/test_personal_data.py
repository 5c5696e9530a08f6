"""Phone and ID numbers: masked for roles that do not need them, every unmasked read logged."""

from linli.core.masking import mask_id_number, mask_phone
from linli.core.models import AuditLog
from linli.core.services import person_contact
from tests.conftest import login
from tests.facilities import conftest as facilities_conftest


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


registry = facilities_conftest.registry  # the small registry of tests/facilities, as a fixture here too


def test_operator_contact_masks_name_and_phone_together():
    from types import SimpleNamespace

    from linli.core.masking import is_masked, mask_name, operator_contact

    assert mask_name("赵经理") == "赵**" and mask_name("张") == "张*" and mask_name(" ") == ""
    operator = SimpleNamespace(contact_name="赵经理", contact_phone="13800001111")
    assert operator_contact(operator, visible=True) == {"contact_name": "赵经理", "contact_phone": "13800001111"}
    masked = operator_contact(operator, visible=False)
    assert masked == {"contact_name": "赵**", "contact_phone": "138****1111"}
    assert all(is_masked(value) for value in masked.values())
    assert operator_contact(None, visible=False) == {"contact_name": "", "contact_phone": ""}


def test_the_import_keeps_a_stored_contact_given_masked(registry, users):
    """A re-imported export carries the contact masked (赵**, 138****1111; older files *** for the name):
    that leaves the stored value. A masked value for a new operator cannot be stored."""
    import pytest

    from linli.core.errors import ApplicationError
    from linli.facilities.models import Operator
    from linli.interop.services import registry_import

    operator = registry["operator"]
    for masked_name in ("赵**", "***"):
        row = {"id": operator.pk, "name": operator.name, "kind": operator.kind, "area_code": operator.area_code,
               "contact_name": masked_name, "contact_phone": "138****1111",
               "address": f"东湖路 {masked_name}"}  # fmt: skip
        registry_import(actor=users["district"], kind="catalog", sheets={"operators": [(2, row)]}, source="x.xlsx")
        operator.refresh_from_db()
        assert (operator.contact_name, operator.contact_phone) == ("赵经理", "13800001111")
        assert operator.address == f"东湖路 {masked_name}"
    new = {"name": "新公司", "kind": "company", "area_code": "990102000000", "contact_name": "钱**"}
    with pytest.raises(ApplicationError) as exc:
        registry_import(actor=users["district"], kind="catalog", sheets={"operators": [(3, new)]}, source="x.xlsx")
    assert [e["field"] for e in exc.value.extra["errors"]] == ["operators.contact_name"]
    assert Operator.objects.count() == 1
