# ruff: noqa: F811  (the cluster fixture is imported from processes)
"""`shanzhi backup` and `shanzhi restore` as an administrator runs them, on SQLite and on a
PostgreSQL server of the test's own: fill, back up, restore into an empty installation (with the
keys copied from their separate backup), then the counts are equal, the audit chain verifies and
the system serves. A restore over data is refused unless forced, and changes nothing."""

import json
import shutil
import subprocess

import pytest

from shanzhi.core.tests.processes import (  # noqa: F401  (fixture)
    cluster,
    environment,
    fetch,
    free_port,
    shanzhi,
    start_web,
    stop,
    wait_for,
)

KEYS = ("audit_key", "audit_signing_key.pem", "secret_key")


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(shanzhi(*args), env=env, capture_output=True, text=True, timeout=300)


def counts(env: dict) -> dict:
    code = (
        "import json; from shanzhi.core.backup import row_counts; print(json.dumps(row_counts()))"
    )
    done = run(env, "manage", "shell", "-c", code)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_backup_restores_into_a_working_system(engine, tmp_path, request):
    if engine == "postgresql":
        server = request.getfixturevalue("cluster")
        source = environment(tmp_path / "a", DATABASE_URL=server.url())
        target = environment(tmp_path / "b", DATABASE_URL=server.create_database("restored"))
    else:
        source, target = environment(tmp_path / "a"), environment(tmp_path / "b")
    assert run(source, "manage", "migrate", "-v0").returncode == 0
    assert run(source, "demo", "--history", "30").returncode == 0
    photo = tmp_path / "a" / "data" / "media" / "appeals" / "2026" / "photo.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 a photo")
    assert run(source, "audit-checkpoint").returncode == 0
    filled = counts(source)
    assert filled["workorders.appeal"] > 30 and filled["core.auditevent"] > 1000
    assert filled["workorders.workorder"] > 30 and filled["auth.user"] > 200

    archive = tmp_path / "backup.tar"
    made = run(source, "backup", str(archive))
    assert made.returncode == 0, made.stderr
    assert f"审计事件 {filled['core.auditevent']}，附件文件 1，检查点 1" in made.stdout

    # The new machine: an empty installation, and the keys from their own backup.
    (tmp_path / "b" / "data").mkdir(parents=True)
    for key in KEYS:
        shutil.copy2(tmp_path / "a" / "data" / key, tmp_path / "b" / "data" / key)
    restored = run(target, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "行数与备份清单一致" in restored.stdout
    assert counts(target) == filled
    verified = run(target, "audit-verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"审计链完整 audit chain intact: {filled['core.auditevent']} events" in verified.stdout
    copied = tmp_path / "b" / "data" / "media" / "appeals" / "2026" / "photo.jpg"
    assert copied.read_bytes() == b"\xff\xd8 a photo"

    # It serves.
    port = free_port()
    web = start_web(target, port)
    try:
        wait_for(lambda: fetch(f"http://127.0.0.1:{port}/healthz")[0] == 200, 60, "the web")
        status, _headers, body = fetch(f"http://127.0.0.1:{port}/api/v1/public/outlines")
        assert status == 200 and "吴兴区" in json.loads(body)["features"][1]["properties"]["name"]
    finally:
        stop(web)

    # Restoring over data is refused and changes nothing; --force replaces it.
    assert run(target, "demo", "--history", "0", "--reset").returncode == 0
    replaced = counts(target)
    again = run(target, "restore", str(archive))
    assert again.returncode != 0 and "当前数据库已有数据" in again.stderr
    assert counts(target) == replaced
    forced = run(target, "restore", str(archive), "--force")
    assert forced.returncode == 0, forced.stderr
    assert counts(target) == filled


def test_what_is_not_a_backup_is_refused(tmp_path):
    env = environment(tmp_path)
    assert run(env, "manage", "migrate", "-v0").returncode == 0
    bogus = tmp_path / "notes.tar"
    bogus.write_text("not a tar file")
    done = run(env, "restore", str(bogus))
    assert done.returncode != 0 and "不是善治的备份文件" in done.stderr
    missing = run(env, "restore", str(tmp_path / "nowhere.tar"))
    assert missing.returncode != 0 and "备份文件不存在" in missing.stderr
