"""Sensor alarms through a real Mosquitto broker: publish with paho, consume with the consumer
`shanzhi mqtt` runs, and find the work order. Each test publishes on its own topic prefix under
its own client id, and forgets its broker session afterwards.

Most tests run the consumer in the test's own thread, for a bounded time (`run(until=…)`), so it
works inside the test's transaction. The broker-restart test spawns its own mosquitto (with
persistence) on a free port and restarts it; the last test runs the consumer in a thread of its
own against committed data, as `shanzhi mqtt` does, and watches the map's API.

The broker on 127.0.0.1:1883 (SHANZHI_TEST_MQTT_URL) must be running: CI starts one."""

import contextlib
import datetime
import getpass
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from types import SimpleNamespace

import paho.mqtt.client as mqtt
import pytest
from django.db import OperationalError
from django.utils import timezone

from shanzhi.interop import mqtt as consumer_module
from shanzhi.interop.models import Alarm
from shanzhi.interop.mqtt import AlarmConsumer, MqttConfigError, forget_session, parse_url
from shanzhi.workorders.models import WorkOrder

BROKER_URL = os.environ.get("SHANZHI_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
GAS = "YH-RQ-0002"  # 月河街道, gas_leak → 出租房消防隐患
GAUGE = "YH-SW-0004"  # 月河街道, water_level → 排水不畅
SMOKE = "YH-YG-0001"  # 月河街道, smoke → 出租房消防隐患
WAIT = 15  # seconds: an alarm normally arrives in milliseconds


def _reachable(url: str) -> bool:
    broker = parse_url(url)
    try:
        socket.create_connection((broker.host, broker.port), timeout=2).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def broker_url():
    if not _reachable(BROKER_URL):
        pytest.fail(
            f"These tests need an MQTT broker at {BROKER_URL}: apt-get install -y mosquitto "
            "and start it (or set SHANZHI_TEST_MQTT_URL)."
        )
    return BROKER_URL


@pytest.fixture
def channel(broker_url):
    """A topic prefix and a client id of this test alone."""
    run = uuid.uuid4().hex[:12]
    made = SimpleNamespace(
        url=broker_url,
        prefix=f"shanzhi-test/{run}/alarms",
        topic=f"shanzhi-test/{run}/alarms/#",
        client_id=f"shanzhi-test-{run}",
    )
    yield made
    with contextlib.suppress(OSError):  # the test's own broker may be gone already
        forget_session(url=made.url, client_id=made.client_id)


def make_consumer(channel, url=None) -> AlarmConsumer:
    return AlarmConsumer(
        url=url or channel.url,
        topic=channel.topic,
        client_id=channel.client_id,
        min_delay=0.2,
        max_delay=1.0,
    )


@pytest.fixture
def consumer(channel):
    made = make_consumer(channel)
    assert made.run(until=made.subscribed.is_set, timeout=WAIT), "no subscription"
    yield made
    made.close()


def alarm(device=GAS, alarm_type="gas_leak", **overrides) -> dict:
    body = {
        "device": device,
        "id": uuid.uuid4().hex[:16],
        "type": alarm_type,
        "level": "major",
        "time": timezone.now().replace(microsecond=0).isoformat(),
    }
    body.update(overrides)
    return body


def publish(url: str, topic: str, *payloads) -> None:
    """Publish at QoS 1 and wait for every PUBACK from the broker."""
    broker = parse_url(url)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    client.connect(broker.host, broker.port, 10)
    client.loop_start()
    try:
        for payload in payloads:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            client.publish(topic, data, qos=1).wait_for_publish(timeout=WAIT)
    finally:
        client.disconnect()
        client.loop_stop()


def stored(*bodies) -> bool:
    return Alarm.objects.filter(key__in=[f"id:{b['id']}" for b in bodies]).count() == len(bodies)


pytestmark = pytest.mark.django_db


def test_a_published_alarm_becomes_a_work_order(channel, consumer):
    body = alarm(level="critical", value=23.5, unit="%LEL")
    publish(channel.url, f"{channel.prefix}/{GAS}", body)
    assert consumer.run(until=lambda: stored(body), timeout=WAIT)
    order = Alarm.objects.get(key=f"id:{body['id']}").work_order
    assert (order.channel, order.urgency, order.state) == ("sensor", "critical", "pending_dispatch")
    assert "23.5 %LEL" in order.content
    assert consumer.counts["opened"] == 1


def test_repeats_fold_redeliveries_do_nothing_and_a_later_alarm_opens_a_new_order(
    channel, consumer, settings
):
    settings.ALARM_DEDUP_SECONDS = 120
    now = timezone.now().replace(microsecond=0)
    first = alarm(time=(now - datetime.timedelta(minutes=10)).isoformat())
    repeat = alarm(time=(now - datetime.timedelta(minutes=9)).isoformat())
    later = alarm(time=now.isoformat())  # 9 minutes after the repeat: outside the window
    publish(channel.url, f"{channel.prefix}/{GAS}", first, first, repeat, first, later)
    assert consumer.run(until=lambda: sum(consumer.counts.values()) == 5, timeout=WAIT)
    assert dict(consumer.counts) == {"opened": 2, "folded": 1, "duplicate": 2}
    alarms = Alarm.objects.filter(device__device_id=GAS).order_by("occurred_at")
    assert alarms.count() == 3
    opened = alarms.get(key=f"id:{first['id']}")
    assert opened.repeat_count == 1
    assert alarms.get(key=f"id:{repeat['id']}").work_order_id == opened.work_order_id
    assert alarms.get(key=f"id:{later['id']}").work_order_id != opened.work_order_id


def test_bad_alarms_are_dropped_logged_and_the_consumer_carries_on(
    channel, consumer, table_counts, caplog
):
    far = alarm(lon=116.4, lat=39.9)  # Beijing: in no grid
    pole = alarm(device="ZL-YG-0001", alarm_type="smoke", lon=120.1, lat=90.5)  # no such latitude
    good = alarm()
    before = (table_counts(), WorkOrder.objects.count(), Alarm.objects.count())
    publish(
        channel.url,
        f"{channel.prefix}/x",
        b"{not json",
        b"\xff\xfe",
        alarm(device="NO-SUCH-DEVICE"),
        far,
        pole,
        alarm(time="2026-11-22T08:30:00"),  # no zone
        b"x" * 20_000,
        good,
    )
    caplog.set_level("WARNING", logger="shanzhi.interop.mqtt")
    assert consumer.run(until=lambda: stored(good), timeout=WAIT)
    assert dict(consumer.counts) == {"rejected": 7, "opened": 1}
    counts, orders, alarms = before
    assert table_counts()["AuditEvent"] == counts["AuditEvent"] + 2  # register + alarm.open
    assert (WorkOrder.objects.count(), Alarm.objects.count()) == (orders + 1, alarms + 1)
    refusals = [r.getMessage() for r in caplog.records if "alarm refused" in r.getMessage()]
    assert len(refusals) == 7
    assert any("未登记的设备 NO-SUCH-DEVICE" in m for m in refusals)
    # Refused messages were acknowledged: the broker does not deliver them again.
    consumer.close()
    again = make_consumer(channel)
    assert not again.run(until=lambda: sum(again.counts.values()) > 0, timeout=1.5)
    again.close()


def test_a_database_failure_is_not_acknowledged_and_the_alarm_comes_back(
    channel, consumer, monkeypatch
):
    real = consumer_module.alarm_receive
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["payload"])
        if len(calls) == 1:
            raise OperationalError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(consumer_module, "alarm_receive", flaky)
    body = alarm()
    publish(channel.url, f"{channel.prefix}/{GAS}", body)
    assert consumer.run(until=lambda: stored(body), timeout=WAIT)
    assert len(calls) == 2 and calls[0] == calls[1]  # delivered again after the reconnection
    assert consumer.counts["retry"] == 1 and consumer.counts["opened"] == 1
    assert Alarm.objects.filter(key=f"id:{body['id']}").count() == 1


