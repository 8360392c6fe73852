"""Per-process memory of read-mostly configuration (categories, triage units, robot units):
loaded on first use, and again when its shared generation changed (another process changed it,
`core.generations`) or after `seconds` as a safety net. The process that changes one calls
`clear()` on commit, which also bumps the generation for the others."""

import threading
import time
from collections.abc import Callable

from shanzhi.core import generations

_all: list["Memo"] = []


class Memo:
    def __init__(self, name: str, loader: Callable[[], object], seconds: float):
        assert name in generations.NAMES, name
        self.name = name
        self.loader = loader
        self.seconds = seconds
        self._value = None
        self._loaded_at = 0.0
        self._generation = None
        self._lock = threading.Lock()
        _all.append(self)

    def get(self):
        generation = generations.current(self.name)
        if generation != self._generation or time.monotonic() - self._loaded_at > self.seconds:
            value = self.loader()
            with self._lock:
                self._value, self._loaded_at = value, time.monotonic()
                self._generation = generation
        return self._value

    def forget(self) -> None:
        """This process only (tests between tests)."""
        with self._lock:
            self._loaded_at = 0.0
            self._generation = None

    def clear(self) -> None:
        """After a change: this process at once, every other one at its next use."""
        self.forget()
        generations.bump(self.name)


def clear_all() -> None:
    """Forget everything in this process (tests call it between tests)."""
    for memo in _all:
        memo.forget()
