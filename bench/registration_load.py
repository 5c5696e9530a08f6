"""Registration load on a live server: throughput and latency of registering and cancelling under N
concurrent residents (closed loop), on SQLite or PostgreSQL behind granian (what `linli serve` runs) or gunicorn.

The script builds a throwaway data dir and database (an SQLite file in the data dir, or a PostgreSQL
database it creates and drops), migrates it, creates through the models and services one facility, 200
activities of 2 sessions each (capacity 100 + 10 waiting, so nobody is ever refused as full), and 50
residents with ID numbers and API tokens; starts the server on 127.0.0.1 and a free port, and runs one
closed-loop client per resident (a thread with its own http.client connection): while it holds fewer than `--hold`
registrations it registers for a random session it is not registered for, otherwise it cancels a random
one of its own. Requests of the first `--warmup` seconds are not counted. 2xx are successes, 409
(already registered / full / not cancellable) are refusals, everything else (other 4xx, 5xx, transport
errors, timeouts) is an error. The anchor is the target: p95 below `--target-ms` (150 ms) with zero errors.

    .venv/bin/python bench/registration_load.py [--db sqlite|postgres] [--seconds 60] [--clients 50]
        [--server granian|gunicorn] [--workers 2] [--threads 4] [--worker-class gthread|sync (gunicorn)]
        [--pg postgres://postgres@127.0.0.1:5432]
(gunicorn comes with the bench dependency group.)
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import table

ROOT = Path(__file__).resolve().parent.parent
COMMUNITY = "990102001001"


# Machine load ------------------------------------------------------------------------------------------


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by a process and its live children (the server's master and workers)."""
    total = 0
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = [int(c) for c in f.read().split()]
    except OSError:
        children = []
    for p in [pid, *children]:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds(db: str) -> float:
    """CPU seconds used so far by the PostgreSQL server (postmaster, its helpers and live backends, plus
    the backends that have exited, which the postmaster has reaped into its children's time); 0 on SQLite.
    Backends of other databases count too: run it on a quiet server."""
    if db != "postgres":
        return 0.0
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
            if not (cmdline.startswith(b"postgres") or b"/bin/postgres" in cmdline.split(b"\0")[0]):
                continue
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
            if b"/bin/postgres" in cmdline.split(b"\0")[0]:  # the postmaster: its reaped backends
                total += int(fields[13]) + int(fields[14])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


# Database and data -------------------------------------------------------------------------------------


