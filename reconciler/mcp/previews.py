"""Send previews kept between the rounds of one confirmation.

On the 2026-07-28 protocol a confirmed send is several tool calls (the client retries with the
human's answer) and the SDK runs the resolvers again each round. The preview (preflight reads,
a dry run over every recipient) is made once and kept here under a digest of the tool and its
arguments, so every round shows the same preview, and the send that follows uses the very
preflight the human approved. An entry is taken (removed) by the send, so a second identical
call previews afresh; entries expire after ``TTL`` seconds and at most ``MAX_ENTRIES`` are kept.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")

TTL = 600.0  # seconds: as long as a human may take to answer
MAX_ENTRIES = 64


def request_key(request: BaseModel) -> str:
    """The same tool with the same arguments gives the same key."""
    text = type(request).__name__ + "\0" + request.model_dump_json()
    return hashlib.sha256(text.encode()).hexdigest()


class PreviewCache(Generic[T]):
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, T]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: str, make: Callable[[], T]) -> T:
        """The kept value for ``key``, or ``make()`` kept (made outside the lock: it calls SES)."""
        with self._lock:
            self._expire()
            kept = self._entries.get(key)
            if kept is not None:
                return kept[1]
        value = make()
        with self._lock:
            self._entries[key] = (self._clock(), value)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
        return value

    def take(self, key: str) -> T | None:
        with self._lock:
            self._expire()
            kept = self._entries.pop(key, None)
        return None if kept is None else kept[1]

    def _expire(self) -> None:
        horizon = self._clock() - TTL
        while self._entries:
            key, (made, _) = next(iter(self._entries.items()))
            if made > horizon:
                return
            del self._entries[key]
