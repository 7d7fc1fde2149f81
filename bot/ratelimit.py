"""Per-user flood protection: a token bucket per user, kept in process memory (bounded)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

MAX_TRACKED = 50_000  # users remembered at once; the least recently seen are forgotten first
WARN_WINDOW = 60.0  # seconds: a flooding user is told to slow down once per window, then ignored


class RateLimiter:
    """Allows ``burst`` messages at once and ``per_minute`` sustained, per key."""

    def __init__(self, per_minute: int, burst: int | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(5, per_minute // 3))
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, last time)
        self._warned: OrderedDict[str, float] = OrderedDict()  # key -> when it was last told to slow down

    def allow(self, key: str) -> bool:
        """Take one token for ``key``; False when the bucket is empty."""
        if self.rate <= 0:
            return True
        now = self.clock()
        tokens, last = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > MAX_TRACKED:
            self._buckets.popitem(last=False)
        return allowed

    def should_warn(self, key: str) -> bool:
        """For a refused message: True once per WARN_WINDOW per key (one "slow down" reply, not one per message)."""
        now = self.clock()
        last = self._warned.pop(key, None)
        if last is not None and now - last < WARN_WINDOW:
            self._warned[key] = last
            return False
        self._warned[key] = now
        if len(self._warned) > MAX_TRACKED:
            self._warned.popitem(last=False)
        return True
