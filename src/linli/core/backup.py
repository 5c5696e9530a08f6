"""Backup and restore of a whole instance: the database, the files under the data directory that the
database refers to (walking networks, planning arrays, uploads, media) and the secret key, in one
tar.gz with a manifest (version, time, database vendor, migration state, row counts, sha256 of each part).

- SQLite is copied with SQLite's online backup API (a consistent copy while the server runs) and restored
  the same way, into the live file in one transaction: readers see the old database or the new one.
- PostgreSQL is dumped with `pg_dump -Fc` in a snapshot the row counts are read in, and restored with
  `pg_restore` into a new database that then takes the old one's name (two renames in one transaction).
- A restore checks the whole archive first, stages everything next to its destination, saves the current
  state as a backup of its own, and swaps last; if the database cannot be swapped, files and key are put
  back. Nothing is half restored.

The secret key matters: check-in codes are HMACs of a stored nonce with it (`linli.bookings.codes`); only
their hashes are stored, so with another key a resident's page shows a code that matches no hash. A
fingerprint of the key is kept in the database (`KeyFingerprint`) and `secret_key_check` warns at start-up
when the key no longer matches it while codes exist.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = 1
MANIFEST = "manifest.json"
KEY_MEMBER = "secret_key"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
# Folders of the data directory that hold files the database refers to (Network.file, PlanningRun.
# arrays_file, an upload job's params["path"]); a restore replaces each of them whole.
FILE_DIRS = ("networks", "planning", "uploads", "media")
BACKUP_DIR = "backups"  # where a restore keeps the state it replaced
FINGERPRINT_TEXT = b"linli-secret-key-fingerprint"


class BackupError(Exception):
    """A backup or restore that cannot go on; nothing was changed."""


# --- the key's fingerprint --------------------------------------------------------------------------------


def key_fingerprint(key: str | None = None) -> str:
    """sha256 of an HMAC of a fixed text with the key: identifies the key without revealing it."""
    mac = hmac.new((settings.SECRET_KEY if key is None else key).encode(), FINGERPRINT_TEXT, hashlib.sha256)
    return hashlib.sha256(mac.digest()).hexdigest()


def _fingerprint_model() -> Any:
    return apps.get_model("core", "KeyFingerprint")


def _codes_exist() -> bool:
    """Whether any registration holds a check-in code (a nonce whose codes are HMACs with the key)."""
    try:
        registration = apps.get_model("bookings", "Registration")
    except LookupError:
        return False
    return bool(registration.objects.exclude(code_nonce="").exists())


def key_fingerprint_record() -> str:
    """Record the current key's fingerprint when the database holds none yet; returns the stored one."""
    model = _fingerprint_model()
    row, _created = model.objects.get_or_create(pk=1, defaults={"fingerprint": key_fingerprint()})
    return str(row.fingerprint)


def secret_key_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """System check (`linli check`, `linli serve`): the secret key is not the one the database's check-in
    codes were made with. Records the fingerprint when missing; when the key changed and no code exists,
    the change harms nothing and the new key's fingerprint is recorded."""
    model = _fingerprint_model()
    try:
        stored = model.objects.filter(pk=1).values_list("fingerprint", flat=True).first()
        current = key_fingerprint()
        if stored is None:
            key_fingerprint_record()
            return []
        if stored == current:
            return []
        if not _codes_exist():
            model.objects.filter(pk=1).update(fingerprint=current, recorded_at=timezone.now())
            return []
    except DatabaseError:  # not migrated yet, or no database to reach: nothing to compare
        return []
    return [
        checks.Warning(
            _(
                "The secret key is not the one this database's check-in codes were made with: residents' pages "
                "now show check-in codes that match no stored hash, and staff and kiosks refuse them."
            ),
            hint=_(
                "Restore the key from the backup this database came from (`linli restore` restores both), or "
                "set LINLI_SECRET_KEY to it. The codes are HMACs of the key and cannot be shown again without it."
            ),
            id="linli.W001",
        )
    ]


# --- the manifest -----------------------------------------------------------------------------------------


def vendor() -> str:
    return str(connection.vendor)


