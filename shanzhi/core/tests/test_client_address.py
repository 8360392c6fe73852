"""Which address a request is from (shanzhi.core.throttle.client_address): the connection's,
unless that is a trusted proxy; then X-Forwarded-For from the right, trusted hops skipped."""

import pytest
from django.test import RequestFactory

from shanzhi.core.throttle import NO_ADDRESS, client_address, parse_rate


def address(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **extra))


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("203.0.113.7", None, "203.0.113.7"),
        ("203.0.113.7", "1.2.3.4", "203.0.113.7"),  # no proxy is trusted: header ignored
        ("127.0.0.1", "1.2.3.4, 5.6.7.8", "127.0.0.1"),
        ("::ffff:203.0.113.7", None, "203.0.113.7"),
        ("", None, NO_ADDRESS),
        ("not-an-address", "1.2.3.4", NO_ADDRESS),
    ],
)
def test_without_trusted_proxies_the_connection_is_the_client(settings, remote, forwarded, client):
    settings.TRUSTED_PROXIES = []
    assert address(remote, forwarded) == client


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("10.0.0.2", "203.0.113.5", "203.0.113.5"),
        ("10.0.0.2", "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the client's own text: ignored
        ("10.0.0.2", "6.6.6.6, 203.0.113.5, 10.0.0.9", "203.0.113.5"),  # two proxies
        ("10.0.0.2", " 203.0.113.5:4711 ", "203.0.113.5"),
        ("10.0.0.2", "2001:db8::1", "2001:db8::1"),
        ("10.0.0.2", "[2001:db8::1]:443", "2001:db8::1"),
        ("10.0.0.2", "garbage, 203.0.113.5", "203.0.113.5"),
        ("10.0.0.2", "203.0.113.5, garbage", "10.0.0.2"),  # our proxy never writes that
        ("10.0.0.2", None, "10.0.0.2"),
        ("10.0.0.2", "10.0.0.3", "10.0.0.3"),  # only proxies: the farthest one
        ("192.0.2.1", "203.0.113.5", "192.0.2.1"),  # not from a trusted proxy
    ],
)
def test_behind_trusted_proxies_the_first_untrusted_hop_is_the_client(
    settings, remote, forwarded, client
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48"]
    assert address(remote, forwarded) == client


def test_a_malformed_trusted_proxy_stops_the_start(monkeypatch):
    import subprocess
    import sys

    monkeypatch.setenv("SHANZHI_TRUSTED_PROXIES", "10.0.0.0/8,nonsense")
    done = subprocess.run(
        [sys.executable, "-c", "import shanzhi.settings"], capture_output=True, text=True
    )
    assert done.returncode != 0 and "SHANZHI_TRUSTED_PROXIES: 'nonsense'" in done.stderr


def test_rates_are_counts_per_period(settings):
    assert parse_rate("30/m") == (30, 60)
    assert parse_rate("5/hour") == (5, 3600)
    settings.TRACK_RATE = "7/s"
    assert parse_rate("TRACK_RATE") == (7, 1)
