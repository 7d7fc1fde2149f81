"""The fallback: nothing matched, so say so plainly and offer the closest things the bot can do."""

from __future__ import annotations

from bot.models import Choice, IncomingMessage, Match, Reply
from intents.base import TurnContext
from intents.help import help_reply


class FallbackIntent:
    """Answers when no intent is confident; never guesses."""

    name = "unknown"
    examples = ()

    def __init__(self, services: object | None = None) -> None:
        self.services = services

    def match(self, msg: IncomingMessage) -> Match | None:
        """The router calls the fallback directly; it never competes."""
        return None

    async def handle(self, msg: IncomingMessage, match: Match, ctx: TurnContext) -> list[Reply]:
        """An honest "I don't know" with suggestions."""
        if not msg.text.strip() and msg.action is None:
            return [help_reply(ctx, "I got an empty message. Here is what I can do:")]
        kb = getattr(ctx.services, "knowledge", None)
        closest = kb.closest(msg.text, 3) if kb is not None and msg.text.strip() else []
        if closest:
            text = "Sorry, I don't know how to help with that. The closest FinOps topics I know are:\n"
            text += "\n".join(f"• {a.title}" for a in closest) + "\nSay “help” to see everything I can do."
            return [Reply(text, choices=tuple(Choice(a.title[:75], f"tell me about {a.title}") for a in closest))]
        return [help_reply(ctx, "Sorry, I don't know how to help with that. Here is what I can do:")]
