"""The durable outbox: messages to the outside world (SMS gateway, DingTalk robots, callbacks to
connected systems) are rows of `Delivery`, written in the transaction of the change they report
and sent afterwards by the worker (the periodic job `deliveries_send`).

Semantics (docs/adr/0005-durable-outbox.md):

- At least once. A row is claimed (state `sending`, a claim token, a lease), posted, then marked
  `delivered` on a 2xx answer. A worker that stops mid-send leaves the row `sending`; once the
  lease is over the attempt counts as failed and the row is tried again. Receivers recognise a
  repeat by the `X-Shanzhi-Delivery` header (the row id).
- Several workers never send one row twice at once: on PostgreSQL the claim skips rows another
  worker has locked (`SELECT … FOR UPDATE SKIP LOCKED`); on SQLite, whose IMMEDIATE transactions
  serialise writers, the claiming transaction is alone anyway. The UPDATE only takes rows that
  are still pending, and each worker then sends the rows that carry its own claim token.
- In order per object and receiver: a row waits while an older row for the same receiver and
  object is pending or being sent (a dead one no longer holds the later ones back).
- Back-off: after the n-th failed attempt the next one is BACKOFF × 2^(n−1) seconds later (at
  most BACKOFF_MAX). After MAX_ATTEMPTS attempts, or at once when the receiver refuses the
  request itself (4xx other than 408/425/429, or a redirect), the row is `dead` until an
  administrator retries it (`delivery_retry`, audited).
- A receiver that cannot be reached (refused, timed out) is not tried again in the same run: the
  rows for it that were not tried yet go back to `pending` without using an attempt.
"""

import base64
import datetime
import hashlib
import hmac
import http.client
import json
import logging
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core.choices import DeliveryChannel, DeliveryState
from shanzhi.core.errors import Conflict, NotFound
from shanzhi.core.models import Delivery, DingTalkRobot
from shanzhi.core.services import audit_record

logger = logging.getLogger("shanzhi.outbox")

# Rows claimed at a time. Small, because it bounds the damage of a worker killed mid-send: at
# most these rows may be sent again, and only after their lease (below), about 35 s.
BATCH = 20
CONCURRENCY = 4  # requests in flight at once
RUN_SECONDS = 30  # a run stops claiming new batches after this long
ERROR_MAX = 500  # characters of an error kept on the row
RESPONSE_READ_MAX = 64 * 1024
USER_AGENT = "Shanzhi-Outbox/1"

# Route prefix → function(key) giving the secret that signs webhook requests of that route
# ("" for none). Apps register theirs in AppConfig.ready(), e.g. "hotline" → the platform's.
ROUTE_SECRETS: dict[str, Callable[[str], str]] = {}


@dataclass(frozen=True)
class Outgoing:
    """A message to write to the outbox."""

    channel: str
    target: str
    kind: str
    payload: dict
    route: str = ""
    object_type: str = ""
    object_id: str = ""
    area_code: str = ""


