"""Jobs record their progress and result; a failure keeps the error; pages and the CLI show them."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from linli.core.errors import ApplicationError
from linli.jobs.enums import JobStatus
from linli.jobs.models import Job
from linli.jobs.registry import job_handler
from linli.jobs.services import job_create, job_run, job_start
from tests.conftest import login

seen: list[tuple[int, int]] = []


@job_handler("test.count")
def count_job(job, progress):
    for i in range(job.params["n"] + 1):
        progress(i, job.params["n"], f"step {i}")
        seen.append((i, Job.objects.get(pk=job.pk).total))
    return {"counted": job.params["n"]}


@job_handler("test.fail")
def failing_job(job, progress):
    progress(1, 4, "working")
    raise ApplicationError("bad_thing", "It went wrong.", {"errors": [{"row": 3, "field": "x", "message": "bad"}]})


@job_handler("test.crash")
def crashing_job(job, progress):
    raise RuntimeError("boom")


def test_progress_is_stored_and_result_kept(db):
    job = job_run(job_id=str(job_create(kind="test.count", title="count", params={"n": 3}, user=None).pk))
    assert job.status == JobStatus.SUCCEEDED and job.result == {"counted": 3}
    assert job.percent == 100 and job.started_at and job.finished_at
    assert seen[0] == (0, 3)  # the first report reached the database while the job ran


def test_application_error_is_kept_with_detail(db):
    job = job_run(job_id=str(job_create(kind="test.fail", title="fail", params={}, user=None).pk))
    assert job.status == JobStatus.FAILED
    assert job.error["code"] == "bad_thing" and job.error["detail"]["errors"][0]["row"] == 3
    assert job.done == 1 and job.total == 4


def test_unexpected_exception_fails_the_job(db):
    job = job_run(job_id=str(job_create(kind="test.crash", title="crash", params={}, user=None).pk))
    assert job.status == JobStatus.FAILED and "boom" in job.error["message"]


def test_unknown_kind_is_refused(db):
    with pytest.raises(LookupError):
        job_create(kind="nope", title="x", params={}, user=None)


def test_enqueued_job_runs_through_huey(users, django_capture_on_commit_callbacks):
    # Tests run huey in immediate mode: the real task, executed in-process on commit.
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.count", title="count", params={"n": 2}, user=users["district"])
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_job_page_polls_until_finished(client, users):
    job = job_create(kind="test.count", title="count", params={"n": 2}, user=users["district"])
    login(client, users["district"])
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and 'data-status="pending"' in page
    job_run(job_id=str(job.pk))
    panel = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert 'data-status="succeeded"' in panel and "hx-trigger" not in panel
    client.force_login(users["town"])
    assert client.get(f"/jobs/{job.pk}/").status_code == 404


def test_failed_import_page_lists_every_row(client, users):
    job = job_run(job_id=str(job_create(kind="test.fail", title="fail", params={}, user=users["district"]).pk))
    login(client, users["district"])
    panel = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert 'data-testid="row-errors"' in panel and "<td>3</td>" in panel


def test_cli_watch_shows_the_outcome(db):
    job = job_run(job_id=str(job_create(kind="test.count", title="count", params={"n": 1}, user=None).pk))
    out = io.StringIO()
    call_command("job", str(job.pk), stdout=out)
    assert "count: 完成" in out.getvalue()
    listing = io.StringIO()
    call_command("job", stdout=listing)
    assert str(job.pk) in listing.getvalue()


def test_system_jobs_are_seen_by_district_staff_only(client, users):
    """A job started from the command line (the demo, a whole-file import) touches the whole district: a
    town's or a community's staff do not see it or its result; each still sees the jobs they started."""
    from linli.jobs.selectors import jobs_visible

    system = job_create(kind="test.count", title="count", params={"n": 1}, user=None)
    mine = job_create(kind="test.count", title="count", params={"n": 1}, user=users["town"])
    assert set(jobs_visible(viewer=users["district"])) == {system}
    assert set(jobs_visible(viewer=users["town"])) == {mine}
    assert set(jobs_visible(viewer=users["community"])) == set()
    login(client, users["town"])
    assert client.get(f"/jobs/{system.pk}/").status_code == 404
    assert client.get(f"/jobs/{mine.pk}/").status_code == 200
