"""Points ledger speed on PostgreSQL, against the machine's own limit measured in the same run.

1. Single earn transfers per second: `--clients` processes, each in a closed loop minting one earn (the
   listener's own path, `minting.mint_for_hours`: the rule, the caps' sums, the resident's row lock, the
   transfer, both balances, the earn lot) in its own transaction, for `--seconds`.
2. The anchor: pgbench's built-in tpcb-like transaction (`pgbench -i` then `pgbench -b tpcb-like -c N -j N
   -T S`) on the same server, with the same number of clients, in its own scratch database. The ratio
   earn/s / pgbench tps is the figure (target >= 0.5).
3. Redemptions over HTTP: `linli serve`'s server (granian, 2 workers of 4 threads) and `--redeem-clients`
   residents in a closed loop redeeming an item (each holding `--points` points, so some are refused as
   not enough): p95 latency (target < 100 ms), errors (anything but 201 and 409) and overspend (a balance
   below zero, more redemptions than a resident could pay, a ledger breach) must be 0.

Builds and drops its own scratch databases.

    .venv/bin/python bench/points_throughput.py [--seconds 20] [--clients 4] [--redeem-clients 50]
        [--redeem-seconds 20] [--points 300] [--pg postgres://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import table
from registration_load import free_port, loadavg, percentile, pg_admin, start_server, stop_server

COMMUNITY = "990102001001"
RESIDENTS = 250


def setup(redeem_clients: int, points: int) -> tuple[list[int], list[str], int]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from linli.core.enums import Role
    from linli.core.models import User
    from linli.core.services import api_token_create
    from linli.points import services
    from linli.points.inputs import AdjustIn, RuleIn
    from linli.points.models import CatalogueItem

    call_command("migrate", verbosity=0, interactive=False)
    admin = User.objects.create_user(username="district", password=None, role=Role.DISTRICT_ADMIN, scope="990102")
    services.rule_set(actor=admin, data=RuleIn(area_code=COMMUNITY, per_attendance=1, per_hour=1))
    residents = [
        User.objects.create_user(username=f"r{n:04d}", password=None, role=Role.RESIDENT, home_area_code=COMMUNITY)
        for n in range(RESIDENTS)
    ]
    keys = []
    for person in residents[:redeem_clients]:
        services.points_adjust(
            actor=admin, data=AdjustIn(resident_id=person.pk, area_code=COMMUNITY, amount=points, memo="bench")
        )
        keys.append(api_token_create(user=person, name="bench")[1])
    item = CatalogueItem.objects.create(area_code=COMMUNITY, name="毛巾", cost=1, stock=10_000_000)
    ids = [p.pk for p in residents[redeem_clients:]]  # the earn loop never tops up a redeeming resident
    connections.close_all()
    return ids, keys, item.pk


def earn_worker(n: int, residents: list[int], seconds: float, start: Any, out: Any) -> None:
    import datetime as dt
    import random
    from decimal import Decimal

    from django.db import connections, transaction
    from django.utils import timezone

    from linli.points.minting import mint_for_hours

    connections.close_all()
    rng = random.Random(n)
    done = 0
    start.wait()
    until = time.monotonic() + seconds
    now = timezone.now() - dt.timedelta(minutes=1)
    while time.monotonic() < until:
        with transaction.atomic():
            made = mint_for_hours(
                key=f"bench:{n}:{done}",
                record_id=n * 10_000_000 + done,
                organization_id=1,
                resident_id=rng.choice(residents),
                area_code=COMMUNITY,
                occurred_at=now,
                hours=Decimal(1),
            )
        assert made is not None
        done += 1
    out.put(done)
    connections.close_all()


def earn_rate(residents: list[int], clients: int, seconds: float) -> float:
    ctx = mp.get_context("fork")
    start = ctx.Barrier(clients + 1)
    out: Any = ctx.Queue()
    procs = [ctx.Process(target=earn_worker, args=(n, residents, seconds, start, out)) for n in range(clients)]
    for p in procs:
        p.start()
    start.wait()
    t0 = time.monotonic()
    total = sum(out.get(timeout=seconds + 120) for _ in procs)
    elapsed = max(time.monotonic() - t0, seconds)
    for p in procs:
        p.join()
    return total / elapsed


def pgbench_tps(base: str, db: str, clients: int, seconds: float) -> float:
    url = f"{base}/{db}"
    subprocess.run(["pgbench", "-i", "-q", "-s", "1", url], check=True, capture_output=True)
    run = subprocess.run(
        ["pgbench", "-b", "tpcb-like", "-c", str(clients), "-j", str(clients), "-T", str(int(seconds)), url],
        check=True,
        capture_output=True,
        text=True,
    )
    found = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", run.stdout)
    if found is None:
        raise RuntimeError(run.stdout + run.stderr)
    return float(found.group(1))


def redeem_loop(port: int, key: str, item: int, start: threading.Barrier, seconds: float) -> list[tuple[int, float]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    samples = []
    start.wait()
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        t0 = time.perf_counter()
        try:
            conn.request("POST", f"/api/points/catalogue/{item}/redeem", body=b"{}", headers=headers)
            response = conn.getresponse()
            body = response.read()
            status = response.status
            if status == 409 and json.loads(body)["code"] != "not_enough_points":
                status = -409
        except Exception:
            status = -1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        samples.append((status, time.perf_counter() - t0))
    conn.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0, help="earn and pgbench duration")
    parser.add_argument("--clients", type=int, default=4, help="earn processes = pgbench clients")
    parser.add_argument("--redeem-clients", type=int, default=50)
    parser.add_argument("--redeem-seconds", type=float, default=20.0)
    parser.add_argument("--points", type=int, default=15, help="points each redeeming resident holds")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server (no db)")
    args = parser.parse_args()

    tag = secrets.token_hex(4)
    db, anchor_db = f"linli_points_bench_{tag}", f"linli_pgbench_{tag}"
    data_dir = Path(tempfile.mkdtemp(prefix="linli-points-bench-"))
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "linli.config.settings",
            "LINLI_DATA_DIR": str(data_dir),
            "LINLI_SECRET_KEY": secrets.token_urlsafe(40),
            "LINLI_DEBUG": "0",
            "LINLI_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LINLI_LOG_LEVEL": "ERROR",
            "DATABASE_URL": f"{args.pg}/{db}",
        }
    )
    os.environ.update(env)
    pg_admin(args.pg, f'CREATE DATABASE "{db}"')
    pg_admin(args.pg, f'CREATE DATABASE "{anchor_db}"')
    proc = None
    try:
        residents, keys, item = setup(args.redeem_clients, args.points)
        load0 = loadavg()
        earns = earn_rate(residents, args.clients, args.seconds)
        tps = pgbench_tps(args.pg, anchor_db, args.clients, args.seconds)
        print(f"load average before: {load0}, after: {loadavg()}", flush=True)
        print(
            table(
                ["clients", "earn transfers/s", "pgbench tpcb-like tps", "ratio (target >= 0.5)"],
                [[args.clients, earns, tps, earns / tps]],
            ),
            flush=True,
        )

        port = free_port()
        server_args = SimpleNamespace(server="granian", workers=2, threads=4)
        proc = start_server(server_args, env, port, data_dir / "server.log")  # type: ignore[arg-type]
        start = threading.Barrier(len(keys))
        results: list[list[tuple[int, float]]] = [[] for _ in keys]

        def run(i: int) -> None:
            results[i] = redeem_loop(port, keys[i], item, start, args.redeem_seconds)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(keys))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop_server(proc)
        proc = None

        samples = [s for r in results for s in r]
        latencies = sorted(ms for _s, ms in samples)
        granted = sum(1 for s, _ms in samples if s == 201)
        refused = sum(1 for s, _ms in samples if s == 409)
        errors = len(samples) - granted - refused

        from django.db.models import Count, Min

        from linli.points.models import Account, Redemption
        from linli.points.verify import ledger_breaches

        low = Account.objects.filter(kind="resident").aggregate(m=Min("balance"))["m"]
        most = max((r["n"] for r in Redemption.objects.values("resident").annotate(n=Count("id"))), default=0)
        overspend = int(low < 0) + int(most > args.points) + len(ledger_breaches())
        print(
            table(
                [
                    "clients",
                    "requests",
                    "granted",
                    "refused (not enough)",
                    "errors",
                    "p50 ms",
                    "p95 ms",
                    "p95 target ms",
                    "overspend",
                ],
                [
                    [
                        len(keys),
                        len(samples),
                        granted,
                        refused,
                        errors,
                        1000 * percentile(latencies, 50),
                        1000 * percentile(latencies, 95),
                        100,
                        overspend,
                    ]
                ],
            ),
            flush=True,
        )
    finally:
        if proc is not None:
            stop_server(proc)
        from django.db import connections

        connections.close_all()
        pg_admin(args.pg, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        pg_admin(args.pg, f'DROP DATABASE IF EXISTS "{anchor_db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
