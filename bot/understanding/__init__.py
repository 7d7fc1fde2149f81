"""Understanding: every message parsed once into a ``Parse`` (intent, topic, entities, confidence, alternatives).

The model lives in ``bot.understanding.parse`` (imported by the composition root); this package root stays light.
"""

from bot.understanding.types import Alternative, Amount, Entities, Parse, Period

__all__ = ["Alternative", "Amount", "Entities", "Parse", "Period"]
