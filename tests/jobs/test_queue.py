"""The real task queue: a command line hands a job to huey (SQLite storage, or Redis when REDIS_URL is
set) and a separate `linli run_huey` worker process runs it against the same database."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time

import pytest
from django.conf import settings
from openpyxl import Workbook

from linli.areas.models import Area
from linli.jobs.enums import JobStatus
from linli.jobs.models import Job


def database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_worker_process_runs_a_queued_import(area_tree, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["区划代码", "名称", "户数", "0-2岁", "3-5岁", "6-14岁", "15-59岁", "60-79岁", "80岁以上"])
    for i in range(1, 41):
        ws.append([f"990102001{100 + i:03d}", f"新社区{i}", 100, 1, 2, 3, 40, 10, 2])
    buf = io.BytesIO()
    wb.save(buf)
    source = tmp_path / "big.xlsx"
    source.write_bytes(buf.getvalue())

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "linli.config.settings",
        "DATABASE_URL": database_url(),
        "LINLI_DATA_DIR": str(settings.DATA_DIR),
        "LINLI_HUEY_IMMEDIATE": "0",
    }
    queued = subprocess.run(
        [sys.executable, "-m", "linli", "import_areas", str(source), "--queue"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    job_id = re.search(r"([0-9a-f]{8}-[0-9a-f-]{27})", queued.stdout).group(1)
    assert Job.objects.get(pk=job_id).status == JobStatus.PENDING

    worker = subprocess.Popen(
        [sys.executable, "-m", "linli", "run_huey", "--workers", "1", "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 300  # a bound against a stuck worker, not a judgement of speed
        job = Job.objects.get(pk=job_id)
        while not job.finished and time.monotonic() < deadline:
            time.sleep(0.3)
            job.refresh_from_db()
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert job.status == JobStatus.SUCCEEDED, (job.status, job.error, worker.stderr.read() if worker.stderr else "")
    assert job.result["created"] == 40
    assert Area.objects.filter(code__startswith="990102001", name__startswith="新社区").count() == 40

    watched = subprocess.run(
        [sys.executable, "-m", "linli", "job", job_id], env=env, capture_output=True, text=True, timeout=300
    )
    assert watched.returncode == 0 and "完成" in watched.stdout
