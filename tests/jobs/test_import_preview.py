"""Every import shows what it will change before it writes (areas, the registry, the calendar file): the
preview writes nothing, the confirmation applies exactly what was previewed, or refuses when the data
changed meanwhile; one preview is confirmed at most once, by whoever uploaded it; the command line has
--dry-run; a failed import says failed, not a percentage."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from openpyxl import Workbook

from linli.areas.models import Area, AreaPopulation
from linli.areas.services import area_import_start
from linli.core.calendar import calendar_file_load
from linli.core.errors import ApplicationError
from linli.core.models import AuditLog, CalendarDay
from linli.jobs.enums import JobStatus
from linli.jobs.models import Job
from linli.jobs.services import awaits_confirmation, job_confirm, job_run
from tests.conftest import login

HEADER = ["区划代码", "名称", "城乡类型", "户数", "0-2岁"]


def xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def preview(user, content: bytes, name: str = "a.xlsx") -> Job:
    return job_run(job_id=str(area_import_start(actor=user, name=name, content=content, enqueue=False).pk))


def state() -> list:
    return sorted(Area.objects.values_list("code", "name", "kind", "households")) + sorted(
        AreaPopulation.objects.values_list("area__code", "age_group", "count")
    )


CHANGE = [
    ["990102001001", "东湖新社区", "城镇", 1200, 60],  # renamed, households 1000 -> 1200, 0-2岁 60 unchanged
    ["990102001009", "新建社区", "城镇", 10, 1],  # new
    ["990102001002", "湖滨社区", "城镇", 800, 50],  # unchanged
]


def test_a_preview_writes_nothing_and_lists_each_change_by_the_sheets_header(area_tree, users):
    before, audits = state(), AuditLog.objects.count()
    job = preview(users["district"], xlsx(CHANGE))
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert state() == before and AuditLog.objects.count() == audits
    result = job.result["preview"]
    assert (result["create"], result["update"], result["unchanged"]) == (1, 1, 1)
    rows = {r["key"]: r for r in result["rows"]}
    assert rows["990102001009"]["action"] == "create"
    assert rows["990102001001"]["changes"] == [
        {"field": "名称", "old": "东湖社区", "new": "东湖新社区"},
        {"field": "户数", "old": "1000", "new": "1200"},
    ]
    assert "990102001002" not in rows  # unchanged rows are counted, not listed
    assert awaits_confirmation(job)
    assert (Path(settings.DATA_DIR) / job.params["path"]).exists()  # kept for the confirmation


def test_confirming_applies_exactly_the_preview_once(area_tree, users):
    job = preview(users["district"], xlsx(CHANGE))
    applied = job_run(job_id=str(job_confirm(actor=users["district"], job=job, enqueue=False).pk))
    assert applied.status == JobStatus.SUCCEEDED, applied.error
    assert Area.objects.get(code="990102001001").name == "东湖新社区"
    assert Area.objects.get(code="990102001001").households == 1200
    assert Area.objects.filter(code="990102001009").exists()
    assert applied.result["preview"]["fingerprint"] == job.result["preview"]["fingerprint"]
    assert not (Path(settings.DATA_DIR) / job.params["path"]).exists()
    job.refresh_from_db()
    with pytest.raises(ApplicationError) as exc:
        job_confirm(actor=users["district"], job=job, enqueue=False)
    assert exc.value.code == "not_awaiting"
    assert Job.objects.filter(kind="areas.import").count() == 2


def test_a_confirmation_after_the_data_changed_writes_nothing(area_tree, users):
    job = preview(users["district"], xlsx(CHANGE))
    Area.objects.filter(code="990102001002").update(households=801)  # someone else edits meanwhile
    before = state()
    applied = job_run(job_id=str(job_confirm(actor=users["district"], job=job, enqueue=False).pk))
    assert applied.status == JobStatus.FAILED
    assert applied.error["code"] == "changed_meanwhile"
    assert state() == before


def test_only_the_uploader_confirms(area_tree, users):
    job = preview(users["district"], xlsx(CHANGE))
    with pytest.raises(ApplicationError) as exc:
        job_confirm(actor=users["town"], job=job, enqueue=False)
    assert exc.value.status == 403
    assert awaits_confirmation(Job.objects.get(pk=job.pk))


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_start_one_import(area_tree, users):
    job = preview(users["district"], xlsx(CHANGE))
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def confirm() -> None:
        try:
            barrier.wait()
            job_confirm(actor=users["district"], job=Job.objects.get(pk=job.pk), enqueue=False)
            outcomes.append("ok")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["not_awaiting", "ok"]
    assert Job.objects.filter(kind="areas.import", params__mode="apply").count() == 1


def test_the_job_page_shows_the_preview_and_confirms_it(area_tree, users, client: Client):
    login(client, users["district"])
    job = preview(users["district"], xlsx(CHANGE))
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-testid="import-preview"' in page and 'data-testid="confirm-import"' in page
    assert "东湖社区" in page and "东湖新社区" in page and "户数" in page
    assert "fingerprint" not in page and "{" not in page.split('data-testid="import-preview"')[1].split("</section>")[0]
    response = client.post(f"/jobs/{job.pk}/", {"action": "confirm"})
    assert response.status_code == 302
    applied = Job.objects.get(params__preview_of=str(job.pk))
    assert response["Location"] == f"/jobs/{applied.pk}/"
    again = client.post(f"/jobs/{job.pk}/", {"action": "confirm"})
    assert again.status_code == 400 and 'data-testid="confirm-error"' in again.content.decode()


def test_discarding_deletes_the_file_and_writes_nothing(area_tree, users, client: Client):
    login(client, users["district"])
    before = state()
    job = preview(users["district"], xlsx(CHANGE))
    assert client.post(f"/jobs/{job.pk}/", {"action": "discard"}).status_code == 302
    assert not (Path(settings.DATA_DIR) / job.params["path"]).exists()
    assert not awaits_confirmation(Job.objects.get(pk=job.pk))
    assert state() == before


def test_a_failed_import_says_failed_not_a_percentage(area_tree, users, client: Client):
    login(client, users["district"])
    job = preview(users["district"], xlsx([["990102001001", "", "城镇", -1, 1]]))
    Job.objects.filter(pk=job.pk).update(done=62, total=100)
    page = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "失败" in page and "62%" not in page and "62 / 100" not in page
    assert 'data-testid="row-errors"' in page and "户数" in page


def test_the_command_line_dry_run_writes_nothing(area_tree, tmp_path):
    source = tmp_path / "a.xlsx"
    source.write_bytes(xlsx(CHANGE))
    before = state()
    out = io.StringIO()
    call_command("import_areas", str(source), "--dry-run", stdout=out)
    text = out.getvalue()
    assert "未写入" in text or "nothing was written" in text
    assert "户数: 1000 → 1200" in text and "名称: 东湖社区 → 东湖新社区" in text
    assert state() == before
    dry = Job.objects.get(kind="areas.import")
    assert dry.params["mode"] == "preview" and not (Path(settings.DATA_DIR) / dry.params["path"]).exists()
    call_command("import_areas", str(source), stdout=io.StringIO())
    assert Area.objects.get(code="990102001001").households == 1200


def test_the_calendar_file_previews_days_added_changed_and_removed(db, tmp_path):
    CalendarDay.objects.create(date="2027-01-01", kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    CalendarDay.objects.create(date="2027-02-06", kind=CalendarDay.Kind.HOLIDAY, name="春节")
    CalendarDay.objects.create(date="2027-05-01", kind=CalendarDay.Kind.HOLIDAY, name="劳动")
    path = tmp_path / "2027.csv"
    path.write_text("日期,类型,名称\n2027-01-01,休,元旦\n2027-02-06,班,春节\n2027-10-01,休,国庆节\n", encoding="utf-8")
    result = calendar_file_load(path, dry_run=True)
    assert CalendarDay.objects.count() == 3  # nothing written
    rows = {r["key"]: r for r in result["preview"]["rows"]}
    assert (
        rows["2027-02-06"]["changes"] == [{"field": "类型", "old": "节假日", "new": "调休上班"}]
        or rows["2027-02-06"]["changes"][0]["field"] == "类型"
    )
    assert rows["2027-05-01"]["action"] == "delete" and rows["2027-10-01"]["action"] == "create"
    assert result["preview"]["unchanged"] == 1
    out = io.StringIO()
    call_command("calendar_load", "--file", str(path), "--dry-run", stdout=out)
    assert "2027-05-01" in out.getvalue() and CalendarDay.objects.count() == 3
    calendar_file_load(path)
    assert sorted(str(d) for d in CalendarDay.objects.values_list("date", flat=True)) == [
        "2027-01-01",
        "2027-02-06",
        "2027-10-01",
    ]
