"""The fallback: no confident reading, so say so plainly, offer the likeliest readings and a way to rephrase."""

from __future__ import annotations

from dataclasses import replace

from bot.intent import TurnContext
from bot.models import Choice, IncomingMessage, Reply
from bot.understanding.types import Alternative, Parse
from intents.framework_question import REFUSALS, STARTERS
from intents.help import help_reply
from knowledge.guard import classify
from knowledge.text import light

SUGGESTIONS = 3
OFF_TOPIC = 0.5  # a confident "unknown" is out of scope: say what the bot is for instead of guessing topics
SMALL_TALK, RUNNER_UPS = 0.7, 2  # an "unknown" this sure is small talk; how many runner-ups may name a topic
FQ = "framework_question"
REPHRASE = "You can rephrase it, pick one of these, or say “help” to see everything I can do."


class FallbackIntent:
    """Answers when understanding is not confident; never guesses, but shows what it thought it might be."""

    name = "unknown"
    examples = ()

    def __init__(self, services: object | None = None) -> None:
        self.services = services

    async def handle(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        """An honest "I'm not sure" with the top alternatives as buttons."""
        if not msg.text.strip() and msg.action is None:
            return [help_reply(ctx, "I got an empty message. Here is what I can do:")]
        named = named_topic(msg.text, parse, ctx)
        if parse.intent == self.name and parse.confidence >= OFF_TOPIC and named is None:
            return [off_topic(msg.text, ctx)]
        if named is not None:  # a FinOps question read as small talk: offer the topic it names first
            parse = replace(parse, alternatives=(Alternative(FQ, 1.0, named), *parse.alternatives))
        choices = suggestions(parse, ctx)
        if not choices:
            return [help_reply(ctx, "Sorry, I don't know how to help with that. Here is what I can do:")]
        text = "Sorry, I'm not sure what you mean. Did you mean:\n" + "\n".join(f"• {c.label}" for c in choices)
        return [Reply(f"{text}\n{REPHRASE}", choices=choices)]


def named_topic(text: str, parse: Parse, ctx: TurnContext) -> str | None:
    """For an "unknown" reading that is not sure (below ``SMALL_TALK``), a knowledge topic among its first runner-ups
    that the question names by a title or alias word ("how do I start with allocation"); None for what the guard
    refuses (credentials, personal data, instructions) or when nothing is named."""
    kb = getattr(ctx.services, "knowledge", None)
    if kb is None or parse.intent != "unknown" or parse.confidence >= SMALL_TALK or classify(light(text)) is not None:
        return None
    topics = [a.topic for a in parse.alternatives[:RUNNER_UPS] if a.intent == FQ and a.topic]
    return next((t for t in topics if kb.names(text, t)), None)


def suggestions(parse: Parse, ctx: TurnContext, limit: int = SUGGESTIONS) -> tuple[Choice, ...]:
    """The parse's own reading and its alternatives as buttons: an article title or an intent's first example."""
    kb = getattr(ctx.services, "knowledge", None)
    by_name = {i.name: i for i in ctx.intents}
    readings = [(parse.intent, parse.topic), *((a.intent, a.topic) for a in parse.alternatives)]
    out: list[Choice] = []
    for intent, topic in readings:
        if topic is not None and kb is not None and (article := kb.get(topic)) is not None:
            choice = Choice(article.title[:75], f"tell me about {article.title}")
        elif topic is None and intent in by_name and intent not in ("help", "cancel"):
            examples = getattr(by_name[intent], "examples", ())
            if not examples:
                continue
            choice = Choice(getattr(by_name[intent], "summary", intent)[:75], examples[0])
        else:
            continue
        if choice not in out:
            out.append(choice)
        if len(out) == limit:
            break
    return tuple(out)


def off_topic(text: str, ctx: TurnContext) -> Reply:
    """A refusal worded for what was asked (credentials, personal data, live data, instructions) with starters."""
    kb = getattr(ctx.services, "knowledge", None)
    reason = classify(light(text)) or "smalltalk"
    starters = [a for s in STARTERS if kb is not None and (a := kb.get(s)) is not None]
    body = REFUSALS.get(reason, REFUSALS["smalltalk"])
    if not starters:
        return Reply(body)
    body += " Here are some topics I can explain:\n" + "\n".join(f"• {a.title}" for a in starters)
    return Reply(body, choices=tuple(Choice(a.title[:75], f"tell me about {a.title}") for a in starters))
