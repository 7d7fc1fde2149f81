"""Answers composed for what was asked: who, a comparison, a list, steps, an example, KPIs, pitfalls, a definition."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.article import Article, Point, Section
from knowledge.asks import DEFINE
from knowledge.facts import list_for

LIMIT = 120  # words in a first answer, the "say more" hint included; "more" shows the rest
HINT_WORDS = 6  # room kept for the reply's "(Say “more” for the rest.)"
MORE_LIMIT = 160  # words per "more"
# which section answers which shape, and what to say when the article has none
LEADS = {"who": "Who", "how": "How to start", "example": "Examples", "kpi": "KPIs", "pitfalls": "Pitfalls"}
INTROS = {"Who": "Who is involved in {t}:", "How to start": "How to start with {t}:", "Examples": "An example of {t}:",
          "KPIs": "How to measure {t}:", "Pitfalls": "Pitfalls with {t}:"}
MISSING = {"Who": "The framework names no single owner for {t}.",
           "How to start": "I have no step-by-step guide for {t}.",
           "Examples": "I have no worked example of {t}.", "KPIs": "I have no KPIs listed for {t}.",
           "Pitfalls": "I have no pitfalls listed for {t}."}
_STEP = re.compile(r"^\d+\. ")
ORDER = ("Definition", "Who", "How to start", "Examples", "KPIs", "Pitfalls")


@dataclass(frozen=True)
class Composed:
    """An answer split into blocks (each a few lines); the first ``shown`` blocks make the reply."""

    blocks: tuple[str, ...]
    shown: int

    @property
    def text(self) -> str:
        """The reply's text: the blocks shown."""
        return "\n".join(self.blocks[:self.shown])

    @property
    def more(self) -> bool:
        """Whether blocks are left for "more"."""
        return self.shown < len(self.blocks)


def word_count(text: str) -> int:
    """Words as a reader counts them (bullets and dashes are not words)."""
    return sum(1 for w in text.split() if any(c.isalnum() for c in w))


def compose(article: Article, shape: str, other: Article | None = None) -> Composed:
    """The answer to a question of this shape about ``article`` (and ``other`` for a comparison)."""
    if shape == "compare" and other is not None and other.id != article.id:
        blocks = _compare(article, other)
        return Composed(blocks, _fit(blocks, LIMIT - HINT_WORDS, minimum=3))
    if shape == "who" and article.kind == "persona":
        shape = DEFINE  # a persona article is itself the answer to "who"
    lead: list[str] = []
    if shape in LEADS:
        lead = _section_block(article, LEADS[shape], lead_sentence=True)
        if not lead:
            lead = [MISSING[LEADS[shape]].format(t=article.title)]
    listed = list_for(article.id)
    if listed and (shape == "list" or (shape in (DEFINE, "who") and listed.in_definition)):
        full = "\n".join(listed.lines)
        lead = [*lead, full] if shape == "who" and article.section("Who") else [full]
    blocks = [*lead, *_article_blocks(article, skip=LEADS.get(shape))]
    return Composed(tuple(blocks), _fit(blocks, LIMIT - HINT_WORDS, minimum=len(lead) or 1))


def continued(done: Composed) -> Composed:
    """The same answer moved on to the next blocks, for "more"."""
    rest = done.blocks[done.shown:]
    return Composed(done.blocks, done.shown + _fit(rest, MORE_LIMIT - HINT_WORDS, minimum=1))


def _article_blocks(article: Article, skip: str | None) -> list[str]:
    """The article in reading order: its summary, each definition point, then each other section."""
    blocks = [article.summary]
    definition = article.section("Definition")
    blocks += [_bullet(point.render()) for point in _definition_points(article, definition)]
    for name in ORDER[1:]:
        if name != skip and (block := _section_block(article, name)):
            blocks.append("\n".join(block))
    return blocks


def _definition_points(article: Article, definition: Section | None) -> list[Point]:
    points = list(definition.points if definition else ())
    if points and points[0].text.startswith(article.summary):
        rest = points[0].text[len(article.summary):].strip()
        points = ([Point("", rest)] if rest else []) + points[1:]
    return points


def _section_block(article: Article, name: str, lead_sentence: bool = False) -> list[str]:
    """A section as lines: for a lead, its first point becomes the opening sentence."""
    section = article.section(name)
    if section is None:
        return []
    points = list(section.points)
    title = INTROS[name].format(t=article.title)
    if len(points) == 1 and (note := _repeats(name, points[0].label)) is not None:
        return [f"{title[:-1]}{note}: {points[0].text}"] if lead_sentence else [title, f"• {points[0].text}"]
    if lead_sentence and len(points) == 1:
        return [f"{title} {points[0].render()}"]
    return [title, *(_bullet(p.render()) for p in points)]


def _bullet(line: str) -> str:
    """A point as an answer line: numbered steps keep their number, other points get a bullet."""
    return line if _STEP.match(line) else f"• {line}"


def _repeats(name: str, label: str) -> str | None:
    """For a label that only repeats the section's name ("Example (illustrative numbers)"), what it adds, else None."""
    root = name.split()[0].rstrip("s").lower()
    if name == "Examples" and label.lower().startswith("illustrative"):
        return f" ({label.lower()})"
    if not label or not label.lower().startswith(root):
        return None
    rest = label[len(root):].lstrip("s").strip()
    return f" {rest}" if rest.startswith("(") else ""  # "Who does what" adds nothing to "Who is involved in …"


def _compare(left: Article, right: Article) -> tuple[str, ...]:
    """Both side by side: each one's definition, then each one's first detail, then the rest of each."""
    blocks = [f"{left.title} vs {right.title}:", f"• {left.title}: {left.summary}",
              f"• {right.title}: {right.summary}"]
    details = [[p.render() for p in _definition_points(a, a.section("Definition"))[:2]] for a in (left, right)]
    shared = [d for d in details[0] if d in details[1]]  # the same fact on both sides is said once
    blocks += [f"• Both — {d}" for d in shared]
    for article, own in zip((left, right), details, strict=True):
        blocks += [f"• {article.title} — {d}" for d in own if d not in shared]
    return tuple(blocks)


def _fit(blocks: list[str] | tuple[str, ...], limit: int, minimum: int) -> int:
    """How many blocks fit in ``limit`` words (never fewer than ``minimum``, so a list or lead is never cut)."""
    count, words = 0, 0
    for block in blocks:
        words += word_count(block)
        if count >= minimum and words > limit:
            break
        count += 1
    return max(count, min(minimum, len(blocks)))
