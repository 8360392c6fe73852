"""One interface for every notification: to an appellant's phone, to a person, or to everyone
with a role in a unit. Services call `notify(...)` inside their transaction; the message is handed
to the configured backend only after commit, so a rolled-back action sends nothing.

SHANZHI_NOTIFY_BACKEND selects the backend: "file" (default: JSON lines in the data directory's
notifications.log, also logged), "console" (log only) or a dotted path to a class with send()."""

import json
import logging
import threading
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

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


def notify(message: Message) -> None:
    transaction.on_commit(lambda: _deliver(message))


def _deliver(message: Message) -> None:
    try:
        backend().send(message)
    except Exception:  # a notification failure must never undo or break the action itself
        logger.exception("notification %s could not be delivered", message.kind)
