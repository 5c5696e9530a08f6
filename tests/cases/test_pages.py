"""Pages: the resident files and follows, staff see the queue (overdue highlighted), act, file for a
resident of their scope; request types; FAQ."""

from __future__ import annotations

from linli.cases.models import Consultation, ServiceRequest
from linli.cases.services import request_file
from linli.core.models import AuditLog
from tests.cases.conftest import at
from tests.conftest import login


def test_resident_files_and_sees_their_requests(client, users, rtype):
    login(client, users["resident"])
    page = client.get("/requests/new/")
    assert page.status_code == 200 and "老年人优待证" in page.content.decode()
    refused = client.post("/requests/new/", {"request_type": "elderly-card", "description": ""})
    assert refused.status_code == 400 and "description" in refused.content.decode()
    assert not ServiceRequest.objects.exists()
    done = client.post("/requests/new/", {"request_type": "elderly-card", "description": "办证"})
    request = ServiceRequest.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/requests/{request.pk}/"
    mine = client.get("/requests/").content.decode()
    assert 'data-testid="my-requests"' in mine and "老年人优待证" in mine


def test_staff_queue_highlights_overdue_and_actions_work(client, users, rtype):
    late = request_file(actor=users["resident"], request_type=rtype, description="late", now=at(2026, 9, 14, 10))
    login(client, users["community"])
    queue = client.get("/requests/").content.decode()
    assert 'class="overdue"' in queue and f'href="/requests/{late.pk}/"' in queue
    detail = client.get(f"/requests/{late.pk}/").content.decode()
    assert "13912345678" in detail and 'data-testid="do-accept"' in detail
    assert AuditLog.objects.filter(actor=users["community"], action="read").exists()
    assert client.post(f"/requests/{late.pk}/", {"do": "accept"}).status_code == 302
    late.refresh_from_db()
    assert late.state == "accepted"
    refused = client.post(f"/requests/{late.pk}/", {"do": "resolve"})
    assert refused.status_code == 409
    login(client, users["other_community"])
    assert client.get(f"/requests/{late.pk}/").status_code == 404


def test_staff_file_for_a_resident_of_their_scope(client, users, rtype):
    login(client, users["community"])
    page = client.get("/requests/new/").content.decode()
    assert "resident_b" not in page and f'value="{users["resident"].pk}"' in page
    client.post(
        "/requests/new/", {"resident": users["resident_b"].pk, "request_type": "elderly-card", "description": "x"}
    )
    assert not ServiceRequest.objects.exists()
    client.post(
        "/requests/new/", {"resident": users["resident"].pk, "request_type": "elderly-card", "description": "x"}
    )
    request = ServiceRequest.objects.get()
    assert request.resident == users["resident"] and request.filed_by == users["community"]


def test_types_page_and_public_faq(client, users, calendar2026):
    login(client, users["district"])
    refused = client.post("/requests/types/", {"code": "x", "name": "X", "deadline_days": ""})
    assert refused.status_code == 400 and "deadline_days" in refused.content.decode()
    assert client.post("/requests/types/", {"code": "x", "name": "X", "deadline_days": "3"}).status_code == 302
    Consultation.objects.create(
        asker=users["resident"], area_code="990102001001", question="q", answer="九点开门", is_faq=True,
        public_question="几点开门？",
    )  # fmt: skip
    client.logout()
    faq = client.get("/requests/faq/")
    assert faq.status_code == 200 and "几点开门？" in faq.content.decode() and "九点开门" in faq.content.decode()


def test_a_deadline_in_a_year_without_the_notice_is_marked_provisional(client, users, rtype, token_for):
    # 2026 is loaded, 2027 is not: 5 working days from Mon 28 Dec 2026 end on Tue 5 Jan 2027 (1 Jan off)
    late = request_file(actor=users["resident"], request_type=rtype, description="年底", now=at(2026, 12, 28, 10))
    early = request_file(actor=users["resident"], request_type=rtype, description="九月", now=at(2026, 9, 14, 10))
    assert late.deadline_at == at(2027, 1, 5, 10)
    login(client, users["resident"])
    assert "(暂定)" in client.get(f"/requests/{late.pk}/").content.decode()
    assert "(暂定)" not in client.get(f"/requests/{early.pk}/").content.decode()
    login(client, users["community"])
    queue = client.get("/requests/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert queue.count('data-testid="provisional"') == 1
    auth = token_for(users["resident"])
    rows = {r["id"]: r for r in client.get("/api/cases/requests", **auth).json()}
    assert rows[late.pk]["deadline_provisional"] is True and rows[early.pk]["deadline_provisional"] is False
