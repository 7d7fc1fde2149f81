"""Read a knowledge base article by topic id, whatever shape the knowledge feature gives it (optional)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.models import Source

log = logging.getLogger(__name__)
_TEXT_FIELDS = ("short", "answer", "summary", "body", "text")


@dataclass(frozen=True)
class Snippet:
    """The first sentence of an article and its sources."""

    text: str
    sources: tuple[Source, ...]
    advice: str | None = None  # the article's "Raising the score" point, when it has one


def _find(kb: Any, topic: str) -> Any:
    for attr in ("get", "article", "by_id"):
        fn = getattr(kb, attr, None)
        if callable(fn):
            try:
                found = fn(topic)
            except (LookupError, TypeError, ValueError):
                found = None
            if found is not None:
                return found
    articles = getattr(kb, "articles", None)
    return articles.get(topic) if isinstance(articles, Mapping) else None


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def _first_sentence(text: str) -> str:
    text = " ".join(text.replace("**", "").split())
    m = re.match(r"(.+?[.!?])(?:\s|$)", text)
    return (m.group(1) if m else text)[:400]


def snippet(kb: Any, topic: str) -> Snippet | None:
    """The article's opening sentence and sources, or None when there is no knowledge base or article."""
    if kb is None:
        return None
    try:
        article = _find(kb, topic)
        if article is None:
            return None
        text = next((str(t) for f in _TEXT_FIELDS if (t := _field(article, f))), "")
        sources = tuple(Source(str(_field(s, "title")), str(_field(s, "url")))
                        for s in (_field(article, "sources") or ()) if _field(s, "url"))
        advice = next((str(_field(p, "text")) for p in (_field(article, "points") or ())
                       if str(_field(p, "label") or "").lower().startswith("raising the score")), None)
    except Exception:  # an optional enrichment must never break the assessment
        log.exception("knowledge lookup failed for %s", topic)
        return None
    return Snippet(_first_sentence(text), sources, advice) if text else None
