"""A citation under an answer: owned by knowledge (articles cite their sources), carried by ``bot.models.Reply``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """A citation shown under an answer."""

    title: str
    url: str
