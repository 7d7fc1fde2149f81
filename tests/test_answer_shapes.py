"""Answers that answer what was asked, through the real router: a missing section is never announced, a choice gets
a verdict, an example question gets an example, a situation gets the steps, and a guessed topic says so.

The questions here are written for these tests (none is in the training files or tests/eval); each checks the text a
person sees, above all its first sentence.
"""

from __future__ import annotations

import re

import pytest

from bot.app import Bot
from bot.db import utcnow
from bot.understanding.types import Alternative, Parse
from knowledge.asks import ask_of
from knowledge.base import KnowledgeBase
from knowledge.compose import HINT_WORDS, INTROS, LEADS, LIMIT, compose, word_count
from tests.conftest import message

MISSING = re.compile(r"\bI (?:have|don't have|do not have) no\b|\bI have no\b|names no single owner", re.IGNORECASE)


async def ask(bot: Bot, text: str, thread: str) -> tuple[str, str | None, str, tuple[str, ...]]:
    """(intent, topic, the reply's text, its button labels) for one question in its own thread."""
    result = await bot.router.handle(message(text, thread=thread))
    reply = result.replies[0]
    return result.intent, result.topic, reply.text, tuple(c.label for c in reply.choices)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def test_no_answer_opens_by_saying_a_section_is_missing(kb: KnowledgeBase) -> None:
    """Every article, every shape: the lead is a stand-in point, a related article's section or the article itself."""
    for article in kb.articles.values():
        related = [a for r in article.related if (a := kb.get(r)) is not None]
        for shape in LEADS:
            text = compose(article, shape, related=related).text
            assert not MISSING.search(text), (article.id, shape, text[:80])


def test_a_stand_in_lead_is_the_articles_own_words(kb: KnowledgeBase) -> None:
    """When the lead names the article itself but the article lacks that section, what follows is one of its points."""
    checked = 0
    for article in kb.articles.values():
        for shape, name in LEADS.items():
            if article.section(name) is not None or (shape == "who" and article.kind == "persona"):
                continue
            first = compose(article, shape).text.split("\n", 1)[0]
            own = INTROS[name].format(t=article.title)
            if first.startswith(own) and shape != "act":
                checked += 1
                assert first[len(own):].strip() in {p.text for p in article.points}, (article.id, shape)
    assert checked >= 10


@pytest.mark.parametrize(("question", "shape", "choice"), [
    ("should our team go with savings plans or reserved instances?", "compare", True),
    ("chargeback or showback, which one suits us?", "compare", True),
    ("can you illustrate the run stage with an example", "example", False),
    ("what's an example of a good FinOps KPI", "example", False),
    ("sample KPIs for the walk stage", "kpi", False),
    ("nobody turns off the test environments on friday evening, what should we set up?", "act", False),
    ("the spend nobody owns keeps growing, any advice?", "act", False),
    ("what are the steps to roll out showback", "how", False),
    ("what should we do about idle resources", "how", False),
    ("where should we start with cost allocation", "how", False),
    ("which persona signs off commitment purchases", "who", False),
    ("what does tagging or labelling mean", "compare", True),
    ("commitment discounts vs spot: which would you go with for a nightly batch?", "compare", True),
    ("amortized cost versus billed cost", "compare", False),
])
def test_question_shapes(question: str, shape: str, choice: bool) -> None:
    ask_ = ask_of(question)
    assert (ask_.shape, ask_.choice) == (shape, choice)


async def test_choices_lead_with_which_to_pick(bot: Bot) -> None:
    for n, (question, names) in enumerate([
        ("should our team go with savings plans or reserved instances?", ("Savings plans", "Reserved Instances")),
        ("chargeback or showback, which one suits a small company?", ("Chargeback", "Showback")),
        ("federated or hub-and-spoke, which suits a large group of companies?", ("Federated", "Hub-and-spoke")),
        ("effective cost or billed cost when we check the invoice?", ("EffectiveCost", "BilledCost")),
    ]):
        intent, _, text, _ = await ask(bot, question, f"choice-{n}")
        first = text.split("\n", 1)[0]
        assert intent == "framework_question" and first.startswith("Which to pick: "), (question, first)
        assert all(name in first for name in names), (question, first)
        assert first.index(names[0]) < first.index(names[1])  # in the question's order
    _, _, text, _ = await ask(bot, "effective cost or billed cost when we check the invoice?", "choice-x")
    assert "invoice" in text.split("\n", 1)[0]


