"""Follow-ups on the conversation's last knowledge topic: which shape they ask for, and ordered neighbours."""

from __future__ import annotations

import re

from bot.understanding.followup import followup_kind
from knowledge.sequences import neighbour
from knowledge.text import light

__all__ = ["FOLLOWUP_SHAPES", "followup_kind", "neighbour", "sequence_overview"]
# a follow-up asks for the same answer shapes as a question (knowledge/compose.py)
FOLLOWUP_SHAPES = {"who": "who", "measure": "kpi", "example": "example", "how": "how", "pitfalls": "pitfalls"}

_NOUNS = {"phase": "phase/overview", "stage": "maturity/overview", "level": "maturity/overview",
          "lens": "assessment/lenses", "domain": "domain/overview"}


def sequence_overview(text: str) -> str | None:
    """For "what's the next phase?" the overview of the phases (when the last topic is not a phase)."""
    said = light(text)
    return next((topic for noun, topic in _NOUNS.items() if re.search(rf"\b{noun}s?\b", said)), None)
