"""`linli serve`: the web server (granian, WSGI) and the background worker (huey) together, until Ctrl-C.

granian reads and writes HTTP in Rust and hands each request to a pool of Python threads per worker
process; kept-alive connections are served fairly across them. Under 50 residents registering at once it
held the tail latency 1.5-2.5x lower than gunicorn's gthread workers (docs/benchmarks.md, "Registration
load"), whose kept-alive connections stay queued on the worker that accepted them."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand

from linli.core.signin import sign_in_hint


class Command(BaseCommand):
    help = "Serve linli with granian and run the huey worker beside it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="worker processes (one per core)")
        parser.add_argument("--threads", type=int, default=4, help="Python threads per worker running requests")
        parser.add_argument("--no-worker", action="store_true", help="do not start the background worker")

    def handle(self, *args: Any, **options: Any) -> None:
        procs: list[subprocess.Popen[bytes]] = []
        if not options["no_worker"]:
            procs.append(subprocess.Popen([sys.executable, "-m", "linli", "run_huey", "--quiet"]))
        server = [
            sys.executable, "-m", "granian", "--interface", "wsgi", "linli.config.wsgi:application",
            "--host", options["host"], "--port", str(options["port"]),
            "--workers", str(options["workers"]), "--blocking-threads", str(options["threads"]),
            "--backlog", "2048", "--no-ws", "--access-log", "--workers-kill-timeout", "10",
        ]  # fmt: skip
        procs.append(subprocess.Popen(server))
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"linli is at {url}  (Ctrl-C to stop)"))
        hint = sign_in_hint()
        if hint is not None:
            self.stdout.write(f"demo users, password {hint.password}: " + ", ".join(a.username for a in hint.accounts))

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
