"""The audit log page `/audit/`: scoped to the auditor's area, filters (actor, action, object type, date
range), search, pagination that keeps the filter, Excel export of the same rows (itself audited), bad
input named by the form's label, and still append-only."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from linli.core.enums import AuditAction, Role
from linli.core.models import AuditLog, AuditLogAppendOnly
from linli.core.services import audit_record, login_failure_record, person_contact
from tests.conftest import login, make_user
from tests.facilities.conftest import registry  # noqa: F401  (the fixture)


@pytest.fixture
def west_auditor(db):
    """An auditor of the second sub-district (990102002) only."""
    return make_user("auditor-west", Role.AUDITOR, scope="990102002")


@pytest.fixture
def events(users, registry, rf):  # noqa: F811
    """Reads and changes in both sub-districts, by staff of each and by the district."""
    request = rf.get("/", REMOTE_ADDR="10.1.2.3")
    person_contact(viewer=users["community"], subject=users["resident"], request=request)
    east_read = AuditLog.objects.latest("id")
    person_contact(viewer=users["other_community"], subject=users["resident_b"])
    west_read = AuditLog.objects.latest("id")
    # district staff read a resident of the west sub-district: the west auditor sees it (the object's area)
    person_contact(viewer=users["district"], subject=users["resident_b"])
    # a change of a facility of the east community, by district staff
    audit_record(
        actor=users["district"],
        action=AuditAction.UPDATE,
        on=registry["facility"],
        fields=["capacity"],
        detail={"capacity": ["100", "120"]},
    )
    return {"east_read": east_read, "west_read": west_read}


def rows(page: str) -> int:
    return page.count("<tr data-entry=")


def test_auditor_of_one_sub_district_sees_only_its_rows(client, users, events, west_auditor):
    login(client, users["auditor"])
    district = client.get("/audit/").content.decode()
    assert rows(district) == 4
    login(client, west_auditor)
    west = client.get("/audit/").content.decode()
    # the west community's own read and the district's read of a west resident; nothing of the east
    assert rows(west) == 2
    assert "community" not in west.split("<tbody>")[1]
    assert "东湖邻里中心" not in west and "设施" not in west.split("<tbody>")[1]


def test_rows_read_in_words_not_codes(client, users, events):
    login(client, users["auditor"])
    page = client.get("/audit/").content.decode()
    body = page.split("<tbody>")[1]
    assert "core.user" not in body.replace('data-object-type="core.user"', "")
    assert "用户" in body and "查看" in body and "电话" in body  # model, action and field in Chinese
    assert "容量" in body  # the facility's changed field by its name
    assert "100 → 120" in body
    assert "{" not in body  # no raw dictionaries


def test_filters_actor_action_object_and_dates(client, users, events):
    login(client, users["auditor"])
    by_actor = client.get("/audit/", {"actor": "other"}).content.decode()
    assert rows(by_actor) == 1 and f'data-entry="{events["west_read"].pk}"' in by_actor
    updates = client.get("/audit/", {"action": "update"}).content.decode()
    assert rows(updates) == 1 and 'data-object-type="facilities.facility"' in updates
    users_only = client.get("/audit/", {"object_type": "core.user"}).content.decode()
    assert rows(users_only) == 3
    today = timezone.localdate()
    assert rows(client.get("/audit/", {"since": today.isoformat(), "until": today.isoformat()}).content.decode()) == 4
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert rows(client.get("/audit/", {"until": yesterday}).content.decode()) == 0
    # the filter's values stay in the form
    page = client.get("/audit/", {"actor": "other", "action": "read"}).content.decode()
    assert 'name="actor" value="other"' in page and '<option value="read" selected>' in page


def test_search_object_detail_address_and_chinese_type_name(client, users, events):
    login(client, users["auditor"])
    by_ip = client.get("/audit/", {"q": "10.1.2"}).content.decode()
    assert rows(by_ip) == 1 and f'data-entry="{events["east_read"].pk}"' in by_ip
    by_detail = client.get("/audit/", {"q": "120"}).content.decode()
    assert rows(by_detail) == 1 and 'data-object-type="facilities.facility"' in by_detail
    by_type_name = client.get("/audit/", {"q": "设施"}).content.decode()
    assert 'data-object-type="facilities.facility"' in by_type_name
    assert 'data-object-type="core.user"' not in by_type_name
    assert rows(client.get("/audit/", {"q": "nothing-like-this"}).content.decode()) == 0


def test_bad_filter_is_refused_naming_the_field(client, users, events):
    login(client, users["auditor"])
    response = client.get("/audit/", {"since": "2026-13-40", "action": "burn"})
    page = response.content.decode()
    assert response.status_code == 400
    error = page.split('data-testid="audit-error">')[1].split("</div>")[0]
    assert "起始日期: 不是日期（YYYY-MM-DD）" in error and "操作: 不是有效的值" in error
    assert 'value="2026-13-40"' in page  # what was typed stays in the form
    assert rows(page) == 0
    # PostgreSQL would fail on it: refused before any query (by `core.middleware.CleanInputMiddleware`)
    nul = client.get("/audit/", {"q": "a\x00b"})
    assert nul.status_code == 400 and rows(nul.content.decode()) == 0
    backwards = client.get("/audit/", {"since": "2026-05-02", "until": "2026-05-01"})
    assert backwards.status_code == 400 and "截止日期: 不能早于起始日期" in backwards.content.decode()


def test_export_has_the_filtered_rows_and_is_itself_audited(client, users, events):
    login(client, users["auditor"])
    before = AuditLog.objects.count()
    response = client.get("/audit/", {"action": "read", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:5] == ("时间", "操作人", "用户名", "操作", "对象")
    assert len(values) == 1 + 3 and {v[3] for v in values[1:]} == {"查看"}
    assert {v[2] for v in values[1:]} == {"community", "other", "district"}
    notes = {row[0]: row[1] for row in book.worksheets[1].iter_rows(values_only=True)}
    assert notes["行数"] == 3 and notes["操作"] == "查看"
    exported = AuditLog.objects.order_by("-id").first()
    assert AuditLog.objects.count() == before + 1
    assert exported.action == AuditAction.EXPORT and exported.actor == users["auditor"]
    assert exported.object_type == "core.auditlog" and exported.detail == {"rows": 3, "action": "read"}


def test_export_escapes_formulas(client, users, db):
    login_failure_record(username='=HYPERLINK("http://x")', request=None)  # type: ignore[arg-type]
    root = make_user("root-auditor", Role.AUDITOR, scope="")
    root.is_superuser = True
    root.save()
    login(client, root)
    response = client.get("/audit/", {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    cells = [c for row in sheet.iter_rows(min_row=2, values_only=True) for c in row if isinstance(c, str)]
    assert any("HYPERLINK" in c for c in cells) and not any(c.startswith("=") for c in cells)


def test_pagination_keeps_the_filter(client, users, db):
    for _ in range(55):
        audit_record(actor=users["community"], action=AuditAction.READ, on=users["resident"], fields=["phone"])
    audit_record(actor=users["community"], action=AuditAction.UPDATE, on=users["resident"], fields=["phone"])
    login(client, users["auditor"])
    first = client.get("/audit/", {"action": "read"}).content.decode()
    assert rows(first) == 50 and "共 55 条" in first
    assert "?action=read&amp;page=2" in first
    second = client.get("/audit/", {"action": "read", "page": "2"}).content.decode()
    assert rows(second) == 5


def test_failed_logins_scoped_by_the_user_tried(client, users, west_auditor, rf):
    login_failure_record(username="resident_b", request=rf.get("/"))  # a west resident
    login_failure_record(username="resident", request=rf.get("/"))  # an east resident
    login(client, west_auditor)
    page = client.get("/audit/", {"action": "login_failed"}).content.decode()
    assert rows(page) == 1 and "resident_b" in page


def test_only_auditors_read_the_log(client, users, events):
    for role in ("resident", "community", "district", "operator", "evaluator"):
        login(client, users[role])
        assert client.get("/audit/").status_code == 403
        assert client.get("/audit/", {"export": "xlsx"}).status_code == 403
    client.logout()
    assert client.get("/audit/").status_code == 302


def test_the_log_stays_append_only(users, events):
    entry = AuditLog.objects.first()
    with pytest.raises(AuditLogAppendOnly):
        AuditLog.objects.filter(pk=entry.pk).update(action="delete")
    with pytest.raises(AuditLogAppendOnly):
        entry.delete()
    with pytest.raises(DatabaseError), connection.cursor() as cursor:  # the database trigger, below the ORM
        cursor.execute(f"DELETE FROM {AuditLog._meta.db_table} WHERE id = %s", [entry.pk])


def test_export_is_capped_and_says_so(client, users, events, monkeypatch):
    monkeypatch.setattr("linli.core.audit_export.EXPORT_LIMIT", 2)
    login(client, users["auditor"])
    book = openpyxl.load_workbook(io.BytesIO(client.get("/audit/", {"export": "xlsx"}).content))
    assert book.worksheets[0].max_row == 1 + 2
    notes = {row[0]: row[1] for row in book.worksheets[1].iter_rows(values_only=True)}
    assert notes["行数"] == 2 and "仅导出最新的 2 行" in notes["备注"]


def test_rows_naming_no_area_go_to_district_auditors_only(client, users, west_auditor, rf):
    audit_record(actor=None, action=AuditAction.IMPORT, object_type="catalog.serviceitem", detail={"rows": 3})
    login_failure_record(username="admin1", request=rf.get("/"))  # a guess: nobody is called so
    login(client, users["auditor"])  # scope 990102: a whole district
    assert rows(client.get("/audit/").content.decode()) == 2
    login(client, west_auditor)
    assert rows(client.get("/audit/").content.decode()) == 0
