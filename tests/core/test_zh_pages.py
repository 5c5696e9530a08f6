"""Pages a client reads in Chinese: no codes, file names, settings names or raw result dicts; internal pages
are staff's; a resident is never sent to a page that refuses them."""

from __future__ import annotations

from django.test import Client

from linli.cases.services import request_file, request_transition
from linli.core.enums import Role
from linli.jobs.models import Job
from tests.bookings.conftest import centre, make_session  # noqa: F401 - fixtures
from tests.cases.conftest import at, calendar2026, rtype  # noqa: F401 - fixtures
from tests.conftest import login, make_user
from tests.facilities.conftest import registry  # noqa: F401 - fixture


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_internal_pages_are_staff_only(client, users):
    login(client, users["resident"])
    for url in ("/catalog/", "/catalog/types/", "/requests/types/", "/jobs/"):
        assert client.get(url).status_code == 403, url


def test_error_pages_keep_codes_to_the_api(client, users):
    login(client, users["resident"])
    body = client.get("/jobs/").content.decode()
    visible = body.split('data-code="forbidden">')[1]  # the code stays an attribute for tests and scripts
    assert "forbidden" not in visible and "代码" not in visible


def test_codes_only_for_those_who_edit_the_catalogue(client, users, registry):  # noqa: F811
    login(client, users["town"])
    assert "elderly-meals" not in page(client, "/catalog/")
    assert "nc-community" not in page(client, "/catalog/types/")
    client.logout()
    login(client, users["district"])
    assert "elderly-meals" in page(client, "/catalog/")  # the district edits the catalogue by its codes


def test_job_pages_show_a_labelled_summary_not_the_result_dict(client, users):
    login(client, users["district"])
    job = Job.objects.create(
        kind="planning.siting", title="选址", status="succeeded", created_by=users["district"],
        result={"run": 1, "sites": 3, "optimal": True, "gap": 0.0, "covered_before": 1000, "covered_after": 1500,
                "url": "/planning/siting/runs/1/"},
    )  # fmt: skip
    body = page(client, f"/jobs/{job.pk}/")
    assert "选定选址数" in body and "已证明最优" in body and "1,500" in body
    for raw in ("covered_before", "optimal", "True", "gap"):
        assert raw not in body.split('data-testid="job-result"')[1], raw
    assert 'href="/planning/siting/runs/1/"' in body


def test_the_jobs_list_is_paginated_without_error_details(client, users):
    login(client, users["district"])
    for n in range(30):
        Job.objects.create(
            kind="areas.import", title=f"导入{n}", status="failed", created_by=users["district"],
            error={"code": "invalid_rows", "message": "文件中有问题", "detail": {"errors": [{"row": 2}]}},
        )  # fmt: skip
    first = page(client, "/jobs/")
    assert first.count("/jobs/") - first.count('href="/jobs/"') >= 25
    assert "文件中有问题" not in first and "invalid_rows" not in first
    assert "?page=2" in first
    assert "导入0" in page(client, "/jobs/?page=2")


def test_a_residents_facility_breadcrumb_leads_to_services_near_me(client, users, registry):  # noqa: F811
    login(client, users["resident"])
    body = page(client, "/facilities/F990102001001-01/")
    crumbs = body.split('data-testid="breadcrumbs"')[1].split("</nav>")[0]
    assert "/services/" in crumbs and '/facilities/"' not in crumbs


def test_no_settings_names_file_names_or_solver_codes(client, users, area_tree):
    login(client, users["district"])
    assert "LINLI_TILE_URL" not in page(client, "/areas/990102001001/")
    body = page(client, "/planning/siting/")
    assert "mclp" not in body.split("<form")[0] + body.split("</form>")[-1]


def test_the_compliance_page_cites_documents_by_title(client, users, area_tree):
    login(client, users["district"])
    body = page(client, "/planning/compliance/?area=990102001000")
    for bad in ("default.toml", "seed", "种子文件", "000_", "Stated in the seed"):
        assert bad not in body, bad
    assert "《推动公共服务进村进社区调研报告》" in body
    assert "由规划人员" in body  # N is a parameter the planner sets, not a published figure


def test_a_paused_request_shows_time_left_and_since_when(client, users, calendar2026, rtype):  # noqa: F811
    request = request_file(actor=users["resident"], request_type=rtype, description="x", now=at(2026, 9, 14, 10))
    request_transition(actor=users["community"], request=request, action="accept", now=at(2026, 9, 14, 10))
    request = request_transition(
        actor=users["community"], request=request, action="ask_resident", note="缺照片", now=at(2026, 9, 15, 10)
    )
    login(client, users["resident"])
    body = page(client, f"/requests/{request.pk}/")
    facts = body.split('data-testid="facts"')[1].split("</dl>")[0]
    assert 'data-testid="paused"' in facts and "2026-09-15 10:00" in facts
    assert request.deadline_at.astimezone().strftime("%Y-%m-%d %H:%M") not in facts


def test_services_near_me_says_when_it_stopped_and_when_no_place_was_chosen(client, registry, monkeypatch):  # noqa: F811
    from linli.catalog import public_views

    body = page(client, "/services/?area=&radius=2000")
    assert 'data-testid="missing-place"' in body
    monkeypatch.setattr(public_views, "RESULTS", 0)
    body = page(client, "/services/?area=990102001001&radius=2000")
    assert 'data-more="1"' in body
    monkeypatch.setattr(public_views, "RESULTS", 20)
    body = page(client, "/services/?area=990102001001&radius=2000")
    assert 'data-more="0"' in body


def test_an_evaluator_sees_the_staff_navigation_a_resident_does_not(client, users, db):
    make_user("eva", Role.EVALUATOR, scope="990102")
    login(client, users["resident"])
    assert 'data-testid="staff-nav"' not in page(client, "/")
    client.logout()
    login(client, users["district"])
    assert 'data-testid="staff-nav"' in page(client, "/")


def test_staff_session_lists_start_today(client, users, make_session):  # noqa: F811
    import datetime as dt

    past = make_session(title="上月的课", starts_in=-dt.timedelta(days=30))
    later = make_session(title="下周的课", starts_in=dt.timedelta(days=7))
    soon = make_session(title="明天的课", starts_in=dt.timedelta(days=1))
    login(client, users["community"])
    body = page(client, "/activities/manage/")
    table = body.split('data-testid="session-table"')[1]
    assert past.activity.title not in table
    assert table.index(soon.activity.title) < table.index(later.activity.title)  # soonest first
    assert past.activity.title in page(client, "/activities/manage/?when=past")
