"""Knowledge answers as replies: the composed text, a "More" button, related topics, sources and credits always."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from bot.models import Choice, Reply
from knowledge.article import Article, Point
from knowledge.asks import cues, words
from knowledge.compare import options_named
from knowledge.compose import Composed
from knowledge.facts import list_for, load_facts
from knowledge.source import Source

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase

MORE = Choice("More", "more", style="primary")
ASSUMED = "I took this to be about {t}."
DID_YOU_MEAN = "Did you mean "
MORE_HINT = "(Say “more” for the rest.)"
RELATED = 3
SIDE_WORDS, SIDE_SURE = 5, 0.8  # words next to "or" tried for each option of a choice, and the confidence it needs


def answer_reply(kb: KnowledgeBase, article: Article, done: Composed, other: Article | None = None,
                 intro: str | None = None, meant: Sequence[Article] = ()) -> Reply:
    """The blocks shown so far, with "More" when some are left, related topics as buttons, sources and credits;
    with ``meant`` (the topic was a guess) the other likely topics are offered instead of the related ones."""
    lines = ([intro] if intro else []) + [done.text] + ([MORE_HINT] if done.more else [])
    if meant:
        lines.append(DID_YOU_MEAN + _either(a.title for a in meant) + "?")
    related = list(meant) or [a for r in article.related
                              if (a := kb.get(r)) is not None and a.id != (other.id if other else "")]
    choices = [Choice(a.title[:75], f"tell me about {a.title}") for a in related[:RELATED]]
    if done.more:
        choices.insert(0, MORE)
    title = f"{article.title} vs {other.title}" if other else article.title
    return Reply("\n".join(lines), title=title, choices=tuple(choices), sources=sources_of(article, other),
                 footer=footer_of(article, other))


def _either(titles: Iterable[str]) -> str:
    names = list(titles)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def sources_of(article: Article, other: Article | None = None) -> tuple[Source, ...]:
    """Both articles' sources, each once, licence links last."""
    cited = [*article.sources, *(other.sources if other else ())]
    unique = list(dict.fromkeys(cited))
    return tuple(sorted(unique, key=lambda s: s.title.startswith("Licence: ")))


def footer_of(article: Article, other: Article | None = None) -> str | None:
    """The framework edition and, when a licensed work is adapted, the credit line CC BY 4.0 asks for."""
    parts = [f"Framework edition: {article.edition}"] if article.edition else []
    if article.adapted or (other is not None and other.adapted):
        parts.append("Adapted from the FinOps Foundation and FOCUS works cited, under CC BY 4.0.")
    return " · ".join(parts) or None


def points_reply(article: Article, intro: str, points: list[Point]) -> Reply:
    """A short list about one article (its sources, say), with its citations."""
    text = "\n".join([intro, *(f"• {p.render()}" for p in points)])
    return Reply(text, title=article.title, sources=article.sources, footer=footer_of(article))


def related_only(kb: KnowledgeBase, article: Article, intro: str) -> Reply:
    """A short reply for a follow-up the article cannot answer, with its related topics as buttons."""
    related = [a for r in article.related if (a := kb.get(r)) is not None][:4]
    text = intro + (" Related topics: " + ", ".join(a.title for a in related) + "." if related else "")
    return Reply(text, choices=tuple(Choice(a.title[:75], f"tell me about {a.title}") for a in related))


def other_side(kb: KnowledgeBase, article: Article, left: str, right: str,
               choice: bool = False) -> tuple[Article, Article | None]:
    """For "A vs B": the two articles compared, in the question's order, or (article, None) when only one is known.

    The sides of a choice ("should we buy RIs or savings plans for this?") carry the question's other words, so each
    is read from the words next to its "or" that name a topic most surely.
    """
    if len(options_named(article, (left, right))) == 2:  # "coverage or utilisation?": two options of one article
        return article, None
    sides = [_near(kb, left, -1), _near(kb, right, 1)] if choice else [_topic_of(kb, left), _topic_of(kb, right)]
    first, second = (kb.get(s or "") for s in sides)
    if first is not None and second is not None and first.id != second.id:
        return first, second
    if article.id in sides:  # one side is the parsed topic, the other is unknown or the same article
        rest = [s for s in sides if s and s != article.id]
        return article, kb.get(rest[0]) if rest else None
    return article, None


def _near(kb: KnowledgeBase, side: str, direction: int) -> str | None:
    """The topic named by the last (``direction`` -1) or first (1) few words of ``side``: a sure search whose topic's
    title or aliases carry the window's words ("billed" of "billed numbers in team dashboards"), the surest such
    window winning ("hub and spoke" over "hub"); "let teams buy their own" names no topic."""
    said = [w for w in side.split() if w not in cues().choosing]  # "is showback enough": "enough" names nothing
    found: list[tuple[float, float, int, str]] = []
    for n in range(1, min(SIDE_WORDS, len(said)) + 1):
        window = " ".join(said[-n:] if direction < 0 else said[:n])
        result = kb.search(window, k=1)
        share = kb.named_share(window, result.top or "")
        if result.answered and result.top and result.confidence >= SIDE_SURE and share > 0:
            found.append((round(share, 2), round(result.confidence, 2), n, result.top))  # named fully, then surest
    return max(found)[-1] if found else None


def _topic_of(kb: KnowledgeBase, side: str) -> str | None:
    result = kb.search(side, k=1)
    return result.top if result.hits else None


def list_home(kb: KnowledgeBase, article: Article, question: str) -> Article:
    """For "list the principles" ranked to one principle: the article that holds the whole list, when named."""
    if list_for(article.id) is not None:
        return article
    said = words(question)
    for fact in load_facts():
        noun = fact.noun.split()[-1].lower()  # "FinOps principles" → "principles"
        home = kb.get(fact.topic)
        if home is not None and f" {noun} " in said and home.kind == article.kind:
            return home
    return article