def linli_version() -> str:
    try:
        return metadata.version("linli")
    except metadata.PackageNotFoundError:
        return "unknown"


def main_tables() -> dict[str, str]:
    """Label -> table of every model of linli's own apps (the key fingerprint aside: it is not data)."""
    tables: dict[str, str] = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or not model.__module__.startswith("linli."):
            continue
        if meta.label == "core.KeyFingerprint":
            continue
        tables[meta.label_lower] = meta.db_table
    return dict(sorted(tables.items()))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class DatabaseState:
    counts: dict[str, int]
    migrations: dict[str, list[str]]
    fingerprint: str

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _state(cursor: Any, existing: set[str], quote: Callable[[str], str]) -> DatabaseState:
    """Counts of the main tables, migrations applied and the key fingerprint, from any DB-API cursor."""
    counts: dict[str, int] = {}
    for label, table in main_tables().items():
        if table in existing:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            counts[label] = int(cursor.fetchone()[0])
        else:
            counts[label] = 0  # not migrated that far
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in existing:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    fingerprint = ""
    table = _fingerprint_model()._meta.db_table
    if table in existing:
        cursor.execute(f"SELECT fingerprint FROM {quote(table)} WHERE id = 1")
        row = cursor.fetchone()
        fingerprint = str(row[0]) if row else ""
    return DatabaseState(counts, migrations, fingerprint)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _regexp(pattern: str | None, value: Any) -> bool | None:
    """SQLite's REGEXP as Django defines it: check constraints of linli's tables use it."""
    if pattern is None or value is None:
        return None
    return re.search(pattern, str(value)) is not None


def _sqlite_connect(path: Path | str, **kwargs: Any) -> sqlite3.Connection:
    con = sqlite3.connect(path, **kwargs)
    con.create_function("REGEXP", 2, _regexp, deterministic=True)
    return con


def _sqlite_state(path: Path) -> DatabaseState:
    con = _sqlite_connect(path)
    try:
        cursor = con.cursor()
        existing = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return _state(cursor, existing, _quote)
    finally:
        con.close()


def _django_state() -> DatabaseState:
    with connection.cursor() as cursor:
        return _state(cursor, set(connection.introspection.table_names(cursor)), connection.ops.quote_name)


def current_state() -> DatabaseState:
    """Row counts, migrations and key fingerprint of the database the settings point at (all zero when it
    does not exist yet)."""
    empty = DatabaseState({label: 0 for label in main_tables()}, {}, "")
    if vendor() == "sqlite" and not Path(connection.settings_dict["NAME"]).exists():
        return empty
    try:
        return _django_state()
    except DatabaseError:
        if vendor() == "postgresql" and not _pg_exists(connection.settings_dict["NAME"]):
            return empty  # restoring onto a new server: the database is made by the restore
        raise


# --- PostgreSQL through its own tools -----------------------------------------------------------------


def _pg_env(dbname: str | None = None) -> dict[str, str]:
    """libpq's environment for the configured database (the password never appears on a command line)."""
    db = connection.settings_dict
    env = dict(os.environ)
    values = {
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": dbname or db["NAME"],
    }
    env.update({k: v for k, v in values.items() if v})
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(_("%(tool)s is not installed (PostgreSQL's client tools).") % {"tool": command[0]})
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]}: {done.stderr.strip() or done.stdout.strip()}")


def _pg_connect(dbname: str) -> Any:
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        dbname=dbname,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        autocommit=True,
    )


def _pg_exists(dbname: str) -> bool:
    with _pg_connect("postgres") as con:
        return con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone() is not None


def _pg_state(dbname: str) -> DatabaseState:
    with _pg_connect(dbname) as con, con.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        return _state(cursor, {row[0] for row in cursor.fetchall()}, _quote)


# --- backup -----------------------------------------------------------------------------------------------


@dataclass
class Backup:
    path: Path
    manifest: dict[str, Any]


def _referenced_files() -> set[str]:
    """Files (relative to the data directory) that rows refer to."""
    found: set[str] = set()
    for label, fields in (("planning.Network", ("file", "ways_file")), ("planning.PlanningRun", ("arrays_file",))):
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        for values in model.objects.values_list(*fields):
            found.update(v for v in values if v)
    return found


