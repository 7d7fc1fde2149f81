"""The bot's trained understanding for tests that check how phrasings are read (trained once per process)."""

from __future__ import annotations

from bot.understanding.parse import Understanding
from bot.understanding.store import load_or_train_for
from intents import INTENTS
from knowledge.base import KnowledgeBase


def understanding() -> Understanding:
    """The same model ``build_bot`` uses (cached per training data)."""
    kb = KnowledgeBase.load()
    return load_or_train_for({cls.name for cls in INTENTS}, kb)


def intent_of(text: str) -> str:
    """The intent the router would dispatch to (``unknown`` below its confidence threshold)."""
    u = understanding()
    parse = u.parse(text)
    return parse.intent if parse.confidence >= u.threshold else "unknown"
