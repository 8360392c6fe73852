"""Per-process memory of read-mostly configuration (categories, triage units, API tokens):
loaded on first use and again after `seconds`, or at once in the process that changed it
(its services call `clear()` on commit). Other processes see a change within `seconds`."""

import threading
import time
from collections.abc import Callable

_all: list["Memo"] = []


class Memo:
    def __init__(self, loader: Callable[[], object], seconds: float):
        self.loader = loader
        self.seconds = seconds
        self._value = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()
        _all.append(self)

    def get(self):
        if time.monotonic() - self._loaded_at > self.seconds:
            value = self.loader()
            with self._lock:
                self._value, self._loaded_at = value, time.monotonic()
        return self._value

    def clear(self) -> None:
        with self._lock:
            self._loaded_at = 0.0


def clear_all() -> None:
    """Forget everything (tests call it between tests)."""
    for memo in _all:
        memo.clear()
