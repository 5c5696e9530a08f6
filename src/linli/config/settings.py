"""Django settings, all read from the environment.

| variable | meaning | default |
|---|---|---|
| LINLI_DATA_DIR | where the SQLite database, job queue, uploads and generated files live | ./var |
| DATABASE_URL | e.g. postgres://user:pass@127.0.0.1:5432/linli | sqlite:///<LINLI_DATA_DIR>/linli.sqlite3 |
| REDIS_URL | when set, the task queue (huey) runs on Redis instead of SQLite | unset |
| LINLI_SECRET_KEY | required in production; otherwise a key is made once and kept in the data dir | |
| LINLI_DEBUG | 1 to show Django's debug pages | 0 |
| LINLI_PRODUCTION | 1 behind HTTPS: secure cookies, HSTS, SSL redirect | 0 |
| LINLI_ALLOWED_HOSTS | comma-separated host names | 127.0.0.1,localhost |
| LINLI_CSRF_TRUSTED_ORIGINS | comma-separated origins (https://linli.example.gov.cn) | |
| LINLI_TILE_URL | base-map tile URL template for Leaflet ({z}/{x}/{y}); empty: vector layers only | |
| LINLI_TILE_ATTRIBUTION | attribution shown for those tiles | |
| LINLI_HUEY_IMMEDIATE | 1 to run background jobs inline (tests) | 0 |
| LINLI_ANON_API_RATE | anonymous API requests allowed per address, "N/s", "N/min" or "N/h" (0 = no limit) | 120/min |
| LINLI_NUM_PROXIES | reverse proxies in front of linli (the client address is then read from X-Forwarded-For) | 0 |
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url

from linli.config.env import env_bool, env_list

SRC_DIR = Path(__file__).resolve().parents[1]  # src/linli
BASE_DIR = SRC_DIR.parents[1]  # the repository root
DATA_DIR = Path(os.environ.get("LINLI_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

PRODUCTION = env_bool("LINLI_PRODUCTION", False)
DEBUG = env_bool("LINLI_DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("LINLI_SECRET_KEY", "")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("LINLI_SECRET_KEY must be set when LINLI_PRODUCTION=1")
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("LINLI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("LINLI_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "axes",
    "ninja",  # serves Swagger UI for /api/docs from the package's own static files, never from a CDN
    "linli.core",
    "linli.jobs",
    "linli.areas",
    "linli.facilities",
    "linli.catalog",
    "linli.interop",
    "linli.bookings",
    "linli.cases",
    "linli.feedback",
    "linli.planning",
    "linli.organizations",
    "linli.points",
    "linli.procurement",
    "linli.construction",
    "linli.indicators",
    "linli.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "linli.config.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "linli.core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "linli.core.middleware.CleanInputMiddleware",
    "linli.core.middleware.AnonymousApiRateLimit",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "linli.core.middleware.ApplicationErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "linli.config.urls"
WSGI_APPLICATION = "linli.config.wsgi.application"
ASGI_APPLICATION = "linli.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "linli.core.context_processors.linli",
            ],
        },
    },
]

# Database: SQLite in WAL mode by default, PostgreSQL (or anything dj-database-url reads) via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'linli.sqlite3'}"),
        conn_max_age=0 if DEBUG else 60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at the start of a
        # transaction so two writers queue instead of failing half-way.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test_linli.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("LINLI_PG_PREPARE", True):
    # Parameters bound on the server and statements prepared from their second use on a connection: the
    # requests that matter run the same few statements every time, and PostgreSQL then plans them once per
    # connection (half its CPU on registration). Set LINLI_PG_PREPARE=0 behind a pooler in transaction
    # mode (PgBouncer < 1.21), which cannot keep prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 2})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
# Password guessing: django-axes counts failed logins per account and per address; after 5 failures either
# is refused for 15 minutes (the right password included), with a page that says so.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/login_locked.html"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language: Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Static files: our own under src/linli/*/static, front-end libraries from node_modules (installed from npm
# by `make setup`, never loaded from a CDN), collected into var/static and served by WhiteNoise.
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    (f"vendor/{name}", NODE_MODULES / path)
    for name, path in {
        "htmx": "htmx.org/dist",
        "leaflet": "leaflet/dist",
        "echarts": "echarts/dist",
        "jsqr": "jsqr/dist",
    }.items()
    if (NODE_MODULES / path).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# Background work: huey on SQLite next to the database, or on Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY = {
    "name": "linli",
    "immediate": env_bool("LINLI_HUEY_IMMEDIATE", False),
    "results": True,
    "store_none": False,
    "consumer": {"workers": 2, "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "huey.sqlite3")})

# Security: production behind HTTPS.
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("LINLI_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("LINLI_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Map: no tile server is assumed reachable (government intranets); the area boundaries and the road network
# are drawn as vector layers either way.
LINLI_TILE_URL = os.environ.get("LINLI_TILE_URL", "")
LINLI_TILE_ATTRIBUTION = os.environ.get("LINLI_TILE_ATTRIBUTION", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LINLI_LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_CLASS = "linli.core.pagination.BoundedPagination"

# Cache: the per-address limit of anonymous API requests and the short cache of public lists. Redis when
# REDIS_URL is set (shared by every worker), else each worker process's memory (the limit then holds per
# worker: with 2 workers an address gets at most twice the rate).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "linli"}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "linli"}
}
LINLI_ANON_API_RATE = os.environ.get("LINLI_ANON_API_RATE", "120/min")
LINLI_NUM_PROXIES = int(os.environ.get("LINLI_NUM_PROXIES", "0"))
# Anonymous answers of public lists (HSDS) are kept this many seconds: the same page asked again is served
# from the cache.
LINLI_PUBLIC_CACHE_SECONDS = int(os.environ.get("LINLI_PUBLIC_CACHE_SECONDS", "60"))
