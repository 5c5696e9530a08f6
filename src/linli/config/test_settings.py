"""Settings for the test suite: the real settings, with a throwaway data directory, background jobs run
inline (huey immediate mode), plain static storage (no `collectstatic` needed) and a fast password hash."""

import os
import tempfile

os.environ.setdefault("LINLI_DATA_DIR", tempfile.mkdtemp(prefix="linli-test-"))
os.environ.setdefault("LINLI_HUEY_IMMEDIATE", "1")

from linli.config.settings import *  # noqa: F403
from linli.config.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
