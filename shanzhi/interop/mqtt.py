"""The MQTT consumer of sensor and video alarms (`shanzhi mqtt`, started by `shanzhi up` when
SHANZHI_MQTT_URL is set). docs/adr/0006-mqtt-alarms.md explains the choices:

- QoS 1 with a fixed client id and a persistent session (MQTT 3.1.1, clean_session False): the
  broker queues alarms while the consumer is away and delivers them when it comes back.
- Manual acknowledgement: a message is acknowledged (PUBACK) only after `alarm_receive` has
  committed it, or refused it for good (logged). When the database fails, nothing is
  acknowledged: the consumer drops the connection and reconnects after a pause, and the broker
  delivers the unacknowledged messages again. `alarm_receive` is idempotent, so a message
  delivered twice is recorded once.
- Reconnection with exponential back-off (1 s doubling to 60 s) when the broker is unreachable,
  restarts or drops us.
"""

import contextlib
import hashlib
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from django.db import InterfaceError, OperationalError, close_old_connections
from django.db import connection as db_connection

from shanzhi.interop.alarms import AlarmRejected, alarm_receive

logger = logging.getLogger("shanzhi.interop.mqtt")

# A message whose processing raises something other than a database outage is tried this many
# times (a bug, not a transient failure) and then dropped with an error in the log, so that one
# bad message cannot stop every alarm behind it.
MAX_ATTEMPTS = 3


class MqttConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False

    def __str__(self):  # never shows the password
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