def enqueue(items: list[Outgoing]) -> list[Delivery]:
    """Write the deliveries in the caller's transaction, with one INSERT for all of them."""
    now = timezone.now()
    rows = [
        Delivery(
            channel=item.channel,
            target=item.target[:500],
            route=item.route,
            kind=item.kind,
            payload=item.payload,
            object_type=item.object_type,
            object_id=str(item.object_id)[:64],
            area_code=item.area_code,
            state=DeliveryState.PENDING,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        for item in items
    ]
    return Delivery.objects.bulk_create(rows)


def backoff_seconds(attempts: int) -> int:
    """How long to wait after the `attempts`-th failed attempt."""
    base = settings.DELIVERY_BACKOFF_SECONDS
    return int(min(base * 2 ** max(attempts - 1, 0), settings.DELIVERY_BACKOFF_MAX_SECONDS))


# -- requests ------------------------------------------------------------------------------------


class SendError(Exception):
    """A failed attempt. `permanent`: retrying the same request cannot help. `unreachable`: the
    receiver did not answer at all (refused, timed out), so its other rows wait for the next run."""

    def __init__(self, message: str, *, status=None, permanent=False, unreachable=False):
        super().__init__(message)
        self.status = status
        self.permanent = permanent
        self.unreachable = unreachable


@dataclass
class Request:
    url: str
    body: bytes
    headers: dict = field(default_factory=dict)
    # Turns the 2xx answer's body into an error message when the receiver reports a failure
    # inside it (DingTalk answers 200 with a non-zero errcode).
    check: Callable[[bytes], str] | None = None

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.url).netloc


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would turn the POST into a GET elsewhere: treat it as a refusal instead."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(request: Request, *, timeout: float) -> int:
    """POST the request; the status of a 2xx answer, else SendError."""
    if urllib.parse.urlsplit(request.url).scheme not in ("http", "https"):
        raise SendError(_("地址必须以 http:// 或 https:// 开头"), permanent=True)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    try:
        outgoing = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
            request.url, data=request.body, headers=headers | request.headers, method="POST"
        )
        with _opener.open(outgoing, timeout=timeout) as response:
            status, body = response.status, response.read(RESPONSE_READ_MAX)
    except urllib.error.HTTPError as error:
        detail = _excerpt(_read_quietly(error))
        refused = 300 <= error.code < 500 and error.code not in (408, 425, 429)
        raise SendError(
            f"HTTP {error.code} {detail}".strip(), status=error.code, permanent=refused
        ) from None
    except (OSError, http.client.HTTPException, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise SendError(
            _("无法连接：%(reason)s") % {"reason": reason or type(error).__name__},
            unreachable=not isinstance(error, ValueError),
            permanent=isinstance(error, ValueError),
        ) from None
    problem = request.check(body) if request.check else ""
    if problem:
        raise SendError(problem, status=status)
    return status


def _read_quietly(error: urllib.error.HTTPError) -> bytes:
    try:
        return error.read(300) if error.fp else b""
    except (OSError, http.client.HTTPException):
        return b""


def _excerpt(body: bytes) -> str:
    return body.decode("utf-8", errors="replace").strip()[:300]


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def dingtalk_signed(url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    """The robot URL with DingTalk's signature: HMAC-SHA256 of "timestamp\\nsecret" keyed with
    the secret, base64, URL-encoded, appended as &timestamp=…&sign=…."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """X-Shanzhi-Signature: "sha256=" + hex HMAC-SHA256 of "<timestamp>.<body>"."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _dingtalk_check(body: bytes) -> str:
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return ""
    if isinstance(answer, dict) and answer.get("errcode") not in (None, 0):
        return _("钉钉返回错误 %(code)s：%(message)s") % {
            "code": answer.get("errcode"),
            "message": str(answer.get("errmsg", ""))[:200],
        }
    return ""


def robot_for(target: str) -> tuple[str, str] | None:
    """(webhook URL, secret) of the robot a DingTalk row names: the unit's, else the global one."""
    if target.startswith("unit:") and target[5:].isdigit():
        robot = DingTalkRobot.objects.filter(unit_id=int(target[5:]), is_active=True).first()
        if robot is not None:
            return robot.webhook_url, robot.secret
    if settings.DINGTALK_WEBHOOK:
        return settings.DINGTALK_WEBHOOK, settings.DINGTALK_SECRET
    return None


def route_secret(route: str) -> str:
    prefix, _sep, key = route.partition(":")
    resolver = ROUTE_SECRETS.get(prefix)
    return (resolver(key) or "") if resolver else ""


def prepare(delivery: Delivery) -> Request:
    """The HTTP request of a delivery (configuration is read here, in the claiming thread)."""
    headers = {"X-Shanzhi-Delivery": str(delivery.pk), "X-Shanzhi-Event": delivery.kind}
    if delivery.channel == DeliveryChannel.SMS:
        if not settings.SMS_GATEWAY_URL:
            raise SendError(_("未配置短信网关（SHANZHI_SMS_GATEWAY_URL）"))
        if settings.SMS_GATEWAY_TOKEN:
            headers["Authorization"] = f"Bearer {settings.SMS_GATEWAY_TOKEN}"
        body = {
            "phone": delivery.target,
            "text": delivery.payload.get("text", ""),
            "kind": delivery.kind,
            "id": delivery.pk,
        }
        return Request(settings.SMS_GATEWAY_URL, _json(body), headers)
    if delivery.channel == DeliveryChannel.DINGTALK:
        robot = robot_for(delivery.target)
        if robot is None:
            raise SendError(_("未配置钉钉机器人"))
        url, secret = robot
        body = {"msgtype": "text", "text": {"content": delivery.payload.get("text", "")}}
        url = dingtalk_signed(url, secret) if secret else url
        return Request(url, _json(body), headers, check=_dingtalk_check)
    if delivery.channel == DeliveryChannel.WEBHOOK:
        body = _json(delivery.payload)
        secret = route_secret(delivery.route)
        if secret:
            timestamp = str(int(time.time()))
            headers["X-Shanzhi-Timestamp"] = timestamp
            headers["X-Shanzhi-Signature"] = webhook_signature(secret, timestamp, body)
        return Request(delivery.target, body, headers)
    raise SendError(_("未知的投递渠道 %(channel)s") % {"channel": delivery.channel}, permanent=True)


# -- the worker's run ----------------------------------------------------------------------------

RELEASED = object()  # not tried: its receiver was unreachable earlier in this run


def deliveries_send(*, limit: int = BATCH, seconds: float = RUN_SECONDS) -> dict[str, int]:
    """One run of the delivery job: recover rows left `sending` by a stopped worker, then claim
    and send due rows, batch after batch, for at most `seconds`. Safe with many workers."""
    counts = {"delivered": 0, "retry": 0, "dead": 0, "released": 0, "recovered": 0}
    counts["recovered"] = _recover_stale(counts)
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        token, batch = claim(limit)
        if not batch:
            break
        for delivery, outcome in _send_all(batch):
            _record(delivery, token, outcome, counts)
        if len(batch) < limit:
            break
    return counts


def _lease():
    """How long a claimed batch may take: every round of CONCURRENCY requests at its timeout, and
    a margin for the database. A row still `sending` after it was cut short, and is sent again;
    DingTalk and SMS cannot tell a repeat, so this is kept short (docs/integration.md)."""
    rounds = -(-BATCH // CONCURRENCY)
    return datetime.timedelta(seconds=rounds * settings.DELIVERY_TIMEOUT + 10)


def claim(limit: int = BATCH) -> tuple[str, list[Delivery]]:
    """Mark up to `limit` due rows as being sent by this worker: (claim token, the rows)."""
    now = timezone.now()
    token = secrets.token_hex(8)
    older = Delivery.objects.filter(
        target=OuterRef("target"),
        object_type=OuterRef("object_type"),
        object_id=OuterRef("object_id"),
        pk__lt=OuterRef("pk"),
        state__in=(DeliveryState.PENDING, DeliveryState.SENDING),
    )
    due = (
        Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .filter(Q(object_type="") | ~Exists(older))
        .order_by("next_attempt_at", "pk")
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.values_list("pk", flat=True)[:limit])
        if ids:
            Delivery.objects.filter(pk__in=ids, state=DeliveryState.PENDING).update(
                state=DeliveryState.SENDING,
                claim=token,
                locked_until=now + _lease(),
                attempts=F("attempts") + 1,
                updated_at=now,
            )
    if not ids:
        return token, []
    return token, list(Delivery.objects.filter(claim=token, state=DeliveryState.SENDING))


def _send_all(batch: list[Delivery]):
    """(delivery, outcome) for each row: the status of a 2xx answer, a SendError, or RELEASED."""
    outcomes, ready = [], []
    for delivery in batch:
        try:
            ready.append((delivery, prepare(delivery)))
        except SendError as error:
            outcomes.append((delivery, error))
        except Exception as error:  # one broken row must not stop the others
            logger.exception("delivery %s could not be prepared", delivery.pk)
            outcomes.append((delivery, SendError(f"{type(error).__name__}: {error}")))
    unreachable: set[str] = set()

    def send(item):
        delivery, request = item
        if request.host in unreachable:
            return delivery, RELEASED
        try:
            return delivery, post(request, timeout=settings.DELIVERY_TIMEOUT)
        except SendError as error:
            if error.unreachable:
                unreachable.add(request.host)
            return delivery, error

    if ready:
        with ThreadPoolExecutor(max_workers=min(CONCURRENCY, len(ready))) as pool:
            outcomes.extend(pool.map(send, ready))
    return outcomes


def _record(delivery: Delivery, token: str, outcome, counts: dict) -> None:
    """Store the outcome of an attempt, if the row still carries this worker's claim."""
    now = timezone.now()
    mine = Delivery.objects.filter(pk=delivery.pk, claim=token, state=DeliveryState.SENDING)
    if outcome is RELEASED:
        mine.update(
            state=DeliveryState.PENDING,
            attempts=F("attempts") - 1,
            next_attempt_at=now + datetime.timedelta(seconds=backoff_seconds(1)),
            **_unclaimed(now),
        )
        counts["released"] += 1
    elif isinstance(outcome, SendError):
        result = _fail(
            mine, delivery, str(outcome), status=outcome.status, permanent=outcome.permanent
        )
        if result:
            counts[result] += 1
    else:
        mine.update(
            state=DeliveryState.DELIVERED,
            delivered_at=now,
            last_status=outcome,
            last_error="",
            **_unclaimed(now),
        )
        counts["delivered"] += 1


def _unclaimed(now) -> dict:
    return {"claim": "", "locked_until": None, "updated_at": now}


def _fail(rows, delivery: Delivery, error: str, *, status=None, permanent=False) -> str:
    """A failed attempt: "retry" (pending again, after the back-off) or "dead"; "" when the row
    was no longer this worker's to change."""
    attempts = delivery.attempts  # as claimed: this attempt included
    now = timezone.now()
    if permanent or attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        if not rows.update(
            state=DeliveryState.DEAD,
            last_error=error[:ERROR_MAX],
            last_status=status,
            **_unclaimed(now),
        ):
            return ""
        logger.error(
            "delivery %s (%s %s) is dead after %s attempt(s): %s",
            delivery.pk,
            delivery.channel,
            delivery.kind,
            attempts,
            error,
        )
        return "dead"
    if not rows.update(
        state=DeliveryState.PENDING,
        next_attempt_at=now + datetime.timedelta(seconds=backoff_seconds(attempts)),
        last_error=error[:ERROR_MAX],
        last_status=status,
        **_unclaimed(now),
    ):
        return ""
    logger.warning("delivery %s attempt %s failed: %s", delivery.pk, attempts, error)
    return "retry"


def _recover_stale(counts: dict) -> int:
    """Rows whose worker stopped mid-send (their lease is over): that attempt failed."""
    now = timezone.now()
    recovered = 0
    stale = Delivery.objects.filter(state=DeliveryState.SENDING, locked_until__lt=now)
    for delivery in stale.order_by("pk")[:BATCH]:
        rows = Delivery.objects.filter(
            pk=delivery.pk, claim=delivery.claim, state=DeliveryState.SENDING
        )
        result = _fail(rows, delivery, _("投递中断：发送它的进程在得到答复前停止"))
        if result:
            counts[result] += 1
            recovered += 1
    return recovered


# -- administrators' actions ---------------------------------------------------------------------


def delivery_retry(*, actor, delivery_id) -> Delivery:
    """Send a dead delivery again now, with a fresh round of attempts (audited)."""
    with transaction.atomic():
        delivery = Delivery.objects.filter(pk=delivery_id).first()
        if delivery is None:
            raise NotFound(_("投递记录不存在"))
        now = timezone.now()
        changed = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.DEAD).update(
            state=DeliveryState.PENDING,
            attempts=0,
            next_attempt_at=now,
            claim="",
            locked_until=None,
            updated_at=now,
        )
        if not changed:
            raise Conflict(_("只有投递失败的消息可以重新投递"))
        audit_record(
            actor=actor,
            action="delivery.retry",
            object_type="delivery",
            object_id=delivery.pk,
            before={
                "state": delivery.state,
                "attempts": delivery.attempts,
                "last_error": delivery.last_error,
            },
            after={"state": DeliveryState.PENDING, "attempts": 0},
        )
    delivery.refresh_from_db()
    return delivery
