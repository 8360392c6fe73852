"""The `shanzhi` command, driven as a person at a terminal would."""

import pytest

from shanzhi.cli import main
from shanzhi.core.models import ApiToken, AuditEvent

pytestmark = pytest.mark.django_db


def test_token_create_prints_a_token_that_opens_the_api(
    capsys, client, django_capture_on_commit_callbacks
):
    assert main(["token", "create", "dispatcher", "--name", "测试"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("sz_") and len(token) > 40
    row = ApiToken.objects.get(prefix=token[:8])
    assert token not in (row.key_hash, row.prefix)  # only the hash is kept
    assert AuditEvent.objects.filter(action="api_token.create", object_id=str(row.pk)).exists()
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (response.status_code, response.json()["username"]) == (200, "dispatcher")
    from shanzhi.core.services import api_token_revoke

    with django_capture_on_commit_callbacks(execute=True):
        api_token_revoke(actor="test", token_id=row.pk)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_token_create_for_an_unknown_user_fails(capsys, table_counts):
    before = table_counts()
    assert main(["token", "create", "nobody"]) == 1
    assert "no active user named 'nobody'" in capsys.readouterr().err
    assert table_counts() == before


def test_unknown_benchmark_lists_the_available_ones(capsys):
    assert main(["bench", "no-such-bench"]) == 2
    assert "unknown benchmark 'no-such-bench'" in capsys.readouterr().err


def test_manage_passes_through_to_django():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "shanzhi.cli", "manage", "help", "import_grids"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Import or update grids from a GeoJSON FeatureCollection" in result.stdout