async def test_example_questions_get_an_example(bot: Bot) -> None:
    for n, (question, topic) in enumerate([
        ("can you give me an example of effective savings rate?", "term/effective-savings-rate"),
        ("can you illustrate the run stage with an example", "maturity/run"),
        ("what would be an example of showback in practice", "term/showback"),
    ]):
        _, got, text, _ = await ask(bot, question, f"example-{n}")
        assert got == topic and text.split("\n", 1)[0].startswith("An example of"), (question, text[:90])


async def test_situations_lead_with_what_to_do(bot: Bot) -> None:
    for n, (question, title) in enumerate([
        ("our test environments run all night although nobody uses them, what should we do?", "Cloud waste"),
        ("our tag coverage is stuck at 40 percent, where should we begin?", "Tagging"),
    ]):
        intent, _, text, _ = await ask(bot, question, f"situation-{n}")
        lines = [line for line in text.splitlines() if not line.startswith("I took this")]
        assert intent == "framework_question" and lines[0].startswith("What to do about it ("), (question, text[:90])
        assert title is None or title in lines[0]
        assert lines[1].startswith("1. ") or len(lines[0]) > 60  # the steps themselves, not a definition


async def test_who_vs_and_list_answers_answer_in_their_first_sentence(bot: Bot) -> None:
    _, _, who, _ = await ask(bot, "who owns rate optimization?", "first-who")
    assert who.startswith("Who is involved in Rate Optimization:") and "procurement" in who.split("\n", 1)[0]
    _, _, vs, _ = await ask(bot, "billed cost vs effective cost?", "first-vs")
    lines = vs.splitlines()
    assert "BilledCost" in lines[0] and "EffectiveCost" in lines[0]
    assert lines[1].startswith("• BilledCost") and lines[2].startswith("• EffectiveCost")
    _, _, listed, _ = await ask(bot, "list the principles", "first-list")
    assert listed.startswith("There are 6 FinOps principles:") and all(f"\n{i}. " in listed for i in range(1, 7))


async def test_a_guessed_topic_says_so_and_offers_the_alternatives(bot: Bot) -> None:
    from bot.intent import Outcome, TurnContext
    from bot.state import FlowState
    from intents.framework_question import FrameworkQuestionIntent

    intent = FrameworkQuestionIntent(bot.services)
    text = "what do we do with the part of the bill that belongs to no team"
    alternatives = (Alternative("framework_question", 0.02, "capability/allocation"),
                    Alternative("framework_question", 0.01, "term/shared-costs"))
    ctx = TurnContext(FlowState(), bot.services, utcnow(), bot.router.intents, Outcome("unknown"), "ref")
    guessed = Parse("framework_question", 0.45, "principle/everyone-takes-ownership", alternatives=alternatives)
    reply = (await intent.handle(message(text), guessed, ctx))[0]
    assert reply.text.startswith("I took this to be about Everyone takes ownership for their technology usage.")
    assert "Did you mean " in reply.text and "Allocation" in [c.label for c in reply.choices]
    sure = Parse("framework_question", 0.95, "principle/everyone-takes-ownership", alternatives=alternatives)
    ctx = TurnContext(FlowState(), bot.services, utcnow(), bot.router.intents, Outcome("unknown"), "ref")
    reply = (await intent.handle(message(text), sure, ctx))[0]
    assert not reply.text.startswith("I took this") and "Did you mean" not in reply.text


def test_every_choice_fits_the_first_answer(kb: KnowledgeBase) -> None:
    """The verdict and both definitions of any two choosable articles fit in the first answer's words."""
    choosable = [a for a in kb.articles.values() if a.choose]
    assert len(choosable) >= 20
    for left in choosable:
        for right in choosable:
            if left.id != right.id:
                sides = (left.choose[0][0] or left.title, right.choose[0][0] or right.title)  # an option each names
                done = compose(left, "compare", right, sides=sides, choice=True)
                assert done.text.startswith("Which to pick: ") and done.shown >= 3, (left.id, right.id)
                assert word_count(done.text) + HINT_WORDS <= LIMIT, (left.id, right.id)


