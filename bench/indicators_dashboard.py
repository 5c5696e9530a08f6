"""Indicator dashboard: server time of the district dashboard read from the daily snapshots against the same
figures computed from the raw rows, in the same run (the ratio is what counts; absolute times are noisy on a
shared machine). Also: one snapshot day (every indicator for every area) and the report.

By default it loads the demo into a throwaway SQLite data dir; `--data-dir DIR` uses an existing one
(e.g. one with `linli demo` loaded, or set DATABASE_URL for PostgreSQL).

    .venv/bin/python bench/indicators_dashboard.py [--repeat 20] [--data-dir /tmp/data-ind]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import table


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--data-dir", default="")
    args = parser.parse_args()
    tmp = None
    if not args.data_dir:
        tmp = tempfile.TemporaryDirectory(prefix="linli-bench-")
        args.data_dir = tmp.name
        os.environ.pop("DATABASE_URL", None)
    os.environ.update({"DJANGO_SETTINGS_MODULE": "linli.config.settings", "LINLI_DATA_DIR": args.data_dir})
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from linli.areas.models import Area
    from linli.core.models import User
    from linli.demo.services import demo_load
    from linli.indicators.report import report_generate
    from linli.indicators.selectors import dashboard
    from linli.indicators.services import snapshot_take

    call_command("migrate", verbosity=0)
    if not Area.objects.exists():
        demo_load()
    district = User.objects.get(username="district")
    code = "990102000000"
    today = timezone.localdate()
    t0 = time.perf_counter()
    snapshot_take(day=today)
    snapshot_seconds = time.perf_counter() - t0

    def timed(live: bool) -> list[float]:
        out = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            board = dashboard(viewer=district, code=code, as_of=today, live=live)
            out.append(time.perf_counter() - t)
            assert board.source == ("live" if live else "snapshot")
        return out

    timed(False)  # warm up both paths once
    snap, raw = timed(False), timed(True)
    t0 = time.perf_counter()
    report_generate(area_code=code, year=today.year)
    report_seconds = time.perf_counter() - t0
    rows = [
        ["dashboard from snapshots", statistics.median(snap) * 1000, p95(snap) * 1000],
        ["dashboard from raw rows", statistics.median(raw) * 1000, p95(raw) * 1000],
    ]
    print(f"database: {connection.vendor}; areas: {Area.objects.count()}; repeat: {args.repeat}")
    print(table(["path", "median ms", "p95 ms"], rows))
    print(f"ratio raw / snapshot (median): {statistics.median(raw) / statistics.median(snap):.1f}x")
    print(f"one snapshot day (every indicator, every area): {snapshot_seconds:.2f} s")
    print(f"report (.docx + annex): {report_seconds:.2f} s")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
