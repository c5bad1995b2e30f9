"""A small shared cache for computed scenes: bounded in entries and in time, single-flight.

One Streamlit process serves every session. When a class opens the same link, the first
session computes the scene and the others wait for it instead of computing it again. If the
computing session is cancelled (its user moved a slider), a waiting session takes over.
Only settings are keys: uploaded data are keyed by a hash of their bytes, so a session can
only ever reach a cached entry whose inputs it already holds.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class SceneCache:
    def __init__(self, max_entries: int = 64, ttl: float = 3600.0) -> None:
        self.max_entries = max_entries
        self.ttl = ttl
        self._data: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._inflight: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def _get(self, key: Hashable) -> tuple[bool, Any]:
        item = self._data.get(key)
        if item is None:
            return False, None
        stamp, value = item
        if time.monotonic() - stamp > self.ttl:
            del self._data[key]
            return False, None
        self._data.move_to_end(key)
        return True, value

    def get(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            return self._get(key)

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any],
                       wait: Callable[[], None] | None = None) -> Any:
        """The cached value, or ``compute()``'s; concurrent callers of one key compute once.

        ``wait`` is called about every 0.1 s while another thread computes the same key (a
        page passes something that raises when its session is superseded).
        """
        while True:
            with self._lock:
                found, value = self._get(key)
                if found:
                    self.hits += 1
                    return value
                event = self._inflight.get(key)
                if event is None:
                    event = self._inflight[key] = threading.Event()
                    owner = True
                else:
                    owner = False
            if owner:
                try:
                    value = compute()
                except BaseException:
                    with self._lock:
                        self._inflight.pop(key, None)
                    event.set()
                    raise
                with self._lock:
                    self.misses += 1
                    self._data[key] = (time.monotonic(), value)
                    self._data.move_to_end(key)
                    while len(self._data) > self.max_entries:
                        self._data.popitem(last=False)
                    self._inflight.pop(key, None)
                event.set()
                return value
            while not event.wait(0.1):
                if wait is not None:
                    wait()
            # The owner finished (cached) or failed (loop round: this thread computes).

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
