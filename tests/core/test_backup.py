"""`linli backup` and `linli restore` as an operator runs them (separate processes on an instance of their
own), and the start-up warning when the secret key no longer matches the check-in codes."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone, translation

import linli
from linli.bookings import codes, registrations
from linli.core import backup
from linli.core.models import KeyFingerprint
from tests.bookings.conftest import centre, make_resident, make_session  # noqa: F401  (fixtures)
from tests.facilities.conftest import registry  # noqa: F401  (the fixture)

SRC = str(Path(linli.__file__).resolve().parents[1])
FACILITY = "F990102001001-01"


def run(data_dir: Path, *args: str, database_url: str = "") -> subprocess.CompletedProcess[str]:
    """The `linli` command on the instance whose data directory is `data_dir`, with the real settings (the
    key from <data_dir>/secret_key)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "LINLI_SECRET_KEY", "DJANGO_SETTINGS_MODULE", "LINLI_PRODUCTION", "PYTHONPATH"}
    }
    env.update(LINLI_DATA_DIR=str(data_dir), PYTHONPATH=SRC, DJANGO_SETTINGS_MODULE="linli.config.settings")
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "linli", *args], env=env, capture_output=True, text=True, timeout=900, check=False
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def shell(data_dir: Path, code: str, database_url: str = "") -> str:
    done = run(data_dir, "shell", "-c", code, database_url=database_url)
    ok(done)
    return done.stdout.strip().splitlines()[-1]  # after "N objects imported automatically"


CHECK_IN = (
    "from linli.bookings import checkin; from linli.facilities.models import Facility; "
    f"print(checkin.kiosk_checkin_record(facility=Facility.objects.get(code='{FACILITY}'), code='%s').status)"
)
SHOWN = (  # the code the resident's page shows: an HMAC of the stored nonce with the key
    "from linli.bookings import codes; from linli.bookings.models import Registration; "
    "print(codes.full_code(Registration.objects.get().code_nonce))"
)
STATE = (
    "import json; from linli.bookings.models import Activity; from linli.core.models import User; "
    "print(json.dumps({'titles': sorted(Activity.objects.values_list('title', flat=True)), "
    "'users': sorted(User.objects.values_list('username', flat=True))}))"
)
CHANGE = (
    "from linli.bookings.models import Activity; from linli.core.models import User; "
    "Activity.objects.update(title='changed'); User.objects.create(username='newcomer')"
)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def confirmed(make_session, make_resident):  # noqa: F811
    """A registration for a session that started 10 minutes ago: its code checks in now."""
    now = timezone.now()
    session = make_session(
        starts_in=-dt.timedelta(minutes=10), opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(hours=1)
    )
    return registrations.registration_create(actor=make_resident(), session_id=session.pk)


@pytest.fixture
def instance(tmp_path, confirmed):
    """An SQLite instance of its own: a copy of the test database with a confirmed check-in code, the same
    key in its data directory, a walking network file and a planning file."""
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip copies the SQLite test database")
    data = tmp_path / "data"
    (data / "networks").mkdir(parents=True)
    (data / "planning").mkdir()
    source = sqlite3.connect(connection.settings_dict["NAME"])
    target = sqlite3.connect(data / "linli.sqlite3")
    with target:
        source.backup(target)
    source.close()
    target.close()
    (data / "secret_key").write_text(settings.SECRET_KEY)
    (data / "networks" / "990102-test.npz").write_bytes(b"network arrays " * 100)
    (data / "planning" / "run-1.npz").write_bytes(b"run arrays")
    return data, codes.full_code(confirmed.code_nonce)


