"""``cancel``: leave whatever multi-step flow is active."""

from __future__ import annotations

from bot.intent import TurnContext
from bot.models import IncomingMessage, Reply
from bot.understanding.types import Parse


class CancelIntent:
    """Clears the active flow; flows that keep their own records (assessments) can be resumed later."""

    name = "cancel"
    is_global = True
    examples = ("cancel",)

    def __init__(self, services: object | None = None) -> None:
        self.services = services

    async def handle(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        """Say what was stopped."""
        active = ctx.state.intent
        ctx.state.clear()
        if active is None:
            return [Reply("There was nothing to cancel. Ask me anything, or say “help”.")]
        flow = next((i for i in ctx.intents if i.name == active), None)
        label = getattr(flow, "label", active.replace("_", " "))
        return [Reply(f"OK, I stopped the {label}. Nothing you already answered is lost.")]
