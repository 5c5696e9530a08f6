"""Production settings pass Django's deployment checks; without a secret key they refuse to start."""

from __future__ import annotations

import os
import subprocess
import sys


def run_check(extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINLI_", "DJANGO_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "linli.config.settings", **extra_env})
    return subprocess.run(
        [sys.executable, "-m", "linli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_deploy_is_clean_in_production(tmp_path):
    result = run_check(
        {
            "LINLI_PRODUCTION": "1",
            "LINLI_SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-0123456789",
            "LINLI_ALLOWED_HOSTS": "linli.example.gov.cn",
            "LINLI_DATA_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    result = run_check({"LINLI_PRODUCTION": "1", "LINLI_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "LINLI_SECRET_KEY must be set" in result.stderr