@pytest.mark.django_db(transaction=True)
def test_sqlite_round_trip_brings_back_data_files_and_key(instance, tmp_path):
    data, code = instance
    archive = tmp_path / "out" / "linli.tar.gz"
    before = json.loads(shell(data, STATE))
    assert shell(data, SHOWN) == code
    key = (data / "secret_key").read_text()
    ok(run(data, "backup", str(archive)))
    assert archive.stat().st_mode & 0o077 == 0  # it holds the key: its owner's only
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        assert {"manifest.json", "database.sqlite3", "secret_key", "files/networks/990102-test.npz"} <= set(
            tar.getnames()
        )
    assert manifest["vendor"] == "sqlite" and manifest["counts"]["bookings.registration"] == 1
    assert "0007_key_fingerprint" in manifest["migrations"]["core"]
    assert manifest["key_fingerprint"] == backup.key_fingerprint(key)

    # What goes wrong: data changed, a network file lost, the data directory given a new key.
    shell(data, CHANGE)
    (data / "networks" / "990102-test.npz").unlink()
    (data / "networks" / "stray.npz").write_bytes(b"not in the backup")
    (data / "secret_key").write_text("a-new-key-made-by-a-fresh-install")
    warned = ok(run(data, "check"))
    assert "linli.W001" in warned  # the key changed while codes exist
    shown = shell(data, SHOWN)
    assert shown != code  # the resident's page now shows a code that matches no stored hash
    refused_code = run(data, "shell", "-c", CHECK_IN % shown)
    assert refused_code.returncode != 0 and "ApplicationError" in refused_code.stderr

    # Without --yes: the comparison is shown and nothing is replaced.
    db_before = sha(data / "linli.sqlite3")
    refused = run(data, "restore", str(archive))
    assert refused.returncode != 0 and "--yes" in refused.stderr
    assert "bookings.activity" in refused.stdout and "core.user" in refused.stdout
    assert sha(data / "linli.sqlite3") == db_before
    assert (data / "secret_key").read_text() == "a-new-key-made-by-a-fresh-install"

    out = ok(run(data, "restore", str(archive), "--yes"))
    assert "Restored" in out
    assert json.loads(shell(data, STATE)) == before
    assert (data / "secret_key").read_text() == key
    assert (data / "networks" / "990102-test.npz").read_bytes() == b"network arrays " * 100
    assert not (data / "networks" / "stray.npz").exists()
    assert (data / "planning" / "run-1.npz").read_bytes() == b"run arrays"
    assert "linli.W001" not in ok(run(data, "check"))
    assert shell(data, SHOWN) == code  # the page shows the code issued before the backup again
    assert shell(data, CHECK_IN % code) == "attended"  # and it checks in
    assert not list(data.glob(".restore-*"))
    # The replaced state was saved first, and is itself a backup that restores.
    (saved,) = (data / "backups").glob("before-restore-*.tar.gz")
    with tarfile.open(saved) as tar:
        replaced = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert replaced["counts"]["core.user"] == manifest["counts"]["core.user"] + 1


