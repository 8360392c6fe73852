"""A small per-client rate limit for public pages (the API uses Ninja's throttles), kept in
Django's cache: per process with the default local-memory cache."""

from django.core.cache import cache


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(request, scope: str, *, limit: int, seconds: int) -> bool:
    """Count one hit of this client in `scope`; False once there were `limit` in the window."""
    key = f"throttle:{scope}:{client_address(request)}"
    if cache.add(key, 1, timeout=seconds):
        return True
    try:
        hits = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=seconds)
        return True
    return hits <= limit