def pg_admin(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def build_data(*, activities: int, residents: int) -> tuple[list[int], list[str]]:
    """Migrate, then create the area tree, one facility, the activities (2 sessions each) and the
    residents with their tokens. Returns (session ids, API keys)."""
    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from linli.areas.io import AreaRow
    from linli.areas.models import Area
    from linli.areas.services import area_rows_write
    from linli.bookings.activities import activity_create
    from linli.bookings.inputs import ActivityIn
    from linli.bookings.models import Session
    from linli.core.enums import Role
    from linli.core.models import User
    from linli.core.services import api_token_create
    from linli.facilities.models import Facility, FacilityType

    call_command("migrate", verbosity=0, interactive=False)
    area_rows_write(
        rows=[
            AreaRow(row=1, code="990000000000", name="示范省"),
            AreaRow(row=2, code="990100000000", name="示范市"),
            AreaRow(row=3, code="990102000000", name="邻里区"),
            AreaRow(row=4, code="990102001000", name="东湖街道", kind="urban"),
            AreaRow(row=5, code=COMMUNITY, name="东湖社区", households=1000),
        ]
    )
    centre = FacilityType.objects.create(
        code="nc-community", name="社区级邻里中心", family="neighbourhood_centre", domains=["culture", "sports"]
    )
    facility = Facility.objects.create(
        code="F990102001001-01", name="东湖邻里中心", facility_type=centre, area=Area.objects.get(code=COMMUNITY),
        area_code=COMMUNITY, lon=120.005, lat=30.005, capacity=100,
    )  # fmt: skip
    admin = User.objects.create_user(username="district", password=None, role=Role.DISTRICT_ADMIN, scope="990102")
    first = timezone.localdate() + dt.timedelta(days=2)
    for n in range(activities):
        activity_create(
            actor=admin,
            facility=facility,
            data=ActivityIn(
                title=f"活动 {n + 1:03d}",
                domain="culture" if n % 2 else "sports",
                repeat="weekly",
                start_date=first,
                end_date=first + dt.timedelta(days=1),
                weekdays=list(range(7)),
                start_time=dt.time(8 + n % 10),
                end_time=dt.time(9 + n % 10),
                capacity=100,
                waitlist_capacity=10,
                opens_days_before=30,
            ),
        )
    keys = []
    for n in range(residents):
        resident = User.objects.create_user(
            username=f"resident{n:03d}",
            password=None,  # unusable: no password hashing to wait for, the API uses tokens
            role=Role.RESIDENT,
            home_area_code=COMMUNITY,
            id_number=f"990102{1950 + n % 50}0101{n:03d}1",
        )
        keys.append(api_token_create(user=resident, name="load")[1])
    sessions = list(Session.objects.order_by("pk").values_list("pk", flat=True))
    connections.close_all()
    return sessions, keys


# Server ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(args: argparse.Namespace, env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    if args.server == "granian":
        cmd = [
            sys.executable, "-m", "granian", "--interface", "wsgi", "linli.config.wsgi:application",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
            "--blocking-threads", str(args.threads), "--backlog", "2048", "--log-level", "warning", "--no-ws",
        ]  # fmt: skip
    else:
        cmd = [
            sys.executable, "-m", "gunicorn", "linli.config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--worker-class", args.worker_class,
            "--threads", str(args.threads), "--backlog", "2048", "--graceful-timeout", "5", "--timeout", "60",
            "--log-level", "warning",
        ]  # fmt: skip
    out = open(log, "wb")  # noqa: SIM115  (closed with the process)
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/api/bookings/sessions/?limit=1"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{args.server} exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError(f"{args.server} did not answer within 60 s:\n{log.read_text()[-3000:]}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# Load --------------------------------------------------------------------------------------------------

Sample = tuple[str, float, float, int]  # (operation, start, seconds, status; 0 = transport error)


def client_loop(
    base: str, key: str, sessions: list[int], hold: int, seed: int, start: threading.Barrier, until: list[float]
) -> list[Sample]:
    """One resident's closed loop. The standard library's http.client keeps the load generator light (it
    shares the 2 cores with the server): one connection, kept open while the server allows it (gthread
    workers), reopened by http.client when the server closes it (sync workers close after each answer)."""
    rnd = random.Random(seed)
    mine: dict[int, int] = {}  # registration id -> session id
    samples: list[Sample] = []
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json", "Host": "127.0.0.1"}
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    start.wait()
    while time.monotonic() < until[0]:
        if len(mine) < hold:
            op = "register"
            taken = set(mine.values())
            session = rnd.choice([s for s in sessions if s not in taken])
            path, body = f"/api/bookings/sessions/{session}/registrations", b'{"persons": 1}'
        else:
            op = "cancel"
            registration = rnd.choice(list(mine))
            path, body = f"/api/bookings/registrations/{registration}/cancel", b""
        t0 = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            status = response.status
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException):
            conn.close()
            status = 0
        seconds = time.perf_counter() - t0
        samples.append((op, time.monotonic(), seconds, status))
        if op == "register" and status == 201:
            mine[json.loads(payload)["id"]] = session
        elif op == "cancel" and status in (200, 409):
            mine.pop(registration, None)
    conn.close()
    return samples


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


def report(samples: list[Sample], seconds: float, target_ms: float) -> tuple[list[list[Any]], dict[str, Any]]:
    rows = []
    summary: dict[str, Any] = {}
    for op in ("register", "cancel", "all"):
        mine = [s for s in samples if op in ("all", s[0])]
        ok = sorted(s[2] * 1000 for s in mine if 200 <= s[3] < 300)
        every = sorted(s[2] * 1000 for s in mine)
        refusals = sum(1 for s in mine if s[3] == 409)
        errors = len(mine) - len(ok) - refusals
        p95 = percentile(every, 95)
        rows.append(
            [
                op,
                len(mine),
                len(mine) / seconds,
                percentile(every, 50),
                p95,
                percentile(every, 99),
                every[-1] if every else float("nan"),
                refusals,
                errors,
                p95 / target_ms,
            ]
        )
        if op == "all":
            summary = {"p95": p95, "errors": errors, "statuses": collections.Counter(s[3] for s in mine)}
    return rows, summary


