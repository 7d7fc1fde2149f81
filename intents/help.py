"""``help``: what the bot can do, one line per intent, with examples and buttons that are safe to press.

Buttons on help and welcome cards only ask questions or open forms: pressing one never changes data (an
intent's first example may be a command such as "set budget …" or "grant …", so buttons are not built from
examples). Examples that name people use an @mention, as people type them on Slack and Teams (never an id).
"""

from __future__ import annotations

import re

from bot.intent import TurnContext
from bot.models import Choice, IncomingMessage, Reply
from bot.understanding.types import Parse

# Examples shown for intents whose first example is not right for every platform (people, ids, long lines).
EXAMPLES: dict[str, str] = {
    "admin": "grant practitioner to @alice",
    "team_admin": "add @alice to payments as owner",
    "budget_set": "set budget for payments (opens a form)",
    "nudge": "nudge payments: Tag your resources by Friday",
    "survey": "survey payments: Do you tag resources? options: yes | no",
}
# Buttons that are safe to press from a help or welcome card: questions, read-only status, forms.
SAFE_BUTTONS: tuple[Choice, ...] = (
    Choice("What is FinOps?", "what is FinOps?", "primary"),
    Choice("Budget status", "budget status"),
    Choice("Maturity status", "maturity status"),
    Choice("What is showback?", "what is showback?"),
    Choice("Compose a nudge", "compose nudge"),
)
WELCOME = ("Hi, I'm finops-bot. Ask me FinOps questions, or about your team's budget and maturity. "
           "In a channel, @mention me first. Type “help” to see everything I can do.")
_PERSON_ID = re.compile(r"\b(?:slack|teams):\S+|<@[^>]+>")


def shown_example(intent: object) -> str:
    """The example shown for an intent: the table's, or its first example with any user id as an @mention
    (people type ``@alice`` on both platforms; a ``slack:U…`` id means nothing on Teams)."""
    example = EXAMPLES.get(str(getattr(intent, "name", ""))) or str(getattr(intent, "examples", ("",))[0])
    return _PERSON_ID.sub("@alice", example)


class HelpIntent:
    """Lists what the bot can do with an example for each capability."""

    name = "help"
    is_global = True
    examples = ("help", "what can you do?")

    def __init__(self, services: object | None = None) -> None:
        self.services = services

    async def handle(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        """One line per intent with an example, and buttons that are safe to press."""
        return [help_reply(ctx)]

    @staticmethod
    def welcome() -> Reply:
        """The card an adapter sends when the app is installed somewhere."""
        return welcome_reply()


def help_reply(ctx: TurnContext, intro: str = "Here is what I can do:") -> Reply:
    """The help text for the intents this bot runs (also used by the fallback); only safe buttons."""
    lines = [intro]
    for intent in ctx.intents:
        if intent.name in ("help", "cancel") or not getattr(intent, "examples", ()):
            continue
        summary = getattr(intent, "summary", intent.name.replace("_", " "))
        lines.append(f"• {summary}: e.g. “{shown_example(intent)}”")
    lines.append("Say “cancel” at any time to stop what we are doing.")
    return Reply("\n".join(lines), title="finops-bot help", choices=SAFE_BUTTONS)


def welcome_reply() -> Reply:
    """The short card sent when the app is installed in a chat, group chat or team (only safe buttons)."""
    return Reply(WELCOME, title="Welcome to finops-bot", choices=(*SAFE_BUTTONS[:3], Choice("Help", "help")))
