"""Proactive delivery seam: adapters register a Poster per platform; nudges and alerts call Delivery.send."""

from __future__ import annotations

import logging
from collections.abc import Sequence
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
    """Routes proactive posts to the right platform's poster and counts the outcomes."""

    def __init__(self, metrics: Metrics) -> None:
        self._posters: dict[str, Poster] = {}
        self._metrics = metrics

    def register(self, poster: Poster) -> None:
        """Make a platform's poster available (called by the composition root)."""
        self._posters[poster.platform] = poster

    @property
    def platforms(self) -> tuple[str, ...]:
        """Platforms with a registered poster."""
        return tuple(self._posters)

    async def send(self, target: Target, replies: Sequence[Reply]) -> DeliveryResult:
        """Post to the target; unknown platforms and poster crashes become failed results."""
        poster = self._posters.get(target.platform) or LogPoster(target.platform)
        try:
            result = await poster.post(target, replies)
        except Exception as exc:  # a poster bug must not take the scheduler down
            log.exception("delivery to %s crashed", target.describe())
            result = DeliveryResult(ok=False, error=f"internal error: {type(exc).__name__}")
        self._metrics.deliveries.labels(target.platform, "sent" if result.ok else "failed").inc()
        return result
