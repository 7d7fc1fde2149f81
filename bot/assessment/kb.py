"""The knowledge base's explanation of an assessment lens: its summary, sources and "raising the score" advice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from knowledge.source import Source

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase

ADVICE = "raising the score"  # the label of the lens articles' point that says how to move up a level


@dataclass(frozen=True)
class Snippet:
    """The first sentence of an article and its sources."""

    text: str
    sources: tuple[Source, ...]
    advice: str | None = None  # the article's "Raising the score" point, when it has one


def snippet(kb: KnowledgeBase | None, topic: str) -> Snippet | None:
    """The article's summary, sources and advice, or None when the bot has no knowledge base or no such article."""
    article = kb.get(topic) if kb is not None else None
    if article is None:
        return None
    advice = next((p.text for p in article.points if p.label.lower().startswith(ADVICE)), None)
    return Snippet(article.summary, article.sources, advice)
