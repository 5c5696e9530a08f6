"""OCDS export (`linli ocds_export OUT.json`): releases per second and the peak memory of the exporting
process against the number of projects, on a fresh SQLite database in a throwaway data dir. The anchor is
the smallest run: the export streams project by project, so the peak memory must stay near the anchor's
while the file grows with the projects.

Each project is the KPI benchmark's contract (`bench/procurement_kpi.py`: five targets, one tender, one
lot, a contract) with its month of KPI observations.

    .venv/bin/python bench/procurement_ocds.py [--projects 100,1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_isolated, table
from procurement_kpi import build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", default="100,1000")
    args = parser.parse_args()
    sizes = sorted(int(x) for x in args.projects.split(","))
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as data_dir:
        os.environ.update({"DJANGO_SETTINGS_MODULE": "linli.config.settings", "LINLI_DATA_DIR": data_dir})
        os.environ.pop("DATABASE_URL", None)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from linli.areas.io import AreaRow
        from linli.areas.services import area_rows_write
        from linli.procurement import ocds
        from linli.procurement.services import kpi_compute

        call_command("migrate", verbosity=0)
        area_rows_write(
            rows=[
                AreaRow(row=1, code="990000000000", name="省"),
                AreaRow(row=2, code="990100000000", name="市"),
                AreaRow(row=3, code="990102000000", name="区"),
                AreaRow(row=4, code="990102001000", name="街道"),
                AreaRow(row=5, code="990102001001", name="社区", households=100),
            ]
        )
        month = dt.date(2026, 3, 1)
        rows = []
        anchor = None
        for n in sizes:
            build(n, 2, month)
            kpi_compute(month=month)
            out = Path(data_dir) / f"ocds-{n}.json"
            connection.close()  # the child opens its own connection

            def export(path: Path = out) -> int:
                with path.open("w", encoding="utf-8") as handle:
                    return ocds.stream_package(handle, "https://example.org/ocds", ocds.all_projects())

            seconds, peak, releases = run_isolated(export)
            anchor = anchor if anchor is not None else peak
            size = out.stat().st_size / 1e6
            rows.append([n, releases, seconds, releases / seconds if seconds else 0, size, peak, peak / anchor])
        print(table(["projects", "releases", "seconds", "releases/s", "file MB", "peak MiB", "peak / anchor"], rows))


if __name__ == "__main__":
    main()