def test_a_message_that_always_fails_is_dropped_after_a_few_tries(channel, consumer, monkeypatch):
    real = consumer_module.alarm_receive

    def buggy(**kwargs):
        if b"poison" in kwargs["payload"]:
            raise ZeroDivisionError("a bug")
        return real(**kwargs)

    monkeypatch.setattr(consumer_module, "alarm_receive", buggy)
    poison, good = alarm(message="poison"), alarm(device=GAUGE, alarm_type="water_level")
    publish(channel.url, f"{channel.prefix}/x", poison, good)
    assert consumer.run(until=lambda: stored(good), timeout=WAIT)
    assert consumer.counts["failed"] == 1
    assert consumer.counts["retry"] == consumer_module.MAX_ATTEMPTS - 1
    assert not Alarm.objects.filter(key=f"id:{poison['id']}").exists()


# -- the broker restarts -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mosquitto:
    """A broker of the test's own, with persistence, so that it can be restarted."""

    def __init__(self, directory):
        self.port = _free_port()
        self.directory = directory
        self.config = directory / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            # Started as root, mosquitto would switch to the user "mosquitto", who may not write
            # its files here; as anyone else it ignores this line.
            f"user {getpass.getuser()}\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {directory}/\n"
            f"log_dest file {directory}/mosquitto.log\n"
        )
        self.process = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self):
        self.process = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + WAIT
        while not _reachable(self.url):
            assert self.process.poll() is None, (self.directory / "mosquitto.log").read_text()
            assert time.monotonic() < deadline, "mosquitto did not start"
            time.sleep(0.05)

    def stop(self):
        """SIGTERM: mosquitto writes its sessions and queued messages to disk and exits."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=WAIT)


@pytest.fixture
def own_broker(tmp_path):
    if not os.path.exists(MOSQUITTO):
        pytest.fail(f"the restart test needs {MOSQUITTO}: apt-get install -y mosquitto")
    broker = Mosquitto(tmp_path)
    broker.start()
    yield broker
    broker.stop()


@pytest.mark.slow
def test_the_consumer_reconnects_after_a_broker_restart_and_loses_nothing(
    channel, own_broker, settings
):
    settings.ALARM_DEDUP_SECONDS = 0  # every alarm its own order: easy to count
    consumer = make_consumer(channel, url=own_broker.url)
    try:
        assert consumer.run(until=consumer.subscribed.is_set, timeout=WAIT)
        topic = f"{channel.prefix}/{GAS}"
        before = alarm()
        publish(own_broker.url, topic, before)
        assert consumer.run(until=lambda: stored(before), timeout=WAIT)
        # Delivered to the consumer's socket but not yet read, so not acknowledged …
        in_flight = alarm()
        publish(own_broker.url, topic, in_flight)
        own_broker.stop()  # … when the broker goes down.
        consumer.run(timeout=1.0)  # notices, and fails to reconnect for a while
        assert not consumer.subscribed.is_set()
        own_broker.start()
        # Published while the consumer is still away: the broker queues it for the session.
        after = [alarm(), alarm()]
        publish(own_broker.url, topic, *after)
        assert consumer.run(until=lambda: stored(before, in_flight, *after), timeout=WAIT)
        latest = alarm()
        publish(own_broker.url, topic, latest)
        assert consumer.run(until=lambda: stored(latest), timeout=WAIT)
    finally:
        consumer.close()
    bodies = [before, in_flight, *after, latest]
    alarms = Alarm.objects.filter(key__in=[f"id:{b['id']}" for b in bodies])
    assert alarms.count() == 5
    assert len({a.work_order_id for a in alarms}) == 5  # five orders, none twice
    assert consumer.counts["opened"] == 5


# -- as `shanzhi mqtt` runs: a thread of its own, committed data, the map's API ----------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_alarm_appears_on_the_map_within_seconds(channel, api_as):
    from django.db import connection

    consumer = make_consumer(channel)

    def serve():
        try:
            consumer.run()
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + WAIT
        while not consumer.subscribed.is_set():
            assert time.monotonic() < deadline, "no subscription"
            time.sleep(0.05)
        body = alarm(device=SMOKE, alarm_type="smoke", level="critical")
        started = time.monotonic()
        publish(channel.url, f"{channel.prefix}/{SMOKE}", body)
        dispatcher = api_as("dispatcher")
        while True:
            status, events = dispatcher.get("/api/v1/alarm-events?within=330502001000")
            assert status == 200
            mine = [f for f in events["features"] if f["properties"]["device_id"] == SMOKE]
            if mine:
                break
            assert time.monotonic() - started < 5, "the alarm did not reach the map in 5 s"
            time.sleep(0.1)
    finally:
        consumer.stop()
        thread.join(timeout=WAIT)
    assert not thread.is_alive()
    assert mine[0]["properties"]["alarm_type_label"] == "烟感报警"
    assert mine[0]["properties"]["level"] == "critical"


# -- configuration -----------------------------------------------------------------------------


def test_broker_urls():
    assert parse_url("mqtt://127.0.0.1").port == 1883
    secure = parse_url("mqtts://gw:p%40ss@broker.example:8884")
    assert (secure.host, secure.port, secure.username, secure.password, secure.tls) == (
        "broker.example",
        8884,
        "gw",
        "p@ss",
        True,
    )
    assert "p@ss" not in str(secure)
    for bad in ("", "http://x", "mqtt://", "mqtt://host:99999"):
        with pytest.raises(MqttConfigError):
            parse_url(bad)


def test_shanzhi_mqtt_without_a_broker_url_says_so(settings, capsys):
    from shanzhi.cli import main

    settings.MQTT_URL = ""
    assert main(["mqtt"]) == 2
    assert "SHANZHI_MQTT_URL" in capsys.readouterr().err
