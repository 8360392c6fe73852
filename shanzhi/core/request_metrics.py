"""Request latency and counts by route, for /metrics (docs/operations.md#metrics).

prometheus_client keeps them in this process, or, when PROMETHEUS_MULTIPROC_DIR is set (as
`shanzhi up` does for its gunicorn workers), in files there that /metrics adds up, so a scrape
that reaches one worker still sees all of them."""

import time

from prometheus_client import Counter, Histogram

# Seconds: the page and API targets are 0.3 s and 0.05 s (docs/performance.md).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_SECONDS = Histogram(
    "shanzhi_http_request_duration_seconds",
    "Time to answer a request, by route (the URL pattern, not the URL) and method.",
    ["route", "method"],
    buckets=BUCKETS,
)
REQUESTS = Counter(
    "shanzhi_http_requests",
    "Requests answered, by route, method and status class (2xx, 4xx, 5xx …).",
    ["route", "method", "status"],
)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def route_of(request) -> str:
    """The matched URL pattern ("api/v1/workorders/{order_id}"), never the URL itself: codes and
    ids would make a series per object. Unmatched paths count as one route."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "(unmatched)"
    return match.route or match.view_name or "(unnamed)"


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in METHODS else "OTHER"
        route = route_of(request)
        REQUEST_SECONDS.labels(route, method).observe(time.perf_counter() - started)
        REQUESTS.labels(route, method, f"{response.status_code // 100}xx").inc()
        return response
