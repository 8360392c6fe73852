"""Upgrading: a database made and filled by the previous release migrates forward to this one
with nothing lost, its audit chain intact, and the system serves it.

The previous release's code is taken from this repository's history (`git archive`) and run
with the installed dependencies: it migrates a fresh database (SQLite, or a new database on the
suite's PostgreSQL server) and builds its demo. Then this release's `migrate` runs on it, and
every table the old release had must hold at least the rows it held. When a release is cut, move
PREVIOUS_RELEASE to it (docs/deployment.md#upgrades)."""

import os
import sqlite3
import subprocess
import tarfile
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

from shanzhi.core.tests.processes import (
    environment,
    fetch,
    free_port,
    shanzhi,
    start_web,
    stop,
    wait_for,
)

REPO = Path(__file__).resolve().parents[3]
# main at the end of the session before the several-machine work (core's migrations to 0008).
PREVIOUS_RELEASE = "5184251b3bbfdd79b5c10d28766bbcae9b1609ae"
# Tables whose rows are not the installation's data: the migration log and the cache table.
NOT_DATA = {"django_migrations", "shanzhi_cache"}


def previous_release(folder: Path) -> Path:
    """The previous release's `shanzhi` package, unpacked into `folder`."""
    known = subprocess.run(
        ["git", "-C", str(REPO), "cat-file", "-e", f"{PREVIOUS_RELEASE}^{{commit}}"],
        capture_output=True,
    )
    if known.returncode:
        pytest.fail(
            f"The upgrade test needs the previous release {PREVIOUS_RELEASE[:10]} in this "
            "repository's history (a full clone, not a shallow one)."
        )
    archive = folder / "previous.tar"
    with archive.open("wb") as out:
        subprocess.run(
            ["git", "-C", str(REPO), "archive", PREVIOUS_RELEASE, "shanzhi"], stdout=out, check=True
        )
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "previous", filter="data")
    return folder / "previous"


def run(env: dict, *args: str) -> str:
    # Not from the repository's folder: `python -m` would put it first on the path.
    folder = Path(env["SHANZHI_DATA_DIR"]).parent
    done = subprocess.run(shanzhi(*args), env=env, capture_output=True, text=True, cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def database(tmp_path):
    """A fresh database of the suite's kind: its URL."""
    suite = settings.DATABASES["default"]
    if suite["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
        return
    name = f"shanzhi_upgrade_{uuid.uuid4().hex[:12]}"
    server = f"postgres://{suite['USER']}@{suite['HOST'] or '127.0.0.1'}:{suite['PORT'] or 5432}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def row_counts(url: str) -> dict[str, int]:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            tables = [
                row[0]
                for row in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                )
            ]
            # Names read from sqlite_master, quoted: no input of anyone's.
            count = 'SELECT count(*) FROM "{}"'
            return {t: db.execute(count.format(t)).fetchone()[0] for t in tables}
    with psycopg.connect(url) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ]
        count = sql.SQL("SELECT count(*) FROM {}")
        return {t: db.execute(count.format(sql.Identifier(t))).fetchone()[0] for t in tables}


def test_the_previous_release_s_database_migrates_forward_with_nothing_lost(tmp_path, database):
    old_code = previous_release(tmp_path)
    env = environment(tmp_path, DATABASE_URL=database)
    old_env = {
        **env,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(old_code), env.get("PYTHONPATH")])),
    }

    where = run(old_env, "manage", "shell", "-c", "import shanzhi; print(shanzhi.__file__)")
    assert where.strip().splitlines()[-1].startswith(str(old_code)), where  # the old code
    run(old_env, "manage", "migrate", "-v0")
    run(old_env, "demo", "--history", "0")
    before = {t: n for t, n in row_counts(database).items() if t not in NOT_DATA}
    assert before["workorders_workorder"] > 0 and before["core_auditevent"] > 0

    unapplied = run(env, "manage", "showmigrations", "--plan")
    assert "[ ]" in unapplied, "nothing to migrate: move PREVIOUS_RELEASE to an older release"
    run(env, "manage", "migrate", "-v0")
    after = row_counts(database)
    # Nothing lost: every table keeps at least its rows (new models add permissions and content
    # types); the residents' appeals and their orders are exactly what they were.
    assert {t: n for t, n in before.items() if after.get(t, -1) < n} == {}
    for table in ("workorders_appeal", "workorders_workorder", "org_unit", "auth_user"):
        assert after[table] == before[table], table
    run(env, "audit-verify")

    port = free_port()
    web = start_web(env, port)
    try:
        wait_for(lambda: fetch(f"http://127.0.0.1:{port}/healthz")[0] == 200, 60, "the web")
        status, _headers, body = fetch(f"http://127.0.0.1:{port}/accounts/login/", "text/html")
        assert status == 200 and "登录" in body
    finally:
        stop(web)
