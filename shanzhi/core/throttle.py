"""Who the client is, and one rate limit for pages and the API (docs/adr/0010-throttles.md).

`client_address(request)` is the one answer to "which address is this request from": every
throttle, the login lockout (django-axes) and anything that logs an address use it. It believes
X-Forwarded-For only when the connection comes from a trusted reverse proxy
(SHANZHI_TRUSTED_PROXIES), so a client cannot pick its own address by sending the header.

`hit(request, scope, rate)` counts one request of that client in a fixed window; the counts
live in the "throttle" cache, which all processes share (a database table by default). Pages
answer a refusal with `refused_page`, the API with the `RateThrottle` class for Ninja."""

import contextvars
import ipaddress
import logging
import math
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja.throttling import BaseThrottle

from shanzhi.core.errors import CACHE_OUTAGE

logger = logging.getLogger("shanzhi.throttle")

CACHE_ALIAS = "throttle"
UNCOUNTED_RETRY_AFTER = 10  # seconds: a refusal while the counters cannot be reached
CACHE_TABLE = "shanzhi_cache"  # the DatabaseCache table, created by core's migration 0006
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

NO_ADDRESS = "0.0.0.0"  # noqa: S104 - never bound to: the key of a request with no address
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def trusted_networks():
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _parse(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, unless that is a trusted proxy; then X-Forwarded-For
    is walked from the right, trusted proxies skipped, and the first other address is the
    client. What a client writes further left is never believed."""
    remote = _parse(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return NO_ADDRESS
    networks = trusted_networks()
    if not networks or not any(remote in net for net in networks):
        return str(remote)
    client = remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # garbage where our proxy writes addresses: stop at the last good one
        client = address
        if not any(address in net for net in networks):
            break
    return str(client)


def _bucket(address: str) -> str:
    """The throttle counts an IPv6 client by its /64: one subscriber usually has all of it."""
    parsed = _parse(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return address


def parse_rate(rate: str) -> tuple[int, int]:
    """ "30/m" → (30, 60); a name without a slash is the setting that holds the rate."""
    if "/" not in rate:
        rate = getattr(settings, rate)
    count, _slash, period = rate.partition("/")
    return int(count), _PERIODS[period.strip()[:1].lower()]


def hit(request, scope: str, rate: str) -> int | None:
    """Count one request of this client in `scope`. None while within `rate`, else the seconds
    until the current window ends (for Retry-After). A sliding window estimated from two fixed
    ones: this window's count plus the previous window's, weighted by how much of it still lies
    within the last `seconds`, so a burst across a window's edge is not counted afresh. Counts
    are shared by every process through the throttle cache."""
    limit, seconds = parse_rate(rate)
    try:
        return _count(request, scope, limit, seconds)
    except CACHE_OUTAGE:
        # The counters are out of reach (Redis down): refuse rather than let the public through
        # uncounted. Every throttled scope is public; staff are limited only by the login
        # lockout, which lives in the database, so staff never meet this (docs/deployment.md).
        logger.warning("throttle counters unreachable: %s refused", scope)
        return UNCOUNTED_RETRY_AFTER


def _count(request, scope: str, limit: int, seconds: int) -> int | None:
    now = time.time()
    window = int(now // seconds)
    prefix = f"throttle:{scope}:{_bucket(client_address(request))}:"
    cache = caches[CACHE_ALIAS]
    key = f"{prefix}{window}"
    if cache.add(key, 1, timeout=2 * seconds + 1):
        hits = 1
    else:
        try:
            hits = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=2 * seconds + 1)
            hits = 1
    previous = cache.get(f"{prefix}{window - 1}") or 0
    elapsed = (now - window * seconds) / seconds
    if hits + previous * (1 - elapsed) <= limit:
        return None
    return max(1, math.ceil((window + 1) * seconds - now))


def refused_page(request, retry_after: int, template: str = "429.html", context=None):
    """A page's answer to a throttled request: 429, a Chinese page, Retry-After."""
    context = {
        "message": _("操作过于频繁，请稍后再试。"),
        "retry_after": retry_after,
        **(context or {}),
    }
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


_wait: contextvars.ContextVar[int | None] = contextvars.ContextVar("throttle_wait", default=None)


class RateThrottle(BaseThrottle):
    """The same limit for a Ninja operation: throttle=[RateThrottle("track", settings.TRACK_RATE)].
    Ninja answers a refusal through the API's Throttled handler and adds Retry-After."""

    def __init__(self, scope: str, rate: str):
        self.scope, self.rate = scope, rate

    def allow_request(self, request) -> bool:
        wait = hit(request, self.scope, self.rate)
        _wait.set(wait)
        return wait is None

    def wait(self) -> int | None:
        return _wait.get()
