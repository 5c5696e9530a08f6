"""Workbench and audit log: server time of the home page of every demo role, and of the audit log with a
large log, on the demo district (SQLite, a throwaway data dir, or a copy of `--data-dir` with the demo
already loaded). Timings are in-process (Django's test client: view, queries, template), p50 and p95 of
`--repeat` requests after one warm-up.

Anchors in the same run: the anonymous home page (the same template without panels) for the workbench;
the superuser's audit log (no scope filter) for the scoped audit log.

    .venv/bin/python bench/workbench.py [--data-dir DIR] [--audit-rows 100000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import table

ROLES = ["resident", "community", "town", "district", "auditor", "leader", "operator"]


def timed(client: Any, url: str, repeat: int, **params: str) -> tuple[float, float, int]:
    """(p50 ms, p95 ms, status) of `repeat` GETs after one warm-up."""
    status = client.get(url, params).status_code
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        client.get(url, params)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, round(0.95 * len(samples)) - 1)], status


def fill_audit(rows: int) -> None:
    """`rows` audit entries like the ones linli writes: staff of random communities reading residents'
    contacts (core.user), changing facilities, failed logins."""
    import numpy as np

    from linli.core.enums import AuditAction, Role
    from linli.core.models import AuditLog, User
    from linli.facilities.models import Facility

    rng = np.random.default_rng(7)
    staff = list(User.objects.filter(role__in=[Role.COMMUNITY_STAFF, Role.TOWN_STAFF, Role.DISTRICT_ADMIN]))
    residents = list(User.objects.filter(role=Role.RESIDENT).values_list("pk", flat=True))
    facilities = list(Facility.objects.values_list("pk", flat=True)[:2000])
    batch = []
    for i in range(rows):
        kind = rng.random()
        actor = staff[int(rng.integers(len(staff)))]
        if kind < 0.7:
            entry = AuditLog(
                actor=actor,
                action=AuditAction.READ,
                object_type="core.user",
                object_id=str(residents[int(rng.integers(len(residents)))]),
                fields=["phone"],
            )
        elif kind < 0.95:
            entry = AuditLog(
                actor=actor,
                action=AuditAction.UPDATE,
                object_type="facilities.facility",
                object_id=str(facilities[int(rng.integers(len(facilities)))]),
                fields=["capacity"],
                detail={"capacity": ["100", "120"]},
            )
        else:
            entry = AuditLog(actor=None, action=AuditAction.LOGIN_FAILED, object_type="core.user",
                             object_id=f"guess{i}", detail={"username": f"guess{i}"})  # fmt: skip
        batch.append(entry)
        if len(batch) == 5000:
            AuditLog.objects.bulk_create(batch)
            batch = []
    AuditLog.objects.bulk_create(batch)  # all stamped now: the newest-first page is the case that matters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", help="a data dir with the demo already loaded (copied, never changed)")
    parser.add_argument("--audit-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as data_dir:
        if args.data_dir:
            shutil.copytree(args.data_dir, data_dir, dirs_exist_ok=True)
        os.environ.update(
            {"DJANGO_SETTINGS_MODULE": "linli.config.settings", "LINLI_DATA_DIR": data_dir, "LINLI_DEBUG": "1"}
        )
        os.environ.pop("DATABASE_URL", None)
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client

        from linli.core.enums import Role
        from linli.core.models import AuditLog, User
        from linli.demo.desk_history import demo_desk_load
        from linli.demo.services import demo_load

        settings.ALLOWED_HOSTS = ["*"]
        if not args.data_dir:
            call_command("migrate", verbosity=0)
            demo_load()
        demo_desk_load()

        rows = []
        anonymous = Client()
        p50, p95, _status = timed(anonymous, "/", args.repeat)
        rows.append(["anonymous home (anchor)", "-", p50, p95, 1.0])
        anchor = p50
        for name in ROLES:
            client = Client()
            client.force_login(User.objects.get(username=name))
            p50, p95, status = timed(client, "/", args.repeat)
            assert status == 200, (name, status)
            rows.append([f"workbench: {name}", "-", p50, p95, p50 / anchor])
        print(table(["page", "audit rows", "p50 ms", "p95 ms", "x anchor"], rows))

        fill_audit(args.audit_rows)
        total = AuditLog.objects.count()
        west = User.objects.create_user("bench-auditor-town", role=Role.AUDITOR, scope="990102001")
        root = User.objects.filter(is_superuser=True).first()
        rows = []
        cases: list[tuple[str, Any, dict[str, str]]] = [
            ("audit log: superuser, no scope filter (anchor)", root, {}),
            ("audit log: district auditor", User.objects.get(username="auditor"), {}),
            ("audit log: sub-district auditor", west, {}),
            ("audit log: district auditor, action=update", User.objects.get(username="auditor"), {"action": "update"}),
            ("audit log: district auditor, search '120'", User.objects.get(username="auditor"), {"q": "120"}),
            ("workbench: auditor", User.objects.get(username="auditor"), {}),
        ]
        anchor = 0.0
        for label, user, params in cases:
            client = Client()
            client.force_login(user)
            url = "/" if label.startswith("workbench") else "/audit/"
            p50, p95, status = timed(client, url, args.repeat, **params)
            assert status == 200, (label, status)
            anchor = anchor or p50
            rows.append([label, total, p50, p95, p50 / anchor])
        client = Client()
        client.force_login(west)
        t0 = time.perf_counter()
        response = client.get("/audit/", {"export": "xlsx"})
        export_ms = (time.perf_counter() - t0) * 1000
        assert response.status_code == 200
        exported = AuditLog.objects.latest("id").detail["rows"]
        rows.append([f"export .xlsx: sub-district auditor ({exported} rows)", total, export_ms, export_ms, "-"])
        # the floor of any export: core.tabular writing as many rows of the same width, no database
        from linli.core.tabular import Writer

        t0 = time.perf_counter()
        writer = Writer()
        line = ["2026-12-08 07:00:00", "张敏", "community", "查看", "用户", "12345", "电话", "", "10.0.0.1"]
        writer.sheet("floor", [str(i) for i in range(9)], (list(line) for _ in range(exported)))
        writer.content()
        floor_ms = (time.perf_counter() - t0) * 1000
        rows.append([f"floor: core.tabular.Writer, {exported} rows, no database", "-", floor_ms, floor_ms, "-"])
        print()
        print(table(["page", "audit rows", "p50 ms", "p95 ms", "x anchor"], rows))


if __name__ == "__main__":
    main()