def main() -> None:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured duration of the closed loop")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring")
    parser.add_argument("--clients", type=int, default=50, help="concurrent residents (one token each)")
    parser.add_argument("--activities", type=int, default=200)
    parser.add_argument("--hold", type=int, default=5, help="registrations a client keeps before cancelling")
    # the defaults are what `linli serve` runs: granian, 2 workers of 4 request threads
    parser.add_argument("--server", choices=["granian", "gunicorn"], default="granian")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="gthread", help="gunicorn's")
    parser.add_argument("--threads", type=int, default=4, help="request threads per worker")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server (no db)")
    parser.add_argument("--target-ms", type=float, default=150.0, help="the target p95")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="linli-load-"))
    db_name = f"linli_load_{secrets.token_hex(4)}"
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "linli.config.settings",
            "LINLI_DATA_DIR": str(data_dir),
            "LINLI_SECRET_KEY": secrets.token_urlsafe(40),
            "LINLI_DEBUG": "0",
            "LINLI_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LINLI_LOG_LEVEL": "ERROR",
        }
    )
    if args.db == "postgres":
        env["DATABASE_URL"] = f"{args.pg}/{db_name}"
        pg_admin(args.pg, f'CREATE DATABASE "{db_name}"')
    else:
        env["DATABASE_URL"] = f"sqlite:///{data_dir / 'linli.sqlite3'}"
    os.environ.update(env)
    proc = None
    try:
        t0 = time.perf_counter()
        sessions, keys = build_data(activities=args.activities, residents=args.clients)
        print(
            f"set up {args.db}: {args.activities} activities, {len(sessions)} sessions, {len(keys)} residents "
            f"in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        port = free_port()
        proc = start_server(args, env, port, data_dir / "server.log")
        base = f"http://127.0.0.1:{port}"

        load_before = loadavg()
        start = threading.Barrier(args.clients + 1)
        until = [float("inf")]
        results: list[list[Sample]] = [[] for _ in keys]

        def run(i: int) -> None:
            results[i] = client_loop(base, keys[i], sessions, args.hold, i, start, until)

        threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(keys))]
        for t in threads:
            t.start()
        self_cpu0, server_cpu0, busy0 = cpu_seconds(resource.RUSAGE_SELF), tree_cpu_seconds(proc.pid), cpu_ticks()
        db_cpu0 = postgres_cpu_seconds(args.db)
        begin = time.monotonic()
        measured_from = begin + args.warmup
        until[0] = measured_from + args.seconds
        start.wait()
        for t in threads:
            t.join(timeout=args.warmup + args.seconds + 120)
        end = time.monotonic()
        self_cpu = cpu_seconds(resource.RUSAGE_SELF) - self_cpu0
        server_cpu = tree_cpu_seconds(proc.pid) - server_cpu0
        db_cpu = postgres_cpu_seconds(args.db) - db_cpu0
        busy1 = cpu_ticks()
        load_after = loadavg()
        stop_server(proc)

        # a request belongs to the measured window when it started inside it
        samples = [s for r in results for s in r if measured_from <= s[1] - s[2] < until[0]]
        window = min(args.seconds, end - measured_from)
        rows, summary = report(samples, window, args.target_ms)
        tick = os.sysconf("SC_CLK_TCK")
        total = max(1, sum(len(r) for r in results))
        machine = (busy1[0] - busy0[0]) / tick
        wall = end - begin
        print(
            f"\n{args.db}, {args.server} {args.workers} x "
            + (f"{args.worker_class} " if args.server == "gunicorn" else "")
            + (f"({args.threads} threads)" if args.server == "granian" or args.worker_class == "gthread" else "")
            + f", {args.clients} clients, {window:.0f} s measured after {args.warmup:.0f} s warm-up, {cores} cores"
        )
        print(
            table(
                [
                    "operation",
                    "requests",
                    "requests/s",
                    "p50 ms",
                    "p95 ms",
                    "p99 ms",
                    "max ms",
                    "refusals (409)",
                    "errors",
                    "p95 / target",
                ],
                rows,
            )
        )
        print(
            f"\nstatuses: {dict(sorted(summary['statuses'].items()))}\n"
            f"load average before {load_before}, after {load_after}; CPU over the {wall:.0f} s run: "
            f"machine {machine / wall:.2f} cores busy, load generator {self_cpu / wall:.2f}, "
            f"{args.server} {server_cpu / wall:.2f}, PostgreSQL {db_cpu / wall:.2f}, everything else "
            f"{(machine - self_cpu - server_cpu - db_cpu) / wall:.2f}; per request (all in the run): {args.server} "
            f"{1000 * server_cpu / total:.1f} ms CPU, PostgreSQL {1000 * db_cpu / total:.1f} ms CPU"
        )
        met = summary["p95"] < args.target_ms and summary["errors"] == 0
        print(
            f"target p95 < {args.target_ms:.0f} ms with zero errors: {'MET' if met else 'NOT MET'} "
            f"(p95 {summary['p95']:.1f} ms = {summary['p95'] / args.target_ms:.2f} x target, "
            f"{summary['errors']} errors)"
        )
        if summary["errors"]:
            log = (data_dir / "server.log").read_text()[-2000:]
            print(f"\n{args.server} log (tail):\n{log}")
    finally:
        if proc is not None:
            stop_server(proc)
        if args.db == "postgres":
            try:
                pg_admin(args.pg, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            except Exception as exc:  # reported, the run's figures are still valid
                print(f"could not drop {db_name}: {exc!r}")
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
