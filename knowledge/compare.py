"""Comparisons and choices: two articles side by side, or two options one article describes, led by which to pick."""

from __future__ import annotations

import re

from knowledge.article import Article, Point, Section
from knowledge.text import STOPWORDS, light, stem

_CLAUSE = re.compile(r"[:;] |, (?:such as|rather than|because|so that|usually|i\.e\.) ")  # where a definition's
# first clause ends
_BRITISH = re.compile(r"is(e|ed|es|ing|ation|ations)\b")  # "centralised" and "centralized" are one option
VERDICT = "Which to pick: {verdict}"
CLAUSE_WORDS = 6  # a definition cut to its first clause keeps at least this many words


def definition_points(article: Article, definition: Section | None) -> list[Point]:
    """The Definition's points after the summary sentence."""
    points = list(definition.points if definition else ())
    if points and points[0].text.startswith(article.summary):
        rest = points[0].text[len(article.summary):].strip()
        points = ([Point("", rest)] if rest else []) + points[1:]
    return points


def stems_of(text: str) -> frozenset[str]:
    """Content-word stems, British and American spellings alike."""
    said = _BRITISH.sub(r"iz\1", light(text, joined=False))
    return frozenset(stem(w) for w in said.split() if w not in STOPWORDS)


def option_of(article: Article, side: str) -> tuple[str, str] | None:
    """The ``choose`` entry of ``article`` that ``side`` names (its only entry when it has one)."""
    if len(article.choose) == 1:
        label, line = article.choose[0]
        return label or article.title, line
    return _named(article, side)


def verdict(left: tuple[str, str] | None, right: tuple[str, str] | None, names: tuple[str, str]) -> str | None:
    """One sentence on when to pick which, from the two options' ``choose`` lines (None when neither has one)."""
    if left is None and right is None:
        return None
    if left is not None and right is not None:
        return f"{_cap(left[0])} {left[1]}; {right[0]} {right[1]}."
    known, other = (left, names[1]) if left is not None else (right, names[0])
    assert known is not None
    return f"{_cap(known[0])} {known[1]}" + (f"; otherwise {other}." if other else ".")


def compare_blocks(left: Article, right: Article, sides: tuple[str, str], choice: bool,
                   limit: int = 0) -> tuple[str, ...]:
    """Both side by side: each one's definition, then each one's first detail; a choice leads with the verdict (and
    when verdict and definitions would pass ``limit`` words, each definition is cut to its first clause)."""
    options = option_of(left, sides[0]), option_of(right, sides[1])
    said = verdict(*options, (left.title, right.title))
    head = [VERDICT.format(verdict=said)] if choice and said else [f"{left.title} vs {right.title}:"]
    blocks = [*head, f"• {left.title}: {left.summary}", f"• {right.title}: {right.summary}"]
    if limit and _words(" ".join(blocks)) > limit:  # the options' short names, each definition's first clause
        names = [o[0] if o else a.title for o, a in zip(options, (left, right), strict=True)]
        blocks[1:] = [f"• {names[0]}: {_clause(left.summary)}", f"• {names[1]}: {_clause(right.summary)}"]
    if said and not choice:
        blocks.append(f"• {VERDICT.format(verdict=said)}")
    details = [[p.render() for p in definition_points(a, a.section("Definition"))[:2]] for a in (left, right)]
    shared = [d for d in details[0] if d in details[1]]  # the same fact on both sides is said once
    blocks += [f"• Both — {d}" for d in shared]
    for article, own in zip((left, right), details, strict=True):
        blocks += [f"• {article.title} — {d}" for d in own if d not in shared]
    return tuple(blocks)


def options_blocks(article: Article, sides: tuple[str, str], choice: bool) -> tuple[str, ...] | None:
    """Two options one article describes ("centralised or federated?"), or None when the sides name no two options."""
    chosen = [_named(article, side) for side in sides]
    if chosen[0] is None or chosen[1] is None or chosen[0][0] == chosen[1][0]:
        return None
    left, right = chosen
    said = verdict(left, right, (left[0], right[0]))
    head = VERDICT.format(verdict=said) if choice and said else f"{left[0]} vs {right[0]} ({article.title}):"
    points = _option_points(article, (left[0], right[0]))
    blocks = [head, *(f"• {p.render()}" for p in points)] if points else [head, article.summary]
    if said and not choice:
        blocks.insert(1, f"• {VERDICT.format(verdict=said)}")
    return tuple(blocks)


def options_named(article: Article, sides: tuple[str, str]) -> set[str]:
    """The article's options (``choose`` labels) that the two sides name, one each."""
    named = [_named(article, side) for side in sides]
    return {n[0] for n in named if n is not None} if all(named) else set()


def _named(article: Article, side: str) -> tuple[str, str] | None:
    """The one option the side names, by the words that tell the options apart ("savings" of "Cost savings")."""
    common = _common(article)
    said = stems_of(side)
    named = [(label, line) for label, line in article.choose if label and (stems_of(label) - common) & said]
    return named[0] if len(named) == 1 else None


def _common(article: Article) -> frozenset[str]:
    """Words every option label shares ("cost" of "Cost savings" and "Cost avoidance")."""
    labels = [stems_of(label) for label, _ in article.choose if label]
    return frozenset.intersection(*labels) if len(labels) > 1 else frozenset()


def _option_points(article: Article, labels: tuple[str, str]) -> list[Point]:
    """The article's points about each option, in the options' order."""
    points = [p for s in article.sections for p in s.points if p.label]
    common = _common(article)
    out = []
    for label in labels:  # the point labelled with the option ("Coverage = covered / eligible usage" for Coverage)
        want = stems_of(label) - common
        out += sorted((p for p in points if want <= stems_of(p.label)), key=lambda p: len(stems_of(p.label)))[:1]
    return list(dict.fromkeys(out))  # one point may describe both ("Actual versus amortized")


def _clause(sentence: str) -> str:
    """A definition cut where its first clause ends, when what is left still says something."""
    cut = _CLAUSE.split(sentence, maxsplit=1)[0].rstrip(".")
    return f"{cut}." if len(cut.split()) >= CLAUSE_WORDS and cut != sentence.rstrip(".") else sentence


def _words(text: str) -> int:
    return sum(1 for w in text.split() if any(c.isalnum() for c in w))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
