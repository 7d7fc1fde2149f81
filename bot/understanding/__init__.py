"""Understanding: every message is parsed once into a ``Parse`` (intent, topic, entities, alternatives)."""

from bot.understanding.types import Alternative, Amount, Entities, Parse, Period

__all__ = ["Alternative", "Amount", "Entities", "Parse", "Period"]
