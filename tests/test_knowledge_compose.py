"""Question shapes from the cue file, and answers composed for them from real articles."""

from __future__ import annotations

import pytest

from knowledge.asks import ask_of
from knowledge.base import KnowledgeBase
from knowledge.compose import HINT_WORDS, LIMIT, compose, continued, word_count
from knowledge.facts import list_for


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.mark.parametrize(("question", "shape"), [
    ("who owns rate optimization?", "who"), ("which persona handles budgets", "who"),
    ("billed cost vs effective cost?", "compare"), ("difference between showback and chargeback", "compare"),
    ("list the principles", "list"), ("how many domains are there", "list"),
    ("how do I start with tagging", "how"), ("where do we start with allocation", "how"),
    ("give me an example of unit economics", "example"), ("what KPIs measure allocation", "kpi"),
    ("common mistakes with commitments", "pitfalls"), ("what is showback", "define"), ("savings plans", "define"),
])
def test_shape_of_everyday_questions(question: str, shape: str) -> None:
    assert ask_of(question).shape == shape


def test_comparison_sides() -> None:
    assert (ask_of("billed cost vs effective cost").left, ask_of("billed cost vs effective cost").right) == (
        "billed cost", "effective cost")
    ask = ask_of("What's the difference between showback and chargeback?")
    assert (ask.left, ask.right) == ("showback", "chargeback")


def test_who_answer_leads_with_the_personas(kb: KnowledgeBase) -> None:
    text = compose(kb.get("capability/rate-optimization"), "who").text
    first = text.split("\n", 1)[0]
    assert first.startswith("Who is involved in Rate Optimization") and "procurement" in first.lower()


def test_comparison_shows_both_sides_first(kb: KnowledgeBase) -> None:
    done = compose(kb.get("focus/billed-cost"), "compare", kb.get("focus/effective-cost"))
    lines = done.text.splitlines()
    assert "BilledCost" in lines[0] and "EffectiveCost" in lines[0]
    assert lines[1].startswith("• BilledCost") and lines[2].startswith("• EffectiveCost")


def test_missing_section_is_answered_from_the_article_or_a_related_one_not_invented(kb: KnowledgeBase) -> None:
    article = kb.get("maturity/walk")  # no Examples section, no worked example of its own
    assert article.section("Examples") is None
    first = compose(article, "example").text.split("\n", 1)[0]
    assert first.startswith("An example of Walk maturity stage:")
    assert first.removeprefix("An example of Walk maturity stage:").strip() in {p.text for p in article.points}
    lens = kb.get("assessment/lens-adoption")  # nothing stands in: the article itself, without an apology
    related = [kb.get(r) for r in lens.related]
    text = compose(lens, "example", related=related).text
    assert not text.startswith("I have no") and (text.startswith(lens.summary) or text.startswith("An example of"))


def test_every_first_answer_is_short_and_more_loses_nothing(kb: KnowledgeBase) -> None:
    for article in kb.articles.values():
        done = compose(article, "define")
        if list_for(article.id) is None:
            assert word_count(done.text) + HINT_WORDS <= LIMIT or done.shown == 1, article.id
        shown = done.text
        while done.more:
            nxt = continued(done)
            shown += "\n" + "\n".join(nxt.blocks[done.shown:nxt.shown])
            done = nxt
        for point in article.points:
            assert point.text[:30] in shown, (article.id, point.text[:30])


def test_section_openings_read_as_english_for_every_title(kb: KnowledgeBase) -> None:
    """A title that is a phrase of its own ("How to run a FinOps assessment") is not glued into the opening
    ("How to start with How to run …"): every article and every shape gives one readable opening."""
    import re

    from knowledge.compose import INTROS, intro_line

    glued = re.compile(r"\b(with|of|in) (How|What|Why|When|Who|Which|Getting|Choosing|Running)\b")
    assert len(kb.articles) > 100
    for article in kb.articles.values():
        for name in INTROS:
            line = intro_line(name, article.title)
            assert line.endswith(":") and not glued.search(line), line
