"""A maturity stage *of one capability* ("what does Walk look like for anomaly management?"): the capability
article's own sentences about that stage first, then what the stage means in general.

The stage articles describe Crawl, Walk and Run for every capability alike; the capability articles carry the
stage-specific details ("… at Crawl, automated detection with defined investigation workflows at Walk, …"). A
question that names both gets the second, with both articles' sources."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.models import Reply
from bot.understanding.types import Parse
from intents.kb_answer import answer_reply
from knowledge.article import Article
from knowledge.compose import Composed
from knowledge.text import content_words, light, stem

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase

STAGES = {"maturity/crawl": "Crawl", "maturity/walk": "Walk", "maturity/run": "Run"}
_LABEL = re.compile(r"^[-*]\s+\*\*([^*]+?):?\*\*:?\s*")
LEAD_WORDS = 16  # a bullet's first sentence this short names what its later sentences measure ("percentage of …")
_SENTENCES = re.compile(r"(?<=\.)\s+(?=[A-Z])")
_MENTION = re.compile(r"\bat (Crawl|Walk|Run)\b")
INTRO = "{stage} for {capability} (the capability's own {stage} description, then the stage in general):"


def stage_answer(kb: KnowledgeBase, stage: Article, parse: Parse, text: str) -> Reply | None:
    """The answer when ``stage`` is a maturity stage and the message also names a capability whose article says
    something about that stage; None otherwise (the stage's own answer is given)."""
    name = STAGES.get(stage.id)
    if name is None:
        return None
    capability = _named_capability(kb, parse, text)
    if capability is None:
        return None
    points = stage_points(capability, name)
    if not points:
        return None
    blocks = (*(f"• {p}" for p in points), f"In general, {name}: {stage.summary}")
    return answer_reply(kb, capability, Composed(blocks, len(blocks)), stage,
                        INTRO.format(stage=name, capability=capability.title))


def stage_points(article: Article, stage: str) -> list[str]:
    """The article's words about ``stage``, each with its bullet's label ("Maturity: …") and, when they are in a
    later sentence of the bullet, its first sentence too ("Key KPI (percentage of spend allocated): …"): in a line
    that walks through the stages ("… at Crawl; … at Walk; … at Run") the part that ends at this stage; a part too
    short to stand alone ("15% at Walk") is given as its whole sentence, the stage in bold."""
    found: list[str] = []
    for section in article.sections:
        for line in section.text.splitlines():
            label = _LABEL.match(line.strip())
            body = line.strip()[label.end():] if label else line.strip().lstrip("-* ")
            sentences = _SENTENCES.split(body)
            for n, sentence in enumerate(sentences):
                part = _part(sentence, stage)
                if not part:
                    continue
                lead = sentences[0].rstrip(" .") if n and len(sentences[0].split()) <= LEAD_WORDS else ""
                name = f"{label.group(1)} ({lead})" if label and lead else label.group(1) if label else ""
                found.append(f"{name}: {part}" if name else part[:1].upper() + part[1:])
    return list(dict.fromkeys(found))


def _part(sentence: str, stage: str) -> str | None:
    """The words of ``sentence`` about ``stage`` (None when it does not name the stage)."""
    ends = [m for m in _MENTION.finditer(sentence)]
    mine = [i for i, m in enumerate(ends) if m.group(1) == stage]
    if not mine:
        return None
    i = mine[0]
    start = ends[i - 1].end() if i else 0
    part = sentence[start:ends[i].end()].strip(" ,;.")
    part = re.sub(r"^(and|or)\s+", "", part)
    if len(ends) > 1 and len(part.split()) < 5:
        return _MENTION.sub(lambda m: f"at **{stage}**" if m.group(1) == stage else m.group(0), sentence).strip(" .")
    return part


def _named_capability(kb: KnowledgeBase, parse: Parse, text: str) -> Article | None:
    """The capability among the parse's readings and the search's hits whose title or an alias is named in full."""
    said = {stem(w) for w in content_words(light(text, joined=False))}
    ids = [a.topic for a in parse.alternatives if a.topic] + [h.id for h in kb.search(text, k=5).hits]
    for topic in dict.fromkeys(ids):
        article = kb.get(topic)
        if article is None or article.kind != "capability":
            continue
        for name in (article.title, *article.aliases):
            words = {stem(w) for w in content_words(light(name, joined=False))}
            if words and words <= said:
                return article
    return None
