"""Follow-up questions about the last knowledge topic ("tell me more", "who is responsible for that?", "next?")."""

from __future__ import annotations

import re

from knowledge.article import Article, Point
from knowledge.sequences import neighbour

__all__ = ["followup_kind", "measure_points", "neighbour", "sequence_overview", "who_points"]
from bot.understanding.followup import followup_kind
from knowledge.text import light

_WHO_LABEL = re.compile(r"who|owner|responsib|accountab|role|people|personas?|involved", re.IGNORECASE)
_NOUNS = {"phase": "phase/overview", "stage": "maturity/overview", "level": "maturity/overview",
          "lens": "assessment/lenses", "domain": "domain/overview"}


def who_points(article: Article) -> list[Point]:
    """The article's points about who is responsible or involved."""
    return [p for p in article.points if p.label and _WHO_LABEL.search(p.label)]


def sequence_overview(text: str) -> str | None:
    """For "what's the next phase?" the overview of the phases (when the last topic is not a phase)."""
    said = light(text)
    return next((topic for noun, topic in _NOUNS.items() if re.search(rf"\b{noun}s?\b", said)), None)


def measure_points(article: Article) -> list[Point]:
    """The article's points about KPIs and measures."""
    return [p for p in article.points if re.search(r"kpi|measure|metric|target", p.label + " " + p.text, re.I)][:3]
