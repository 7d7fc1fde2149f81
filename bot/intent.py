"""The intent contract: what every intent provides, and the per-turn context it receives.

Intents do not decide whether a message is theirs: understanding (``bot/understanding``) reads the message into a
``Parse`` and the router (``bot/router.py``) dispatches it. An intent's example utterances are data in
``intents/training/<name>.yaml``; it reads its own arguments from the text and answers a usage line when they are
malformed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.models import IncomingMessage, Reply
from bot.state import FlowState
from bot.understanding.types import Parse

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
    """One thing the bot can do: ``handle`` answers a message the router gave it (it may use the database).

    Optional attributes the router reads: ``is_global`` (help, cancel: before any active flow), ``forms`` (ids of
    forms whose submissions are this intent's) and ``buttons`` (prefixes of button values that are this intent's):
    button presses are routed by id and value, not by language. ``summary`` and ``examples`` (a few commands to
    show) are for help; the training examples are in ``intents/training/<name>.yaml``.
    """

    name: str

    async def handle(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        """Answer the message."""
        ...


@runtime_checkable
class FlowIntent(Intent, Protocol):
    """A multi-step intent: while ``state.intent == name`` the router sends it every message first, unless the
    message is confidently one of the intents named in ``interrupted_by``.

    It may set ``label`` (e.g. "assessment") for messages such as "OK, I stopped the assessment".
    """

    interrupted_by: frozenset[str]

    async def continue_flow(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply] | None:
        """Handle the next step, or return None to let the message be routed normally."""
        ...

