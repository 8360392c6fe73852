"""Backups that restore (docs/operations.md#backups).

`backup_write` makes one tar file while the system runs: the database (SQLite through its online
backup API, PostgreSQL through `pg_dump` in custom format), the uploads, the audit checkpoints
and the public key that checks them, and a manifest (version, migrations, row counts, the audit
chain's head). The secret keys (chain key, signing key, SECRET_KEY) are *not* in it: a key kept
beside the data it protects protects nothing (docs/audit.md).

`backup_restore` puts such a file back into an empty installation (or, forced, over a non-empty
one), then checks the row counts against the manifest. Checkpoints newer than the backup, which
the restored chain can no longer reach, are moved aside into `anchors/archived-<time>/`."""

import datetime
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core.errors import InvalidInput
from shanzhi.core.models import AuditChainHead

FORMAT = 1
CHECKPOINT_NAME = re.compile(r"^checkpoint-(\d{12})-.*\.json$")


class BackupError(InvalidInput):
    pass


def _counted_tables() -> dict[str, str]:
    """ "app_label.model" → table, for every table of Shanzhi's apps and the accounts."""
    tables = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        if model.__module__.startswith("shanzhi.") or meta.label_lower == "auth.user":
            tables[meta.label_lower] = meta.db_table
    return dict(sorted(tables.items()))


def _count(cursor, tables: dict[str, str]) -> dict[str, int]:
    counts = {}
    for label, table in tables.items():
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608  (our own table names)
        counts[label] = cursor.fetchone()[0]
    return counts


def _head(cursor) -> dict:
    table = AuditChainHead._meta.db_table
    cursor.execute(f'SELECT last_event_id, last_hash, keyed_from FROM "{table}"')  # noqa: S608
    row = cursor.fetchone()
    if row is None:
        return {"last_event_id": 0, "last_hash": "", "keyed_from": 1}
    return {"last_event_id": row[0], "last_hash": row[1], "keyed_from": row[2]}


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        return _count(cursor, _counted_tables())


def _migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.values_list("app", "name"):
        latest[app] = max(latest.get(app, ""), name)
    return latest


def _manifest(counts: dict, head: dict) -> dict:
    return {
        "format": FORMAT,
        "shanzhi_version": version("shanzhi"),
        "created_at": timezone.now().isoformat(),
        "database": connection.vendor,
        "migrations": _migrations(),
        "counts": counts,
        "audit_head": head,
    }


def _anchor_dir() -> Path:
    return Path(settings.AUDIT_ANCHOR_DIR)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def _dump_database(folder: Path) -> tuple[Path, dict, dict]:
    """The database's copy, and the row counts and audit head *of that copy*: the system keeps
    writing meanwhile, and the restore checks against these."""
    tables = _counted_tables()
    if connection.vendor == "sqlite":
        target = folder / "database.sqlite3"
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # consistent while others write (SQLite's online backup API)
            cursor = copy.cursor()
            counts, head = _count(cursor, tables), _head(cursor)
        finally:
            copy.close()
            source.close()
        return target, counts, head
    if connection.vendor == "postgresql":
        target = folder / "database.pgdump"
        # One snapshot for the counts and for pg_dump, which joins it while this transaction
        # stays open.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts, head = _count(cursor, tables), _head(cursor)
            _run_pg(
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--snapshot={snapshot}",
                f"--file={target}",
            )
        return target, counts, head
    raise BackupError(_("不支持备份 %(vendor)s 数据库") % {"vendor": connection.vendor})


def _pg_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or ""
    host = db.get("HOST") or ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{user}@{host}{port}/{db['NAME']}"


def _run_pg(program: str, *args: str) -> None:
    if shutil.which(program) is None:
        raise BackupError(
            _("找不到 PostgreSQL 客户端程序 %(program)s：请安装 postgresql-client")
            % {"program": program}
        )
    password = settings.DATABASES["default"].get("PASSWORD")
    env = {**os.environ, "PGPASSWORD": password} if password else None
    done = subprocess.run(  # noqa: S603  (our own arguments, no shell)
        [program, *args, f"--dbname={_pg_url()}"], capture_output=True, text=True, env=env
    )
    if done.returncode:
        raise BackupError(f"{program}: {done.stderr.strip()[:2000]}")


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict


