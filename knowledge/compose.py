"""Answers composed for what was asked: who, a comparison, a list, steps, an example, KPIs, pitfalls, a definition."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from knowledge.article import Article, Point
from knowledge.asks import DEFINE
from knowledge.compare import VERDICT, compare_blocks, definition_points, option_of, options_blocks, verdict
from knowledge.facts import list_for

LIMIT = 120  # words in a first answer, the "say more" hint included; "more" shows the rest
HINT_WORDS = 6  # room kept for the reply's "(Say “more” for the rest.)"
MORE_LIMIT = 160  # words per "more"
# which section answers which shape ("act": a situation asking what to do is answered with the steps)
LEADS = {"who": "Who", "how": "How to start", "act": "How to start", "example": "Examples", "kpi": "KPIs",
         "pitfalls": "Pitfalls"}
INTROS = {"Who": "Who is involved in {t}:", "How to start": "How to start with {t}:", "Examples": "An example of {t}:",
          "KPIs": "How to measure {t}:", "Pitfalls": "Pitfalls with {t}:"}
ACT_INTRO = "What to do about it ({t}):"
# a title that is itself a question or an instruction ("How to run a FinOps assessment") goes in brackets
TITLED_INTROS = {"Who": "Who is involved ({t}):", "How to start": "How to start ({t}):",
                 "Examples": "An example ({t}):", "KPIs": "How to measure it ({t}):", "Pitfalls": "Pitfalls ({t}):"}
_PHRASE_TITLE = ("how ", "what ", "why ", "when ", "who ", "which ", "getting ", "choosing ", "running ")
# when an article has no such section, a point whose label says it stands in ("Sample KPIs", "What happens"),
# tried word by word in this order
STAND_INS = {"Who": ("who", "persona", "stakeholder", "members", "division of labour", "owns", "owner", "role"),
             "Examples": ("example", "illustrat", "looks like", "in practice", "typical"),
             "How to start": ("how to", "step", "start", "set-up", "what happens", "typical action", "typical activit",
                              "raising the score", "using", "practical", "tip", "in practice"),
             "KPIs": ("kpi", "metric", "measure", "target"),
             "Pitfalls": ("pitfall", "mistake", "risk", "caution", "caveat", "challenge", "problem", "trade-off",
                          "watch")}
PEOPLE = re.compile(r"\b(?:engineer\w*|financ\w*|product (?:team|owner|manager)s?|procurement|leadership|executives?|"
                    r"practitioners?|developers?|architects?|analysts?)\b")
PEOPLE_NAMED = 3  # different mentions that make a point an answer to "who"
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


def compose(article: Article, shape: str, other: Article | None = None, *, related: Sequence[Article] = (),
            sides: tuple[str, str] = ("", ""), choice: bool = False) -> Composed:
    """The answer to a question of this shape about ``article`` (and ``other`` for a comparison).

    A shape whose section the article lacks is answered by a point that stands in for it, else by that section of
    a ``related`` article, else by the article itself: never by saying what is missing.
    """
    if shape == "compare" and other is not None and other.id != article.id:
        blocks = compare_blocks(article, other, sides, choice, LIMIT - HINT_WORDS)
        return Composed(blocks, _fit(blocks, LIMIT - HINT_WORDS, minimum=3))
    if shape == "compare" and (options := options_blocks(article, sides, choice)) is not None:
        return Composed(options, _fit(options, LIMIT - HINT_WORDS, minimum=min(3, len(options))))
    if shape == "compare":  # one side is unknown ("spot or on-demand?"): when to pick the known one, then it
        one = option_of(article, sides[0]) or option_of(article, sides[1])
        blocks = ([VERDICT.format(verdict=verdict(one, None, (article.title, "")))] if one and choice else [])
        blocks += _article_blocks(article, skip=None)
        return Composed(tuple(blocks), _fit(blocks, LIMIT - HINT_WORDS, minimum=1))
    if shape == "who" and article.kind == "persona":
        shape = DEFINE  # a persona article is itself the answer to "who"
    lead: list[str] = []
    skip: str | None = None
    used: set[str] = set()
    if shape in LEADS:
        lead, skip, used = _lead(article, LEADS[shape], related, ACT_INTRO if shape == "act" else None)
    listed = list_for(article.id)
    if listed and (shape == "list" or (shape in (DEFINE, "who") and listed.in_definition)):
        full = "\n".join(listed.lines)
        lead = [*lead, full] if shape == "who" and article.section("Who") else [full]
    blocks = [*lead, *_article_blocks(article, skip=skip, used=used)]
    return Composed(tuple(blocks), _fit(blocks, LIMIT - HINT_WORDS, minimum=len(lead) or 1))


def _lead(article: Article, name: str, related: Sequence[Article],
          intro: str | None) -> tuple[list[str], str | None, set[str]]:
    """The opening for a shape: (lines, the own section used, the own points used)."""
    if block := _section_block(article, name, lead_sentence=True, intro=intro):
        return block, name, set()
    title = intro_line(name, article.title, intro)
    if point := _stand_in(article, name):
        return [f"{title} {point.text}"], None, {point.text}
    # who runs a neighbour does not say who runs this one; a neighbour's numbered steps beat its one-line advice
    # nor do a sibling's (another scope's, another persona's) steps fit this one
    others = [a for a in related if a.kind != article.kind and a.section(name) is not None] if name != "Who" else []
    if others:
        best = min(others, key=lambda a: not _has_steps(a, name))  # the first with steps, else the first
        return _section_block(best, name, lead_sentence=True, intro=intro), None, set()
    if point := _mentioned(article, name):
        return [f"{title} {point.text}"], None, {point.text}
    return [], None, set()


def _has_steps(article: Article, name: str) -> bool:
    section = article.section(name)
    return section is not None and sum(bool(_STEP.match(p.text)) for p in section.points) >= 2


def _stand_in(article: Article, name: str) -> Point | None:
    """A point of the article whose label says it answers for the missing section."""
    points = [*definition_points(article, article.section("Definition")),
              *(p for s in article.sections if s.name != "Definition" for p in s.points)]
    for word in STAND_INS[name]:
        if found := next((p for p in points if p.label and word in p.label.lower()), None):
            return found
    return None


def _mentioned(article: Article, name: str) -> Point | None:
    """Last resort for "who": a point that names several of the people involved."""
    if name != "Who":
        return None
    points = [*definition_points(article, article.section("Definition")),
              *(p for s in article.sections if s.name != "Definition" for p in s.points)]
    return next((p for p in points if len(set(PEOPLE.findall(p.text.lower()))) >= PEOPLE_NAMED), None)


def continued(done: Composed) -> Composed:
    """The same answer moved on to the next blocks, for "more"."""
    rest = done.blocks[done.shown:]
    return Composed(done.blocks, done.shown + _fit(rest, MORE_LIMIT - HINT_WORDS, minimum=1))


def _article_blocks(article: Article, skip: str | None, used: Collection[str] = ()) -> list[str]:
    """The article in reading order: its summary, each definition point (those not already led with), then each
    other section."""
    blocks = [article.summary]
    definition = article.section("Definition")
    blocks += [_bullet(p.render()) for p in definition_points(article, definition) if p.text not in used]
    for name in ORDER[1:]:
        if name != skip and (block := _section_block(article, name)):
            blocks.append("\n".join(block))
    return blocks


def intro_line(name: str, title: str, intro: str | None = None) -> str:
    """The opening words of a section answer: "How to start with Allocation:", or for a title that is a phrase
    of its own, "How to start (How to run a FinOps assessment):" rather than "How to start with How to run …"."""
    if intro is None and title.lower().startswith(_PHRASE_TITLE):
        return TITLED_INTROS[name].format(t=title)
    return (intro or INTROS[name]).format(t=title)


def _section_block(article: Article, name: str, lead_sentence: bool = False, intro: str | None = None) -> list[str]:
    """A section as lines: for a lead, its first point becomes the opening sentence."""
    section = article.section(name)
    if section is None:
        return []
    points = list(section.points)
    title = intro_line(name, article.title, intro)
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
    root = name.lower() if " " in name else name.rstrip("s").lower()  # "How they work" does not repeat "How to start"
    if name == "Examples" and label.lower().startswith("illustrative"):
        return f" ({label.lower()})"
    if not label or not label.lower().startswith(root):
        return None
    rest = label[len(root):].lstrip("s").strip()
    return f" {rest}" if rest.startswith("(") else ""  # "Who does what" adds nothing to "Who is involved in …"


def _fit(blocks: list[str] | tuple[str, ...], limit: int, minimum: int) -> int:
    """How many blocks fit in ``limit`` words (never fewer than ``minimum``, so a list or lead is never cut)."""
    count, words = 0, 0
    for block in blocks:
        words += word_count(block)
        if count >= minimum and words > limit:
            break
        count += 1
    return max(count, min(minimum, len(blocks)))
