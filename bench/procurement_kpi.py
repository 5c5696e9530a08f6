"""Monthly KPI computation (`linli kpi_compute`) for every contract: seconds and SQL queries against the
number of contracts, on a fresh SQLite database in a throwaway data dir. The anchor is the smallest run of
the same process: the number of read queries must stay the same whatever the number of contracts (one
grouped query per metric kind, never one per contract; the observations are written in batches), and the
seconds grow with the rows, not contracts x rows.

Each contract covers one facility that holds `--sessions` sessions in the month with 5 registrations each
(attended or no-show); the project has the five targets (sessions,
check-ins, attendance, on-time rate, satisfaction).

    .venv/bin/python bench/procurement_kpi.py [--contracts 10,100,1000] [--sessions 8]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import table


def build(n: int, sessions: int, month: dt.date) -> None:
    from django.utils import timezone

    from linli.areas.models import Area
    from linli.bookings.models import Activity, Registration, Session
    from linli.core.enums import Role
    from linli.core.models import User
    from linli.facilities.models import Facility, FacilityType, Operator
    from linli.procurement.models import Contract, ContractFacility, Lot, Project, Target, Tender

    area = Area.objects.get(code="990102001001")
    ftype, _ = FacilityType.objects.get_or_create(code="bench-centre", defaults={"name": "中心", "family": "other"})
    operator, _ = Operator.objects.get_or_create(
        name="bench", defaults={"kind": "company", "area_code": "990102000000"}
    )
    people = [User.objects.get_or_create(username=f"bench-r{i}", defaults={"role": Role.RESIDENT})[0] for i in range(5)]
    start = timezone.make_aware(dt.datetime.combine(month, dt.time(9)))
    existing = Contract.objects.count()
    for k in range(existing, n):
        fac = Facility.objects.create(
            code=f"B{k:06d}", name=f"设施{k}", facility_type=ftype, area=area, area_code=area.code, lon=120, lat=30
        )
        project = Project.objects.create(
            title=f"p{k}", year=month.year, domain="elderly", area_code=area.code, budget=1000
        )
        for metric, goal in (
            ("sessions", 8),
            ("checkins", 30),
            ("attendance", 80),
            ("on_time", 90),
            ("satisfaction", 4),
        ):
            Target.objects.create(project=project, metric=metric, target=goal)
        tender = Tender.objects.create(
            project=project, notice="n", opens_at=start - dt.timedelta(days=60),
            closes_at=start - dt.timedelta(days=50), weight_technical=50, weight_price=30, weight_credit=20,
        )  # fmt: skip
        lot = Lot.objects.create(tender=tender, number=1, title="l", budget=1000)
        contract = Contract.objects.create(
            project=project, area_code=area.code, lot=lot, operator=operator, number=f"B-{k}", amount=1000,
            starts_on=month - dt.timedelta(days=40), ends_on=month + dt.timedelta(days=300), signed_at=start,
        )  # fmt: skip
        ContractFacility.objects.create(contract=contract, facility=fac)
        activity = Activity.objects.create(facility=fac, area_code=area.code, title="a", domain="elderly")
        regs = []
        for s in range(sessions):
            at = start + dt.timedelta(days=s)
            session = Session.objects.create(
                activity=activity, area_code=area.code, starts_at=at, ends_at=at + dt.timedelta(hours=1), capacity=10,
                opens_at=at - dt.timedelta(days=3), closes_at=at,
            )  # fmt: skip
            for i, person in enumerate(people):
                ok = i < 4
                regs.append(
                    Registration(
                        session=session, area_code=area.code, resident=person, status="attended" if ok else "no_show",
                        checked_in_at=at if ok else None,
                    )
                )  # fmt: skip
        Registration.objects.bulk_create(regs)


def measure(month: dt.date) -> tuple[float, int, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.procurement.services import kpi_compute

    with CaptureQueriesContext(connection) as queries:
        t0 = time.perf_counter()
        rows = kpi_compute(month=month)
        seconds = time.perf_counter() - t0
    writes = sum(1 for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT"))
    return seconds, len(queries) - writes, writes, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", default="10,100,1000")
    parser.add_argument("--sessions", type=int, default=8)
    args = parser.parse_args()
    sizes = sorted(int(x) for x in args.contracts.split(","))
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as data_dir:
        os.environ.update({"DJANGO_SETTINGS_MODULE": "linli.config.settings", "LINLI_DATA_DIR": data_dir})
        os.environ.pop("DATABASE_URL", None)
        import django

        django.setup()
        from django.core.management import call_command

        from linli.areas.io import AreaRow
        from linli.areas.services import area_rows_write

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
        out = []
        anchor_queries = None
        for n in sizes:
            build(n, args.sessions, month)
            seconds, reads, writes, rows = measure(month)
            anchor_queries = anchor_queries if anchor_queries is not None else reads
            same = "yes" if reads == anchor_queries else "NO"
            out.append([n, n * args.sessions * 5, rows, seconds, reads, writes, same])
        header = ["contracts", "registrations", "observations", "seconds", "read queries", "write batches"]
        print(table([*header, "reads = anchor"], out))


if __name__ == "__main__":
    main()