def backup_write(path: Path | None = None) -> BackupResult:
    """Write a backup tar file (default: <data dir>/backups/shanzhi-<time>.tar)."""
    stamp = timezone.localtime().strftime("%Y%m%dT%H%M%S")
    path = Path(path) if path else settings.DATA_DIR / "backups" / f"shanzhi-{stamp}.tar"
    if path.exists() and path.is_dir():
        path = path / f"shanzhi-{stamp}.tar"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    files = {"media": 0, "anchors": 0}
    with tempfile.TemporaryDirectory(prefix="shanzhi-backup-") as folder:
        dump, counts, head = _dump_database(Path(folder))
        manifest = _manifest(counts, head)
        with tarfile.open(partial, "w") as archive:
            archive.add(dump, arcname=dump.name)
            for name, root in (("media", Path(settings.MEDIA_ROOT)), ("anchors", _anchor_dir())):
                if not root.is_dir():
                    continue
                for item in sorted(p for p in root.rglob("*") if p.is_file()):
                    archive.add(item, arcname=f"{name}/{item.relative_to(root).as_posix()}")
                    files[name] += 1
            public_key = Path(settings.AUDIT_PUBLIC_KEY_FILE)
            if public_key.is_file():
                archive.add(public_key, arcname="audit_signing_key.pub.pem")
            manifest["files"] = files
            _add_bytes(
                archive,
                "manifest.json",
                json.dumps(manifest, ensure_ascii=False, indent=2).encode(),
            )
    partial.chmod(0o600)
    partial.replace(path)  # a backup that exists is complete
    return BackupResult(path=path, manifest=manifest)


def read_manifest(path: Path) -> dict:
    try:
        with tarfile.open(path) as archive:
            member = archive.extractfile("manifest.json")
            manifest = json.loads(member.read()) if member else None
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("%(path)s 不是善治的备份文件") % {"path": path})
    return manifest


def _installation_is_empty() -> bool:
    try:
        return not any(row_counts().values())
    except DatabaseError:  # no tables yet: a fresh database
        return True


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict
    counts: dict
    archived_checkpoints: int


def backup_restore(path: Path, *, force: bool = False) -> RestoreResult:
    """Put a backup back. Refuses a non-empty installation unless `force`; refuses a backup of
    another database kind (restore a PostgreSQL backup into PostgreSQL)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("备份文件不存在：%(path)s") % {"path": path})
    manifest = read_manifest(path)
    if manifest["database"] != connection.vendor:
        raise BackupError(
            _("这是 %(source)s 数据库的备份，不能还原到 %(target)s 数据库")
            % {"source": manifest["database"], "target": connection.vendor}
        )
    if not force and not _installation_is_empty():
        raise BackupError(_("当前数据库已有数据，还原会覆盖它们：确认无误后加 --force 再执行"))
    with tempfile.TemporaryDirectory(prefix="shanzhi-restore-") as folder:
        with tarfile.open(path) as archive:
            archive.extractall(folder, filter="data")
        folder = Path(folder)
        _restore_database(folder)
        _copy_tree(folder / "media", Path(settings.MEDIA_ROOT))
        archived = _archive_newer_checkpoints(manifest["audit_head"]["last_event_id"])
        _copy_tree(folder / "anchors", _anchor_dir())
        public_key = folder / "audit_signing_key.pub.pem"
        target_key = Path(settings.AUDIT_PUBLIC_KEY_FILE)
        if public_key.is_file() and not target_key.exists():
            target_key.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(public_key, target_key)
    counts = row_counts()
    if counts != manifest["counts"]:
        raise BackupError(
            _("还原后的行数与备份清单不符：%(got)s ≠ %(want)s")
            % {"got": counts, "want": manifest["counts"]}
        )
    return RestoreResult(manifest=manifest, counts=counts, archived_checkpoints=archived)


def _restore_database(folder: Path) -> None:
    if connection.vendor == "sqlite":
        target = Path(settings.DATABASES["default"]["NAME"])
        connections.close_all()
        source = sqlite3.connect(folder / "database.sqlite3")
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # replaces every page of the target, WAL included
        finally:
            copy.close()
            source.close()
        return
    _run_pg(
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",  # all or nothing
        str(folder / "database.pgdump"),
    )
    connections.close_all()


def _copy_tree(source: Path, target: Path) -> None:
    if not source.is_dir():
        return
    for item in source.rglob("*"):
        if item.is_file():
            destination = target / item.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(item, destination)


def _archive_newer_checkpoints(head_id: int) -> int:
    """Checkpoints of events after the backup's head cannot be reached by the restored chain
    (audit-verify would call them a deleted tail): moved aside, kept for the record."""
    anchors = _anchor_dir()
    if not anchors.is_dir():
        return 0
    newer = [
        p
        for p in anchors.iterdir()
        if p.is_file()
        and (m := CHECKPOINT_NAME.match(p.name)) is not None
        and int(m.group(1)) > head_id
    ]
    if not newer:
        return 0
    stamp = datetime.datetime.now().strftime("%Y%m%dT%H%M%S")
    archive = anchors / f"archived-{stamp}"
    archive.mkdir(parents=True, exist_ok=True)
    for checkpoint in newer:
        checkpoint.replace(archive / checkpoint.name)
    return len(newer)
