"""Personal data leftovers of issue 12 (Medium list), each checked through the API as the attack was made."""

from __future__ import annotations

from linli.core.models import AuditLog
from linli.facilities.models import Operator
from tests.conftest import login
from tests.facilities.conftest import credit_code, registry  # noqa: F401  (the fixture)


def test_operator_contacts_are_unmasked_only_in_scope_and_every_unmasked_read_is_audited(client, users, registry):  # noqa: F811
    """Any community staff read the unmasked contact phones of all operators district-wide, unlogged. Now:
    only operators registered in their scope or running a facility there (the registry's operator runs
    their centre), and each read is in the audit log."""
    far = Operator.objects.create(
        name="远方物业", kind="company", credit_code=credit_code("91990102MA0000099"), area_code="990102002001",
        contact_name="钱经理", contact_phone="13600002222",
    )  # fmt: skip
    login(client, users["community"])  # 990102001001
    rows = {row["id"]: row for row in client.get("/api/operators/").json()}
    assert rows[far.pk]["contact_phone"] != "13600002222" and "*" in rows[far.pk]["contact_phone"]
    assert rows[far.pk]["contact_name"] != "钱经理"
    assert rows[registry["operator"].pk]["contact_phone"] == "13800001111"  # runs their centre
    entry = AuditLog.objects.get(object_type="facilities.operator")
    assert entry.actor == users["community"] and entry.detail["operators"] == [registry["operator"].pk]
    login(client, users["other_community"])  # 990102002001: the far operator's own community
    rows = {row["id"]: row for row in client.get("/api/operators/").json()}
    assert rows[far.pk]["contact_phone"] == "13600002222"
    assert rows[registry["operator"].pk]["contact_phone"] != "13800001111"  # runs nothing of theirs

    login(client, users["district"])
    rows = {row["id"]: row for row in client.get("/api/operators/").json()}
    assert rows[far.pk]["contact_phone"] == "13600002222"
    entry = AuditLog.objects.filter(object_type="facilities.operator").latest("pk")
    assert entry.actor == users["district"] and entry.fields == ["contact_name", "contact_phone"]
    assert set(entry.detail["operators"]) == {far.pk, registry["operator"].pk}
