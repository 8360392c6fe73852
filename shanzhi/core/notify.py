"""One interface for every notification: to an appellant's phone, to a person, or to everyone
with a role in a unit. Services call `notify(...)` (or `notify_all([...])` for the messages of
one action) inside their transaction.

Where a message goes:

- to a phone: an SMS through the HTTP gateway, when SHANZHI_SMS_GATEWAY_URL is set;
- to a unit: the unit's DingTalk robot (admin → 钉钉机器人), else the global robot
  (SHANZHI_DINGTALK_WEBHOOK); to a person: the global robot;
- otherwise: the local backend, SHANZHI_NOTIFY_BACKEND: "file" (default: JSON lines in the data
  directory's notifications.log, also logged), "console" (log only) or a dotted path to a class
  with send().

SMS and DingTalk messages are rows of the durable outbox (`core.outbox`), written in the
caller's transaction and sent by the worker with retries. Local messages are handed to the
backend after commit. Either way a rolled-back action sends nothing."""

import json
import logging
import threading
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from shanzhi.core.choices import DeliveryChannel
from shanzhi.core.memo import Memo

logger = logging.getLogger("shanzhi.notify")


@dataclass(frozen=True)
class Message:
    kind: str  # e.g. "appeal.registered", "workorder.overdue"
    text: str
    phone: str = ""  # an appellant without an account
    user_id: int | None = None
    unit_id: int | None = None  # everyone with a staff role in the unit
    object_type: str = ""
    object_id: str = ""
    data: dict = field(default_factory=dict)
    area_code: str = ""  # where the object is: who may see the delivery in the log


class ConsoleBackend:
    def send(self, message: Message) -> None:
        logger.info("notify %s → %s: %s", message.kind, _recipient(message), message.text)


class FileBackend(ConsoleBackend):
    _lock = threading.Lock()

    def send(self, message: Message) -> None:
        super().send(message)
        record = {"at": timezone.now().isoformat(), **asdict(message)}
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock, (settings.DATA_DIR / "notifications.log").open("a", encoding="utf-8") as f:
            f.write(line)


class MemoryBackend:
    """For tests: messages collect in `MemoryBackend.outbox`."""

    outbox: list[Message] = []

    def send(self, message: Message) -> None:
        MemoryBackend.outbox.append(message)


BACKENDS = {"file": FileBackend, "console": ConsoleBackend, "memory": MemoryBackend}


def _recipient(message: Message) -> str:
    if message.phone:
        from shanzhi.core.privacy import mask_phone

        return mask_phone(message.phone)
    if message.user_id:
        return f"user:{message.user_id}"
    return f"unit:{message.unit_id}"


def backend():
    name = settings.NOTIFY_BACKEND
    return (BACKENDS.get(name) or import_string(name))()


def _load_robot_units() -> frozenset[int]:
    from shanzhi.core.models import DingTalkRobot

    return frozenset(DingTalkRobot.objects.filter(is_active=True).values_list("unit_id", flat=True))


# Units with a robot of their own, remembered for 30 s (admin changes clear it at once).
robot_units = Memo("robot_units", _load_robot_units, seconds=60)


def channel_for(message: Message) -> tuple[str, str] | None:
    """(channel, target) of the outbox row that carries the message, or None for the local
    backend."""
    if message.phone:
        return (DeliveryChannel.SMS, message.phone) if settings.SMS_GATEWAY_URL else None
    if message.unit_id and message.unit_id in robot_units.get():
        return DeliveryChannel.DINGTALK, f"unit:{message.unit_id}"
    if (message.unit_id or message.user_id) and settings.DINGTALK_WEBHOOK:
        return DeliveryChannel.DINGTALK, "default"
    return None


def notify(message: Message) -> None:
    notify_all([message])


def notify_all(messages: list[Message]) -> None:
    """The messages of one action: the outbox rows among them are written with one INSERT."""
    from shanzhi.core import outbox

    outgoing = []
    for message in messages:
        channel = channel_for(message)
        if channel is None:
            transaction.on_commit(lambda m=message: _deliver(m))
            continue
        payload = {"text": message.text}
        if message.user_id:
            payload["user_id"] = message.user_id
        outgoing.append(
            outbox.Outgoing(
                channel=channel[0],
                target=channel[1],
                kind=message.kind,
                payload=payload,
                object_type=message.object_type,
                object_id=str(message.object_id),
                area_code=message.area_code,
            )
        )
    if outgoing:
        outbox.enqueue(outgoing)


def _deliver(message: Message) -> None:
    try:
        backend().send(message)
    except Exception:  # a notification failure must never undo or break the action itself
        logger.exception("notification %s could not be delivered", message.kind)