def parse_url(url: str) -> Broker:
    """mqtt://[user[:password]@]host[:port] (1883), mqtts://… for TLS (8883)."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise MqttConfigError(f"SHANZHI_MQTT_URL must start with mqtt:// or mqtts://: {url!r}")
    tls = parts.scheme in ("mqtts", "ssl")
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError:
        raise MqttConfigError(f"bad port in SHANZHI_MQTT_URL {url!r}") from None
    if not parts.hostname:
        raise MqttConfigError(f"no host in SHANZHI_MQTT_URL {url!r}")
    return Broker(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=tls,
    )


class AlarmConsumer:
    """Subscribes to `topic` and hands every message to `alarm_receive`.

    `run()` blocks until `stop()` (or until `until()` is true, for tests); the MQTT callbacks
    run in the thread that calls `run()`, which is also the thread that uses the database."""

    def __init__(
        self,
        *,
        url: str,
        topic: str,
        client_id: str,
        min_delay: float = 1.0,
        max_delay: float = 60.0,
        keepalive: int = 30,
    ):
        self.broker = parse_url(url)
        if not topic or not client_id:
            raise MqttConfigError("an MQTT topic and client id are required")
        self.topic = topic
        self.client_id = client_id
        self.min_delay, self.max_delay = min_delay, max_delay
        self.keepalive = keepalive
        self.counts: Counter = Counter()  # opened, folded, duplicate, rejected, failed, …
        self.subscribed = threading.Event()
        self._stop = threading.Event()
        self._delay = min_delay
        self._needs_connect = True
        self._first_connect = True
        self._reconnect_soon = False  # set when a message could not be stored
        self._failures: Counter = Counter()
        self.client = self._client()

    # -- the paho client ----------------------------------------------------------------------

    def _client(self) -> mqtt.Client:
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
            reconnect_on_failure=False,  # run() reconnects, with its own back-off
        )
        if self.broker.username:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            client.tls_set()
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            logger.error("MQTT broker %s refused the connection: %s", self.broker, reason_code)
            return
        logger.info(
            "connected to MQTT broker %s as %s (session kept: %s); subscribing to %s",
            self.broker,
            self.client_id,
            flags.session_present,
            self.topic,
        )
        self._delay = self.min_delay
        client.subscribe(self.topic, qos=1)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        if any(code.is_failure for code in reason_codes):
            logger.error("MQTT broker refused the subscription to %s", self.topic)
            return
        self.subscribed.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.subscribed.clear()
        self._needs_connect = True
        if not self._stop.is_set():
            logger.warning("disconnected from MQTT broker %s: %s", self.broker, reason_code)

    def _on_message(self, client, userdata, message):
        if self._reconnect_soon:
            return  # not acknowledged: the broker delivers it again after the reconnection
        outcome = self.handle(message.payload, message.topic)
        if outcome is None:
            self._reconnect_soon = True
            return
        client.ack(message.mid, message.qos)

    # -- one message --------------------------------------------------------------------------

    def handle(self, payload: bytes, topic: str) -> str | None:
        """Store or refuse one message. The outcome, or None when it must be delivered again."""
        self._db_hygiene()
        fingerprint = hashlib.sha256(topic.encode() + b"\n" + bytes(payload)).hexdigest()
        try:
            received = alarm_receive(payload=payload, topic=topic)
        except AlarmRejected as refusal:
            logger.warning(
                "alarm refused on %s (%s): %s; payload %r",
                topic,
                refusal.field,
                refusal.message,
                bytes(payload[:200]),
            )
            outcome = "rejected"
        except (OperationalError, InterfaceError):
            logger.warning("database unavailable; alarm on %s will be delivered again", topic)
            self._close_db()
            outcome = None
        except Exception:  # a bug: retried a few times, then dropped rather than block the rest
            self._failures[fingerprint] += 1
            attempts = self._failures[fingerprint]
            if attempts < MAX_ATTEMPTS:
                logger.exception("alarm on %s failed (attempt %s); retrying", topic, attempts)
                outcome = None
            else:
                logger.exception(
                    "alarm on %s failed %s times; dropped: %r", topic, attempts, bytes(payload)
                )
                outcome = "failed"
        else:
            outcome = received.outcome
            logger.info(
                "alarm %s %s from %s → work order %s (%s)",
                received.alarm.key,
                received.alarm.alarm_type,
                received.alarm.device.device_id,
                received.work_order.code,
                outcome,
            )
        if outcome is not None:
            self._failures.pop(fingerprint, None)
            self.counts[outcome] += 1
        else:
            self.counts["retry"] += 1
        self._db_hygiene()
        return outcome

    @staticmethod
    def _db_hygiene() -> None:
        """What Django does around a request: drop a connection that is too old or broken.
        (Never inside a transaction: tests run the consumer inside theirs.)"""
        if not db_connection.in_atomic_block:
            close_old_connections()

    @staticmethod
    def _close_db() -> None:
        if not db_connection.in_atomic_block:
            db_connection.close()

    # -- the loop -----------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask run() to return (from a signal handler or another thread)."""
        self._stop.set()

    def close(self) -> None:
        """Stop and disconnect, from the thread that called run() (after it returned)."""
        self._stop.set()
        self._drop()

    def run(self, *, until=None, timeout: float | None = None) -> bool:
        """Connect, consume, reconnect, until stop() is called (or `until()` holds, or the
        timeout passes: for tests). Returns whether `until()` held."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._stop.is_set():
            if until is not None and until():
                self._flush()
                return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            if self._needs_connect and not self._connect():
                self._pause(deadline)
                continue
            rc = self.client.loop(timeout=0.5)
            if self._reconnect_soon:
                logger.info("dropping the MQTT connection so that the broker redelivers")
                self._drop()
                self._pause(deadline)
                self._reconnect_soon = False
            elif rc != mqtt.MQTT_ERR_SUCCESS:
                self._needs_connect = True
                self._pause(deadline)
        self._drop()
        return until is not None and until()

    def _flush(self) -> None:
        """Send what is queued (acknowledgements made inside a callback wait for the next loop)."""
        if not self._needs_connect:
            with contextlib.suppress(OSError):
                self.client.loop_write()

    def _connect(self) -> bool:
        try:
            if self._first_connect:
                self.client.connect(self.broker.host, self.broker.port, self.keepalive)
                self._first_connect = False
            else:
                self.client.reconnect()
        except (OSError, mqtt.WebsocketConnectionError) as error:
            logger.warning(
                "MQTT broker %s unreachable (%s); retrying in %.0f s",
                self.broker,
                error,
                self._delay,
            )
            return False
        self._needs_connect = False
        return True

    def _pause(self, deadline: float | None) -> None:
        delay = self._delay
        if deadline is not None:
            delay = max(0.0, min(delay, deadline - time.monotonic()))
        self._stop.wait(delay)
        self._delay = min(self._delay * 2, self.max_delay)

    def _drop(self) -> None:
        """Disconnect cleanly (the broker keeps our session and unacknowledged messages)."""
        if self._needs_connect:
            return
        try:
            self.client.disconnect()
            for _ in range(10):
                if self.client.loop(timeout=0.1) != mqtt.MQTT_ERR_SUCCESS:
                    break
        except OSError:
            pass
        self._needs_connect = True


def consumer_from_settings(**overrides) -> AlarmConsumer:
    from django.conf import settings

    if not settings.MQTT_URL:
        raise MqttConfigError("SHANZHI_MQTT_URL is not set: there is no broker to subscribe to")
    options = {
        "url": settings.MQTT_URL,
        "topic": settings.MQTT_TOPIC,
        "client_id": settings.MQTT_CLIENT_ID,
    }
    options.update(overrides)
    return AlarmConsumer(**options)


def forget_session(*, url: str, client_id: str, timeout: float = 5.0) -> None:
    """Connect once with a clean session under `client_id`: the broker drops what it kept for
    it (subscriptions, queued alarms). For tests and for retiring a consumer id."""
    broker = parse_url(url)
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=True,
        protocol=mqtt.MQTTv311,
    )
    if broker.username:
        client.username_pw_set(broker.username, broker.password)
    if broker.tls:
        client.tls_set()
    done = threading.Event()
    client.on_connect = lambda *args: done.set()
    client.connect(broker.host, broker.port, 10)
    deadline = time.monotonic() + timeout
    while not done.is_set() and time.monotonic() < deadline:
        client.loop(timeout=0.2)
    client.disconnect()
    client.loop(timeout=0.2)