def _data_files(data_dir: Path) -> dict[str, Path]:
    """Archive name -> file, for everything under FILE_DIRS."""
    files: dict[str, Path] = {}
    for folder in FILE_DIRS:
        root = data_dir / folder
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    files[f"files/{path.relative_to(data_dir).as_posix()}"] = path
    return files


def _missing_files(files: dict[str, Path]) -> list[str]:
    """Files rows refer to that are not in the backup (lost already, or outside FILE_DIRS)."""
    return sorted(relative for relative in _referenced_files() if f"files/{relative}" not in files)


def backup_create(*, out: Path) -> Backup:
    """Write the archive `out` (tar.gz, readable by its owner only). Written to a temporary name and renamed
    when complete: a failed backup leaves no archive behind."""
    kind = vendor()
    if kind not in DB_MEMBER:
        raise BackupError(_("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": kind})
    try:
        key_fingerprint_record()  # the archive carries the fingerprint of the key it carries
    except DatabaseError as exc:
        message = _("The database cannot be read (%(error)s): run `linli migrate` first.")
        raise BackupError(message % {"error": exc}) from exc
    data_dir = Path(settings.DATA_DIR).resolve()
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="linli-backup-", dir=out.parent) as tmp:
        work = Path(tmp)
        db_file = work / DB_MEMBER[kind]
        if kind == "sqlite":
            source = sqlite3.connect(connection.settings_dict["NAME"])
            target = sqlite3.connect(db_file)
            try:
                with target:
                    source.backup(target)
            finally:
                target.close()
                source.close()
            state = _sqlite_state(db_file)
        else:
            state = _pg_dump(db_file)
        key_file = work / KEY_MEMBER
        key_file.write_text(settings.SECRET_KEY)
        files = _data_files(data_dir)
        parts: dict[str, Path] = {DB_MEMBER[kind]: db_file, KEY_MEMBER: key_file, **files}
        manifest = {
            "format": FORMAT,
            "linli_version": linli_version(),
            "created_at": timezone.now().isoformat(timespec="seconds"),
            "vendor": kind,
            "database": DB_MEMBER[kind],
            "migrations": state.migrations,
            "counts": state.counts,
            "key_fingerprint": state.fingerprint or key_fingerprint(),
            "dirs": list(FILE_DIRS),
            "missing_files": _missing_files(files),
            "parts": {name: {"sha256": _sha256(path), "size": path.stat().st_size} for name, path in parts.items()},
        }
        partial = work / "archive.tar.gz"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(timezone.now().timestamp()), 0o600
            tar.addfile(info, io.BytesIO(body))
            for name, path in parts.items():
                tar.add(path, arcname=name, recursive=False, filter=_private)
        os.replace(partial, out)
    return Backup(out, manifest)


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def _pg_dump(db_file: Path) -> DatabaseState:
    """pg_dump in the snapshot of a repeatable-read transaction the counts are taken in: the counts describe
    exactly the dumped data, while the server goes on writing."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        state = _state(cursor, set(connection.introspection.table_names(cursor)), connection.ops.quote_name)
        _run(
            ["pg_dump", "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", "-f", str(db_file)],
            _pg_env(),
        )
    return state


# --- restore ----------------------------------------------------------------------------------------------


@dataclass
class Staged:
    """An archive checked and unpacked next to the data directory, ready to swap in."""

    archive: Path
    manifest: dict[str, Any]
    folder: Path
    incoming: DatabaseState
    current: DatabaseState
    notes: list[str] = field(default_factory=list)
    temp_database: str = ""  # PostgreSQL: the database the dump was restored into

    def comparison(self) -> list[tuple[str, int, int]]:
        """(table, rows now, rows in the archive) for every table that has rows in either."""
        labels = sorted(set(self.current.counts) | set(self.incoming.counts))
        rows = [(label, self.current.counts.get(label, 0), self.incoming.counts.get(label, 0)) for label in labels]
        return [row for row in rows if row[1] or row[2]]


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def _read_archive(archive: Path, into: Path) -> dict[str, Any]:
    """Unpack and check: the manifest lists every part with its sha256, and nothing else is in the archive."""
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            members = tar.getmembers()
            names = [m.name for m in members]
            if MANIFEST not in names:
                raise BackupError(_("The archive has no manifest: not a linli backup."))
            if len(names) != len(set(names)) or not all(m.isfile() and _safe_member(m.name) for m in members):
                raise BackupError(_("The archive holds unexpected entries: refused."))
            tar.extractall(into, filter="data")
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BackupError(_("The archive cannot be read (%(error)s): refused.") % {"error": exc}) from exc
    try:
        manifest = json.loads((into / MANIFEST).read_text())
        parts: dict[str, dict[str, Any]] = manifest["parts"]
        kind, db_member = manifest["vendor"], manifest["database"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(_("The archive's manifest cannot be read: refused.")) from exc
    if manifest.get("format") != FORMAT or DB_MEMBER.get(kind) != db_member or KEY_MEMBER not in parts:
        raise BackupError(_("The archive's manifest is not one this version of linli restores: refused."))
    if set(parts) != set(names) - {MANIFEST}:
        raise BackupError(_("The archive's parts do not match its manifest: refused."))
    for name in set(parts) - {db_member, KEY_MEMBER}:
        top = PurePosixPath(name).parts
        if len(top) < 3 or top[0] != "files" or top[1] not in FILE_DIRS:
            raise BackupError(_("The archive holds unexpected entries: refused."))
    for name, part in parts.items():
        if _sha256(into / name) != part.get("sha256"):
            raise BackupError(
                _("%(part)s does not match its checksum: the archive is damaged, refused.") % {"part": name}
            )
    return dict(manifest)


def restore_stage(*, archive: Path) -> Staged:
    """Check the archive and load it beside the instance without touching the instance. Raises BackupError;
    call `restore_discard` when the staged restore is not applied."""
    data_dir = Path(settings.DATA_DIR).resolve()
    folder = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
    staged: Staged | None = None
    try:
        manifest = _read_archive(archive, folder)
        kind = vendor()
        if manifest["vendor"] != kind:
            raise BackupError(
                _(
                    "The archive holds a %(archive)s database and this instance uses %(current)s: refused. To move "
                    "between database vendors, restore the archive on an instance with %(archive)s, then copy the "
                    "data across with `linli dumpdata` and `linli loaddata`."
                )
                % {"archive": manifest["vendor"], "current": kind}
            )
        db_file = folder / manifest["database"]
        staged = Staged(archive, manifest, folder, DatabaseState({}, {}, ""), current_state())
        if kind == "sqlite":
            con = _sqlite_connect(db_file)
            try:
                ok = con.execute("PRAGMA integrity_check").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                ok = str(exc)
            finally:
                con.close()
            if ok != "ok":
                raise BackupError(_("The archive's database is damaged (%(error)s): refused.") % {"error": ok})
            staged.incoming = _sqlite_state(db_file)
        else:
            staged.temp_database = f"{connection.settings_dict['NAME']}_restore_{secrets.token_hex(4)}"
            with _pg_connect("postgres") as con:
                con.execute(f"CREATE DATABASE {_quote(staged.temp_database)}")
            _run(
                ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                 "-d", staged.temp_database, str(db_file)],
                _pg_env(staged.temp_database),
            )  # fmt: skip
            staged.incoming = _pg_state(staged.temp_database)
        if staged.incoming.counts != manifest["counts"]:
            raise BackupError(_("The archive's database does not hold the rows its manifest lists: refused."))
        key = (folder / KEY_MEMBER).read_text().strip()
        if manifest.get("key_fingerprint") and key_fingerprint(key) != manifest["key_fingerprint"]:
            raise BackupError(_("The archive's secret key does not match its fingerprint: refused."))
        staged.notes.extend(_migration_notes(staged.incoming.migrations))
        env_key = os.environ.get("LINLI_SECRET_KEY", "")
        if env_key and env_key != key:
            staged.notes.append(
                _(
                    "LINLI_SECRET_KEY is set and differs from the archive's key: set it to the key restored in "
                    "%(path)s before starting linli, or existing check-in codes will be refused."
                )
                % {"path": data_dir / KEY_MEMBER}
            )
        return staged
    except BaseException:
        if staged is not None:
            restore_discard(staged)
        else:
            shutil.rmtree(folder, ignore_errors=True)
        raise


def _migration_notes(archived: dict[str, list[str]]) -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    known = {(app, name) for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    have = {(app, name) for app, names in archived.items() for name in names}
    notes = []
    if have - known:
        notes.append(
            _("The archive comes from a newer linli (migrations this code does not have: %(names)s).")
            % {"names": ", ".join(f"{a}.{n}" for a, n in sorted(have - known))}
        )
    if known - have:
        notes.append(_("The archive's database is older than this code: run `linli migrate` after restoring."))
    return notes


def restore_discard(staged: Staged) -> None:
    if staged.temp_database:
        with _pg_connect("postgres") as con:
            con.execute(f"DROP DATABASE IF EXISTS {_quote(staged.temp_database)}")
        staged.temp_database = ""
    shutil.rmtree(staged.folder, ignore_errors=True)


@contextmanager
def _swapped_files(staged: Staged, data_dir: Path) -> Iterator[None]:
    """Move the archive's folders and key into place, keeping the replaced ones; put them back if the body
    fails."""
    old = staged.folder / "replaced"
    old.mkdir()
    moves: list[tuple[Path, Path]] = []  # (from, to) done, in order

    def move(src: Path, dst: Path) -> None:
        os.replace(src, dst)
        moves.append((src, dst))

    try:
        incoming = staged.folder / "files"
        for name in FILE_DIRS:
            if (data_dir / name).exists():
                move(data_dir / name, old / name)
            if (incoming / name).exists():
                move(incoming / name, data_dir / name)
        key = data_dir / KEY_MEMBER
        if key.exists():
            move(key, old / KEY_MEMBER)
        os.chmod(staged.folder / KEY_MEMBER, 0o600)
        move(staged.folder / KEY_MEMBER, key)
        yield
    except BaseException:
        for src, dst in reversed(moves):
            os.replace(dst, src)
        raise


def restore_apply(*, staged: Staged, keep_previous: bool = True) -> Path | None:
    """Swap the staged archive in: the current state is first saved as a backup in <data dir>/backups
    (returned; none when the instance was empty), then files and key, then the database in one step."""
    data_dir = Path(settings.DATA_DIR).resolve()
    previous = None
    if keep_previous and staged.current.rows:
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
        previous = backup_create(out=data_dir / BACKUP_DIR / f"before-restore-{stamp}.tar.gz").path
    try:
        with _swapped_files(staged, data_dir):
            if vendor() == "sqlite":
                _sqlite_swap(staged)
            else:
                _pg_swap(staged)
    finally:
        restore_discard(staged)
    return previous


def _sqlite_swap(staged: Staged) -> None:
    """Copy the staged database into the live file with the backup API: one write transaction on the
    target, so other connections see either the old database or the new one."""
    connections.close_all()
    source = sqlite3.connect(staged.folder / staged.manifest["database"])
    target = sqlite3.connect(connection.settings_dict["NAME"], timeout=60)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _pg_swap(staged: Staged) -> None:
    """The restored database takes the live one's name; the live one is dropped (its data is in the backup
    saved before). Connections to it are ended first: the web server reconnects to the restored one."""
    name = connection.settings_dict["NAME"]
    connections.close_all()
    retired = f"{name}_replaced_{secrets.token_hex(4)}"
    with _pg_connect("postgres") as con:
        exists = _pg_exists(name)
        last: Exception | None = None
        for _attempt in range(5):
            con.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            try:
                with con.transaction():
                    if exists:
                        con.execute(f"ALTER DATABASE {_quote(name)} RENAME TO {_quote(retired)}")
                    con.execute(f"ALTER DATABASE {_quote(staged.temp_database)} RENAME TO {_quote(name)}")
                break
            except Exception as exc:  # another client connected in between: try again
                last = exc
        else:
            raise BackupError(_("The database could not be swapped: %(error)s") % {"error": last})
        staged.temp_database = ""
        if exists:
            con.execute(f"DROP DATABASE IF EXISTS {_quote(retired)} WITH (FORCE)")
