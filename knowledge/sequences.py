"""Ordered topics (phases, maturity stages, lenses, domains): "what comes after Inform?", "the highest stage"."""

from __future__ import annotations

import re

SEQUENCES: dict[str, tuple[str, ...]] = {
    "phase": ("phase/inform", "phase/optimize", "phase/operate"),
    "maturity": ("maturity/crawl", "maturity/walk", "maturity/run"),
    "lens": ("assessment/lens-knowledge", "assessment/lens-process", "assessment/lens-metrics",
             "assessment/lens-adoption", "assessment/lens-automation"),
    "domain": ("domain/understand-usage-and-cost", "domain/quantify-business-value", "domain/optimize-usage-and-cost",
               "domain/manage-the-finops-practice"),
}
LOOPS = frozenset({"phase"})  # the lifecycle starts over after Operate
STARTS = {"phase/overview": "phase", "maturity/overview": "maturity", "assessment/lenses": "lens",
          "domain/overview": "domain"}
_NOUN = r"(?P<noun>phase|stage|level|maturity level|maturity stage|maturity|lens|domain)s?"
AFTER = re.compile(r"^(?:and )?(?:so )?(?:what|which)(?: phase| stage| step| level| lens| domain)?"
                   r"(?: happens| comes| is| s| follows| goes)? ?(?:right )?(?P<dir>after|before|following|preceding) "
                   r"(?:the )?(?P<x>.+)$")
POSITION = re.compile(r"\b(?P<pos>first|1st|lowest|earliest|beginning|starting|initial|second|2nd|middle|third|3rd|"
                      r"last|final|top|highest|most advanced|most mature|latest)\b(?: \w+)? " + _NOUN + r"\b")
_INDEX = {"first": 0, "1st": 0, "lowest": 0, "earliest": 0, "beginning": 0, "starting": 0, "initial": 0,
          "second": 1, "2nd": 1, "middle": 1, "third": 2, "3rd": 2, "last": -1, "final": -1, "top": -1,
          "highest": -1, "most advanced": -1, "most mature": -1, "latest": -1}


HOW_MANY = re.compile(r"\b(?:how many|number of|list (?:of )?(?:all )?(?:the )?)(?: finops)? "
                      r"(?P<noun>domains|capabilities|principles|phases|personas|lenses|scopes|stages|"
                      r"maturity levels|maturity stages)\b(?: (?:are there|exist|are|does|do|in|of|has|have)\b.*)?$")
OVERVIEWS = {"domains": "domain/overview", "capabilities": "capability/overview", "principles": "principle/overview",
             "phases": "phase/overview", "personas": "persona/overview", "lenses": "assessment/lenses",
             "scopes": "scope/overview", "stages": "maturity/overview", "maturity levels": "maturity/overview",
             "maturity stages": "maturity/overview"}
WHICH = re.compile(r"^(?:\w+ )*?(?:which|what) (?P<noun>domain|phase|lens|persona|stage|maturity stage) "
                   r"(?:covers?|has|have|includes?|contains?|is about|is|handles?|owns?|deals with|does)\b"
                   r"(?P<rest>.+)$")
KIND_PREFIX = {"domain": "domain/", "phase": "phase/", "lens": "assessment/lens-", "persona": "persona/",
               "stage": "maturity/", "maturity stage": "maturity/"}


def neighbour(topic: str | None, step: int) -> str | None:
    """The next (step=1) or previous (step=-1) topic of a sequence; an overview's next is its first member."""
    if topic in STARTS:
        return SEQUENCES[STARTS[topic]][0] if step > 0 else None
    for name, seq in SEQUENCES.items():
        if topic in seq:
            index = seq.index(topic) + step
            if name in LOOPS:
                return seq[index % len(seq)]
            return seq[index] if 0 <= index < len(seq) else None
    return None


def by_position(said: str) -> str | None:
    """"the highest maturity stage" → maturity/run; "third phase" → phase/operate (``said`` is ``light`` text)."""
    m = POSITION.search(said)
    if m is None:
        return None
    noun = m["noun"].split()[-1]
    seq = SEQUENCES["maturity" if noun in ("stage", "level", "maturity") else noun]
    index = _INDEX[m["pos"]]
    return seq[index] if -len(seq) <= index < len(seq) else None
