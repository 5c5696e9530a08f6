"""`linli serve`: the web server (gunicorn) and the background worker (huey) together, until Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand

from linli.demo.users import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Serve linli with gunicorn and run the huey worker beside it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
        parser.add_argument(
            "--threads", type=int, default=4, help="threads per worker (gthread: connections are kept alive)"
        )
        parser.add_argument("--no-worker", action="store_true", help="do not start the background worker")

    def handle(self, *args: Any, **options: Any) -> None:
        procs: list[subprocess.Popen[bytes]] = []
        if not options["no_worker"]:
            procs.append(subprocess.Popen([sys.executable, "-m", "linli", "run_huey", "--quiet"]))
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "linli.config.wsgi:application",
                    "--bind",
                    f"{options['host']}:{options['port']}",
                    "--workers",
                    str(options["workers"]),
                    "--worker-class",
                    "gthread",
                    "--threads",
                    str(options["threads"]),
                    "--access-logfile",
                    "-",
                    "--graceful-timeout",
                    "5",
                ]
            )
        )
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"linli is at {url}  (Ctrl-C to stop)"))
        self.stdout.write(f"demo users, password {DEMO_PASSWORD}: " + ", ".join(u[0] for u in DEMO_USERS))

        def stop(*_args: Any) -> None:
            for proc in procs:
                if proc.poll() is None:
                    proc.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(proc.poll() is None for proc in procs):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for proc in procs:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        failed = [proc.args for proc in procs if proc.returncode not in (0, -signal.SIGTERM, None)]
        if failed:
            raise SystemExit(1)
