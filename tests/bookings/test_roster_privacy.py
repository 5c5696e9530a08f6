"""Who reads a session's roster (issue 12): the names of the residents who registered are personal data.
Evaluators, who need numbers and not names, are refused; an auditor's read is written to the audit log;
staff who serve the residents read it as before."""

from __future__ import annotations

from linli.bookings import registrations
from linli.core.models import AuditLog
from tests.conftest import login


def test_evaluators_do_not_read_rosters_and_auditors_reads_are_logged(client, make_session, users, token_for):
    session = make_session()
    registrations.registration_create(actor=users["resident"], session_id=session.pk)
    url = f"/api/bookings/sessions/{session.pk}/roster"

    assert client.get(url, **token_for(users["evaluator"])).status_code == 403
    login(client, users["evaluator"])
    page = client.get(f"/activities/sessions/{session.pk}/")
    assert page.status_code == 200 and b'data-testid="roster"' not in page.content

    assert not AuditLog.objects.filter(object_type="bookings.session").exists()
    audited = client.get(url, **token_for(users["auditor"]))
    assert [r["resident"] for r in audited.json()] == ["resident"]
    login(client, users["auditor"])
    assert b'data-testid="roster"' in client.get(f"/activities/sessions/{session.pk}/").content
    rows = AuditLog.objects.filter(object_type="bookings.session")
    assert [(r.actor, r.object_id, r.fields) for r in rows] == [(users["auditor"], str(session.pk), ["roster"])] * 2

    # Staff who serve the residents read it as before (their contact reads are logged where shown).
    assert client.get(url, **token_for(users["community"])).status_code == 200
    assert rows.count() == 2
