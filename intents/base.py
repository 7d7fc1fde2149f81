"""The intent contract: what every intent provides, and the per-turn context it receives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.models import IncomingMessage, Match, Reply
from bot.state import FlowState

if TYPE_CHECKING:
    from bot.services import Services


@dataclass
class Outcome:
    """How the turn is reported (``ask --json``, metrics, logs); an intent may refine it while handling."""

    intent: str
    topic: str | None = None
    confidence: float = 0.0


@dataclass
class TurnContext:
    """Everything an intent may use during one turn. No SDK types."""

    state: FlowState
    services: Services
    now: datetime
    intents: tuple[Intent, ...]
    outcome: Outcome
    ref: str  # short reference id for this turn, shown in apologies and logged


@runtime_checkable
class Intent(Protocol):
    """One thing the bot can do. ``match`` is pure and cheap; ``handle`` may use the database."""

    name: str
    examples: tuple[str, ...]

    def match(self, msg: IncomingMessage) -> Match | None:
        """Score the message for this intent, or None when it clearly is not for it."""
        ...

    async def handle(self, msg: IncomingMessage, match: Match, ctx: TurnContext) -> list[Reply]:
        """Answer the message."""
        ...


@runtime_checkable
class GlobalIntent(Intent, Protocol):
    """An intent checked before any active flow (help, cancel)."""

    is_global: bool


@runtime_checkable
class FlowIntent(Intent, Protocol):
    """A multi-step intent: while ``state.intent == name`` the router sends it every message first.

    It may set ``label`` (e.g. "assessment") for messages such as "OK, I stopped the assessment".
    """

    async def continue_flow(self, msg: IncomingMessage, ctx: TurnContext) -> list[Reply] | None:
        """Handle the next step, or return None to let the message be routed normally."""
        ...