async def test_a_knowledge_question_read_as_unsure_small_talk_offers_the_topic_it_names(bot: Bot) -> None:
    from bot.intent import Outcome, TurnContext
    from bot.state import FlowState
    from intents.fallback import FallbackIntent

    fallback = FallbackIntent(bot.services)
    ctx = TurnContext(FlowState(), bot.services, utcnow(), bot.router.intents, Outcome("unknown"), "ref")
    runner_up = (Alternative("framework_question", 0.06, "capability/allocation"),)
    text = "how would I begin with cost allocation"
    reply = (await fallback.handle(message(text), Parse("unknown", 0.6, alternatives=runner_up), ctx))[0]
    assert "Did you mean" in reply.text and reply.choices[0].label == "Allocation"
    sure = (await fallback.handle(message(text), Parse("unknown", 0.9, alternatives=runner_up), ctx))[0]
    assert "outside what I know" in sure.text  # a sure "unknown" is still refused
    unnamed = (await fallback.handle(message("tell me a joke"), Parse("unknown", 0.6, alternatives=runner_up), ctx))[0]
    assert "Allocation" not in [c.label for c in unnamed.choices]  # the runner-up is not named: not offered


async def test_more_after_a_choice_continues_the_same_comparison(bot: Bot) -> None:
    _, _, first, buttons = await ask(bot, "should our team go with savings plans or reserved instances?", "choice-more")
    assert first.startswith("Which to pick: ") and "More" in buttons
    result = await bot.router.handle(message("more", thread="choice-more"))
    text = result.replies[0].text
    assert text.startswith("More on Savings plans:") and "Which to pick" not in text
    assert "Reserved Instances" in text  # the rest of the side by side, not the savings plan article alone


def test_a_choice_side_must_name_its_topic(kb: KnowledgeBase) -> None:
    """The words beside "or" are read as an option only when they name a topic, and then the topic they name fully."""
    from intents.kb_answer import other_side

    central = kb.get("principle/finops-enabled-centrally")
    assert other_side(kb, central, "should we run commitments centrally", "let each squad decide", choice=True) == (
        central, None)
    amort = kb.get("term/amortization")
    _, right = other_side(kb, amort, "do we show amortized", "billed figures on the team dashboards", choice=True)
    assert right is not None and right.id == "focus/billed-cost"


@pytest.mark.parametrize(("topic", "sides", "options"), [
    ("term/coverage-and-utilization", ("coverage", "utilisation"), ("Coverage", "Utilisation")),
    ("term/cost-avoidance", ("avoided cost", "hard savings"), ("Cost avoidance", "Cost savings")),
    ("framework/operating-models", ("federated", "hub and spoke"), ("Federated", "Hub-and-spoke")),
])
def test_two_options_of_one_article_get_a_verdict_and_their_own_points(
        kb: KnowledgeBase, topic: str, sides: tuple[str, str], options: tuple[str, str]) -> None:
    article = kb.get(topic)
    lines = compose(article, "compare", None, sides=sides, choice=True).text.splitlines()
    assert lines[0].startswith(f"Which to pick: {options[0]} ") and f"; {options[1]} " in lines[0]
    assert len(lines) >= 3 and all(line.startswith("• ") for line in lines[1:3])  # each option's own point
    assert lines[1] != lines[2]


def test_an_unsure_data_or_cancel_reading_of_a_request_for_advice_gives_way_to_knowledge() -> None:
    from bot.router import _advice_reading

    runner_up = (Alternative("framework_question", 0.03, "term/waste"),)
    text = "our test clusters stay on all weekend and the bill keeps growing, what should we do?"
    advice = _advice_reading(text, Parse("cost_question", 0.5, alternatives=runner_up), None)
    assert advice is not None and (advice.intent, advice.topic, advice.confidence) == (
        "framework_question", "term/waste", 0.5)
    assert _advice_reading(text, Parse("cost_question", 0.9, alternatives=runner_up), None) is None  # sure
    assert _advice_reading("what did we spend last month", Parse("cost_question", 0.5, alternatives=runner_up),
                           None) is None  # a data question
    assert _advice_reading(text, Parse("cancel", 0.5, alternatives=runner_up), object()) is None  # inside a flow
    assert _advice_reading(text, Parse("cost_question", 0.5), None) is None  # no knowledge topic considered


async def test_a_request_for_advice_read_as_cancel_is_answered(bot: Bot) -> None:
    intent, _, text, _ = await ask(bot, "we keep buying savings plans that end up unused, how do we stop this?",
                                   "advice-cancel")
    lead = next(line for line in text.splitlines() if not line.startswith("I took this"))
    assert intent == "framework_question" and lead.startswith("What to do about it ("), text[:90]
