"""``help``: what the bot can do, built from every intent's examples so it grows with them."""

from __future__ import annotations

from bot.models import Choice, IncomingMessage, Reply
from bot.understanding.types import Parse
from intents.base import TurnContext


class HelpIntent:
    """Lists what the bot can do with an example for each capability."""

    name = "help"
    is_global = True
    examples = ("help", "what can you do?")

    def __init__(self, services: object | None = None) -> None:
        self.services = services

    async def handle(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        """One line per intent with its first example, and buttons to try a few."""
        return [help_reply(ctx)]


def help_reply(ctx: TurnContext, intro: str = "Here is what I can do:") -> Reply:
    """The help text for the intents this bot runs (also used by the fallback and the adapters)."""
    lines, choices = [intro], []
    for intent in ctx.intents:
        if intent.name in ("help", "cancel") or not intent.examples:
            continue
        summary = getattr(intent, "summary", intent.name.replace("_", " "))
        lines.append(f"• {summary}: e.g. “{intent.examples[0]}”")
        choices.append(Choice(label=intent.examples[0][:75], value=intent.examples[0]))
    lines.append("Say “cancel” at any time to stop what we are doing.")
    return Reply("\n".join(lines), title="finops-bot help", choices=tuple(choices[:5]))
