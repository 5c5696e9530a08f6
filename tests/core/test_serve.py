"""`linli serve` as an operator runs it: granian serving pages, static files, the API and a form POST
from a fresh data dir, and stopping cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# A bound against a server that never comes up, not a judgement of speed: a busy machine may take long.
START_BOUND_S = 300


def wait_for_home(proc: subprocess.Popen[bytes], base: str, log: Path) -> httpx.Response:
    """Poll the home page until the server answers; if it exits or the bound passes, fail with what was
    seen (the last connection error and the server's log)."""
    deadline = time.monotonic() + START_BOUND_S
    last = ""
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            return httpx.get(f"{base}/", timeout=30)
        except httpx.TransportError as exc:
            last = repr(exc)
            time.sleep(0.3)
    state = f"exited with {proc.returncode}" if proc.poll() is not None else f"no answer after {START_BOUND_S} s"
    raise AssertionError(f"linli serve {state}; last error: {last}\n{log.read_text()[-3000:]}")


def test_serve_answers_pages_api_and_posts_then_stops_on_sigterm(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINLI_", "DJANGO_", "DATABASE_URL"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "linli.config.settings",
            "LINLI_DATA_DIR": str(tmp_path),
            "LINLI_SECRET_KEY": "serve-test-" + "x" * 40,
            "LINLI_DEBUG": "0",
            "LINLI_ALLOWED_HOSTS": "127.0.0.1",
        }
    )
    linli = [sys.executable, "-m", "linli"]
    subprocess.run([*linli, "migrate", "--noinput", "-v", "0"], env=env, check=True, timeout=300)
    subprocess.run([*linli, "collectstatic", "--noinput", "-v", "0"], env=env, check=True, timeout=300)
    port = free_port()
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115  (closed below)
    proc = subprocess.Popen(
        [*linli, "serve", "--no-worker", "--port", str(port), "--workers", "1", "--threads", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        home = wait_for_home(proc, base, tmp_path / "serve.log")
        assert home.status_code == 200 and "邻里" in home.text

        api = httpx.get(f"{base}/api/bookings/sessions/", timeout=60)
        assert api.status_code == 200 and api.json() == {"items": [], "count": 0}

        with httpx.Client(base_url=base, timeout=60) as client:
            form = client.get("/login/")
            assert form.status_code == 200
            token = form.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
            refused = client.post(
                "/login/",
                data={"csrfmiddlewaretoken": token, "username": "nobody", "password": "wrong"},
                headers={"Referer": f"{base}/login/"},
            )
            # the body was read (CSRF passed, the form answered), the login refused
            assert refused.status_code == 200 and 'name="username"' in refused.text
            assert "nobody" in refused.text

        css = next(part for part in home.text.split('"') if part.startswith("/static/") and part.endswith(".css"))
        static = httpx.get(f"{base}{css}", timeout=60)
        assert static.status_code == 200 and static.headers["content-type"].startswith("text/css")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
            log.close()
    assert code == 0, (tmp_path / "serve.log").read_text()[-3000:]
