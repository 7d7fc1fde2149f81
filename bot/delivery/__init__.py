"""Proactive delivery seam: adapters register a Poster per platform; nudges and alerts call Delivery.send, which
paces posts per conversation and retries what the platform asks to be retried.

Limits followed: Slack lets an app post about one message per second to a channel, with short bursts, and answers
429 with ``Retry-After`` beyond that (https://api.slack.com/apis/rate-limits); slack_sdk's retry handler honours
it. Teams throttles per bot and conversation and answers 429 (and 412/502/504 under load); Microsoft asks for
exponential backoff (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.metrics import Metrics
from bot.models import Reply

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    """Where to post: a channel (``user_ref`` empty), a user's DM, or a thread in a channel."""

    platform: str
    tenant: str
    channel: str = ""
    user_ref: str = ""
    thread: str = ""
    reference: dict[str, Any] | None = None  # platform payload, e.g. a Teams ConversationReference

    def describe(self) -> str:
        """Human-readable destination for delivery reports."""
        where = f"DM {self.user_ref}" if self.user_ref and not self.channel else f"channel {self.channel}"
        return f"{self.platform} {where}"


@dataclass(frozen=True)
class DeliveryResult:
    """Outcome of one post: ``ok`` or the reason it failed (``channel_not_found``, ``bot removed`` …)."""

    ok: bool
    error: str | None = None
    message_id: str | None = None
    status: int | None = None  # the HTTP status of a refusal, when the platform gave one
    retry_after: float | None = None  # seconds the platform asked us to wait (``Retry-After``)

    @property
    def retryable(self) -> bool:
        """Whether trying again later may work (throttled or a transient server error)."""
        return not self.ok and (self.retry_after is not None or self.status in RETRY_STATUSES
                                or (self.error or "") in RETRY_ERRORS)


RETRY_STATUSES = frozenset({412, 429, 502, 503, 504})  # Microsoft's list for Teams, plus 503
RETRY_ERRORS = frozenset({"ratelimited", "rate_limited", "service_unavailable", "request_timeout", "fatal_error"})


@dataclass(frozen=True)
class Pacing:
    """How fast one platform is posted to: a token bucket per conversation, and retries with backoff."""

    per_second: float = 1.0  # sustained posts per second to one conversation
    burst: int = 3  # posts allowed at once before pacing starts
    retries: int = 4
    backoff: float = 1.0  # first wait without Retry-After, doubled each retry (with jitter)
    max_wait: float = 60.0


# Slack: slack_sdk's retry handler already honours Retry-After (3 retries, adapters/slack.py), so no second layer.
PACING = {"slack": Pacing(1.0, 3, retries=0), "teams": Pacing(2.0, 5)}


class Poster(Protocol):
    """Implemented by each chat adapter that can post without being spoken to first."""

    platform: str

    async def post(self, target: Target, replies: Sequence[Reply]) -> DeliveryResult:
        """Post the replies; never raise for platform errors, return them."""
        ...


class LogPoster:
    """Fallback poster for a platform whose adapter is not enabled: records, does not pretend to deliver."""

    def __init__(self, platform: str) -> None:
        self.platform = platform

    async def post(self, target: Target, replies: Sequence[Reply]) -> DeliveryResult:
        log.warning("delivery skipped: %s adapter is not enabled (target %s)", self.platform, target.describe())
        return DeliveryResult(ok=False, error=f"{self.platform} is not enabled on this server")


class Delivery:
    """Routes proactive posts to the right platform's poster, paces them, retries throttling, counts outcomes."""

    def __init__(self, metrics: Metrics, pacing: dict[str, Pacing] | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._posters: dict[str, Poster] = {}
        self._metrics = metrics
        self.pacing = {**PACING, **(pacing or {})}
        self._sleep, self._clock = sleep, clock
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}  # key → (tokens, at)

    def register(self, poster: Poster) -> None:
        """Make a platform's poster available (called by the composition root)."""
        self._posters[poster.platform] = poster

    @property
    def platforms(self) -> tuple[str, ...]:
        """Platforms with a registered poster."""
        return tuple(self._posters)

    async def send(self, target: Target, replies: Sequence[Reply]) -> DeliveryResult:
        """Post to the target, paced and retried; unknown platforms and poster crashes become failed results."""
        pace = self.pacing.get(target.platform, Pacing())
        result = DeliveryResult(ok=False, error="not posted")
        for attempt in range(pace.retries + 1):
            await self._turn(target, pace)
            result = await self._post(target, replies)
            if result.ok or not result.retryable or attempt == pace.retries:
                break
            wait = min(result.retry_after if result.retry_after is not None
                       else pace.backoff * 2 ** attempt * (1 + random.random() / 2), pace.max_wait)
            self._metrics.deliveries.labels(target.platform, "throttled").inc()
            log.info("delivery to %s throttled (%s); retry %d in %.1f s", target.describe(), result.error,
                     attempt + 1, wait)
            await self._sleep(wait)
        self._metrics.deliveries.labels(target.platform, "sent" if result.ok else "failed").inc()
        return result

    async def _post(self, target: Target, replies: Sequence[Reply]) -> DeliveryResult:
        poster = self._posters.get(target.platform) or LogPoster(target.platform)
        try:
            return await poster.post(target, replies)
        except Exception as exc:  # a poster bug must not take the scheduler down
            log.exception("delivery to %s crashed", target.describe())
            return DeliveryResult(ok=False, error=f"internal error: {type(exc).__name__}")

    async def _turn(self, target: Target, pace: Pacing) -> None:
        """Wait for this conversation's next slot (the slot is taken before sleeping, so concurrent senders queue)."""
        key = (target.platform, target.tenant, target.channel or target.user_ref)
        now = self._clock()
        tokens, at = self._buckets.get(key, (float(pace.burst), now))
        tokens = min(float(pace.burst), tokens + (now - at) * pace.per_second) - 1
        self._buckets[key] = (tokens, now)
        if tokens < 0:
            await self._sleep(-tokens / pace.per_second)