def _repack(archive: Path, out: Path, change) -> None:
    """Copy an archive, letting `change(name, data)` alter each member (return None to drop it)."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            body = change(member.name, src.extractfile(member).read())  # type: ignore[union-attr]
            if body is None:
                continue
            info = tarfile.TarInfo(member.name)
            info.size = len(body)
            dst.addfile(info, io.BytesIO(body))


@pytest.mark.django_db(transaction=True)
def test_damaged_or_foreign_archives_are_refused_and_nothing_changes(instance, tmp_path):
    data, _code = instance
    archive = tmp_path / "linli.tar.gz"
    ok(run(data, "backup", str(archive)))
    shell(data, CHANGE)
    snapshot = {p: sha(p) for p in [data / "linli.sqlite3", data / "secret_key", data / "networks/990102-test.npz"]}

    flipped = tmp_path / "flipped.tar.gz"
    raw = bytearray(archive.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    flipped.write_bytes(bytes(raw))

    other_key = tmp_path / "other-key.tar.gz"
    _repack(archive, other_key, lambda name, body: b"another key" if name == "secret_key" else body)

    def manifest_change(**changes):
        def change(name, body):
            if name != "manifest.json":
                return body
            return json.dumps({**json.loads(body), **changes}).encode()

        return change

    from_postgres = tmp_path / "from-postgres.tar.gz"
    with tarfile.open(archive) as src:
        original = json.load(src.extractfile("manifest.json"))  # type: ignore[arg-type]
    parts = dict(original["parts"])
    parts["database.dump"] = parts.pop("database.sqlite3")
    _repack(
        archive,
        from_postgres,
        lambda name, body: (
            manifest_change(vendor="postgresql", database="database.dump", parts=parts)(name, body)
            if name != "database.sqlite3"
            else None
        ),
    )
    with tarfile.open(archive) as src:
        dump = src.extractfile("database.sqlite3").read()  # type: ignore[union-attr]
    _append(from_postgres, "database.dump", dump)

    wrong_counts = tmp_path / "wrong-counts.tar.gz"
    counts = {**original["counts"], "bookings.registration": 7}
    _repack(archive, wrong_counts, manifest_change(counts=counts))

    # Valid checksums do not make an archive trusted: a part outside the data folders is refused.
    escape = tmp_path / "escape.tar.gz"
    payload = b"replaced database"
    outside = {**original["parts"], "files/linli.sqlite3": {"sha256": hashlib.sha256(payload).hexdigest()}}
    _repack(archive, escape, manifest_change(parts=outside))
    _append(escape, "files/linli.sqlite3", payload)

    cases = {
        # the commands speak the site's language (Chinese): each reason as the message says it
        escape: "不应有的条目",
        flipped: "",
        other_key: "校验和",
        from_postgres: "postgresql",
        wrong_counts: "行数",
    }
    for bad, reason in cases.items():
        done = run(data, "restore", str(bad), "--yes")
        assert done.returncode != 0 and "已拒绝" in done.stderr, (bad.name, done.stdout, done.stderr)
        assert reason in done.stderr
        assert {p: sha(p) for p in snapshot} == snapshot, bad.name
        assert not list(data.glob(".restore-*")) and not (data / "backups").exists()
    assert json.loads(shell(data, STATE))["titles"] == ["changed"]


def _append(archive: Path, name: str, body: bytes) -> None:
    """Add a member to a tar.gz (rewritten: gzip archives cannot be appended to)."""
    with tarfile.open(archive) as src:
        members = [(m, src.extractfile(m).read()) for m in src.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(archive, "w:gz") as dst:
        for member, data in [*members, (tarfile.TarInfo(name), body)]:
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))


# --- the start-up warning -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_fingerprint_is_recorded_when_missing_and_reveals_nothing():
    assert not KeyFingerprint.objects.exists()
    assert backup.secret_key_check() == []
    stored = KeyFingerprint.objects.get().fingerprint
    assert stored == backup.key_fingerprint() and settings.SECRET_KEY not in stored
    assert backup.key_fingerprint("another key") != stored


@pytest.mark.django_db
def test_a_changed_key_warns_while_codes_exist(confirmed):
    code = codes.full_code(confirmed.code_nonce)
    assert backup.secret_key_check() == []
    with override_settings(SECRET_KEY="a key from a fresh install"):
        with translation.override("en"):
            (warning,) = backup.secret_key_check()
        assert warning.id == "linli.W001" and "check-in code" in warning.msg
        assert codes.full_code(confirmed.code_nonce) != code  # what the warning is about
        assert backup.secret_key_check() != []  # it is not silenced by having warned once
    assert backup.secret_key_check() == []


@pytest.mark.django_db
def test_a_changed_key_without_codes_is_recorded_silently():
    backup.secret_key_check()
    with override_settings(SECRET_KEY="a key from a fresh install"):
        assert backup.secret_key_check() == []
        assert KeyFingerprint.objects.get().fingerprint == backup.key_fingerprint()


def test_check_is_registered():
    from django.core import checks

    assert backup.secret_key_check in checks.registry.registry.get_checks()


# --- PostgreSQL -----------------------------------------------------------------------------------------------

PG = "postgres://postgres@127.0.0.1:5432/"


def _pg_available() -> bool:
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        return False
    try:
        import psycopg

        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
    except Exception:
        return False
    return True


@pytest.mark.skipif(not _pg_available(), reason="no PostgreSQL server with pg_dump/pg_restore here")
@pytest.mark.django_db(transaction=True)
def test_postgresql_round_trip(confirmed, tmp_path):
    import psycopg

    name = f"linli_backup_test_{uuid.uuid4().hex[:8]}"
    url = PG + name
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret_key").write_text(settings.SECRET_KEY)
    fixture = tmp_path / "seed.json"
    call_command(
        "dumpdata", "core.user", "areas", "facilities", "catalog", "bookings", "--output", str(fixture), "--indent", "0"
    )
    code = codes.full_code(confirmed.code_nonce)
    admin = psycopg.connect(PG + "postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        ok(run(data, "migrate", "-v0", database_url=url))
        ok(run(data, "loaddata", str(fixture), database_url=url))
        before = json.loads(shell(data, STATE, url))
        archive = tmp_path / "pg.tar.gz"
        ok(run(data, "backup", str(archive), database_url=url))
        with tarfile.open(archive) as tar:
            manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        assert manifest["vendor"] == "postgresql" and manifest["counts"]["bookings.registration"] == 1

        shell(data, CHANGE, url)
        (data / "secret_key").write_text("a-new-key-made-by-a-fresh-install")
        refused = run(data, "restore", str(archive), database_url=url)
        assert refused.returncode != 0 and "--yes" in refused.stderr
        assert json.loads(shell(data, STATE, url))["titles"] == ["changed"]

        ok(run(data, "restore", str(archive), "--yes", database_url=url))
        assert json.loads(shell(data, STATE, url)) == before
        assert (data / "secret_key").read_text() == settings.SECRET_KEY
        assert shell(data, CHECK_IN % code, url) == "attended"
        left = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [name + "_%"]).fetchall()
        assert left == []  # neither the staging database nor the replaced one is left behind
    finally:
        for (db,) in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [name + "%"]).fetchall():
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.close()
