"""SHANZHI_LOG_FORMAT=json: one JSON object per line, carrying the request id of the request that
logged it (the same id as its audit events), user text kept inert inside the JSON string."""

import json
import logging
import os
import subprocess
import sys

from shanzhi.core.logging import JsonFormatter
from shanzhi.core.middleware import current_request_id


def record(message, *args, exc_info=None, **extra):
    entry = logging.LogRecord("shanzhi.test", logging.WARNING, __file__, 1, message, args, exc_info)
    entry.__dict__.update(extra)
    return entry


def test_a_line_is_one_json_object_with_the_request_id():
    token = current_request_id.set("abc123")
    try:
        line = JsonFormatter().format(record('诉求 %s 被拒绝："%s"', "S1", '<script>\n"x"'))
    finally:
        current_request_id.reset(token)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == '诉求 S1 被拒绝："<script>\n"x""'
    assert (entry["level"], entry["logger"], entry["request_id"]) == (
        "WARNING",
        "shanzhi.test",
        "abc123",
    )


def test_outside_a_request_there_is_no_request_id_and_tracebacks_are_kept():
    try:
        raise ValueError("boom")
    except ValueError:
        entry = json.loads(
            JsonFormatter().format(record("failed", exc_info=sys.exc_info(), status_code=500))
        )
    assert "request_id" not in entry and entry["status"] == 500
    assert "ValueError: boom" in entry["exception"]


def test_an_unknown_format_stops_the_start(tmp_path):
    env = {**os.environ, "SHANZHI_LOG_FORMAT": "xml", "SHANZHI_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "shanzhi.cli", "manage", "check"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "SHANZHI_LOG_FORMAT must be plain or json" in done.stderr
