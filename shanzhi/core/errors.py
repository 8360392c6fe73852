"""The one hierarchy of refusals, raised by every service and selector of every app. Each carries a
message for the person who asked (translated), the field it concerns if any, and the HTTP status
that the API answers with. The API (shanzhi.api), Open311 (interop.views) and the pages
(core.middleware.ServiceErrorMiddleware) each translate them into their own format; see
docs/architecture.md#errors."""

from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy

# The database is unreachable (restarting, failing over, the network): not the request's fault,
# and over in seconds. Pages and the API answer 503 with Retry-After, workers wait and reconnect.
DATABASE_OUTAGE = (OperationalError, InterfaceError)
DATABASE_OUTAGE_RETRY_AFTER = 10  # seconds
DATABASE_OUTAGE_MESSAGE = gettext_lazy("数据库暂时无法访问，请稍后重试。")


def _redis_outage() -> tuple[type[Exception], ...]:
    try:
        import redis
    except ImportError:  # Redis is optional (the redis extra): nothing of it can fail then
        return ()
    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


# The shared cache or the task queue is unreachable: Redis down, or the database when the cache
# is its table. Throttles, generations and the metrics decide each what that means.
CACHE_OUTAGE = _redis_outage() + DATABASE_OUTAGE


class ServiceError(Exception):
    status = 400
    default_message = ""

    def __init__(self, message: str = "", field: str = ""):
        message = message or self.default_message
        super().__init__(message)
        self.message = str(message)
        self.field = field


class InvalidInput(ServiceError):
    status = 400


class NotFound(ServiceError):
    """Missing or not visible: the same answer for both."""

    status = 404
    default_message = gettext_lazy("对象不存在或无权查看")


class Forbidden(ServiceError):
    """Visible, but this person's role may not do that."""

    status = 403


class Conflict(ServiceError):
    """The object is not in a state that allows the action (or someone acted first)."""

    status = 409


class Unprocessable(ServiceError):
    """Well formed, but it cannot be done as asked (e.g. an Idempotency-Key reused for a
    different request)."""

    status = 422


class PayloadTooLarge(ServiceError):
    status = 413
