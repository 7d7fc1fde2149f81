"""``cancel``: leave whatever multi-step flow is active."""

from __future__ import annotations

import re

from bot.models import IncomingMessage, Match, Reply
from intents.base import TurnContext
from intents.text import normalize

_CANCEL = re.compile(r"^(?:cancel|stop|quit|exit|abort|never ?mind|nvm|forget it)[.! ]*$")


class CancelIntent:
    """Clears the active flow; flows that keep their own records (assessments) can be resumed later."""

    name = "cancel"
    is_global = True
    examples = ("cancel",)

    def __init__(self, services: object | None = None) -> None:
        self.services = services

    def match(self, msg: IncomingMessage) -> Match | None:
        """Exact short commands only, so "how do I cancel a reservation" is not a cancel."""
        return Match(self.name, 1.0) if _CANCEL.match(normalize(msg.text)) else None

    async def handle(self, msg: IncomingMessage, match: Match, ctx: TurnContext) -> list[Reply]:
        """Say what was stopped."""
        active = ctx.state.intent
        ctx.state.clear()
        if active is None:
            return [Reply("There was nothing to cancel. Ask me anything, or say “help”.")]
        flow = next((i for i in ctx.intents if i.name == active), None)
        label = getattr(flow, "label", active.replace("_", " "))
        return [Reply(f"OK, I stopped the {label}. Nothing you already answered is lost.")]
