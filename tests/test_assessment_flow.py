"""Assessment conversations through the router, on SQLite and PostgreSQL: the full flow, restart, concurrency."""

from __future__ import annotations

import asyncio
import re

from bot.app import Bot, build_bot
from bot.models import Action, TurnResult
from tests.conftest import message

LEVEL_BUTTON = re.compile(r"^assess:(\d+):(\d+):([0-4])$")


async def say(bot: Bot, text: str, **kw: object) -> TurnResult:
    """Type a line as console:you@local (thread t1 unless told)."""
    return await bot.router.handle(message(text, **kw))


async def press(bot: Bot, value: str, **kw: object) -> TurnResult:
    """Press a button: the value arrives as text and as the action."""
    return await bot.router.handle(message(value, action=Action("choice", value), **kw))


def text_of(result: TurnResult) -> str:
    return "\n".join(r.text for r in result.replies)


def button(result: TurnResult, label: str) -> str:
    """The value of the button with this label in the last reply that has it."""
    for reply in reversed(result.replies):
        for choice in reply.choices:
            if choice.label == label:
                return choice.value
    raise AssertionError(f"no button {label!r} in {[c.label for r in result.replies for c in r.choices]}")


def progress(result: TurnResult) -> str:
    m = re.search(r"Question (\d+) / (\d+)", text_of(result))
    assert m is not None, text_of(result)
    return f"{m.group(1)} / {m.group(2)}"


async def _start_quick(bot: Bot, team: str = "payments", **kw: object) -> tuple[int, TurnResult]:
    result = await say(bot, f"start assessment for {team}", **kw)
    assert result.intent == "start_assessment" and "quick set" in text_of(result).lower()
    result = await press(bot, "quick", **kw)
    assert progress(result) == "1 / 15"
    m = LEVEL_BUTTON.match(button(result, "3"))
    assert m is not None
    return int(m.group(1)), result


async def test_full_flow_numbers_words_back_skip_pause_resume_finish_status(bot: Bot) -> None:
    result = await say(bot, "start assessment")
    assert result.intent == "start_assessment"
    assert {c.label for c in result.replies[0].choices} == {"payments", "checkout"}  # console:you@local is in both
    result = await press(bot, button(result, "payments"))
    assert "Allocation, Budgeting, Usage Optimization" in text_of(result)
    result = await press(bot, button(result, "Quick set: Allocation, Budgeting, Usage Optimization"))
    assert progress(result) == "1 / 15" and "0. No knowledge" in text_of(result)
    aid = int(LEVEL_BUTTON.match(button(result, "0")).group(1))  # type: ignore[union-attr]
    for typed, expected in (("3", "2 / 15"), ("three", "3 / 15"), ("level 2", "4 / 15")):
        result = await say(bot, typed)
        assert progress(result) == expected, typed
    result = await say(bot, "back")
    assert progress(result) == "3 / 15" and "earlier answer: 2" in text_of(result)
    assert progress(await say(bot, "4")) == "4 / 15"
    assert progress(await say(bot, "skip")) == "5 / 15"
    result = await say(bot, "pause")
    assert "Paused at question 5 / 15" in text_of(result)
    assert (await say(bot, "2")).intent != "start_assessment"  # paused: no longer answering
    store = bot.services.maturity
    assert store is not None
    assert store.get(aid).answers == {0: 3, 1: 3, 2: 4, 3: None}  # type: ignore[union-attr]

    result = await say(bot, "resume", channel="D0OTHER", thread="")  # another channel, same person
    assert result.intent == "start_assessment" and progress(result) == "5 / 15"
    assert "Welcome back" in text_of(result)
    for q in range(4, 14):  # the rest by buttons (values carry the assessment and the question)
        result = await press(bot, f"assess:{aid}:{q}:{q % 5}", channel="D0OTHER", thread="")
        assert progress(result) == f"{q + 2} / 15"
    result = await press(bot, f"assess:{aid}:14:2", channel="D0OTHER", thread="")
    card = result.replies[0]
    assert card.title == "Assessment summary: payments", text_of(result)
    fields = {f.label: f.value for f in card.fields}
    assert set(fields) == {"Allocation", "Budgeting", "Usage Optimization", "Overall"}
    assert fields["Allocation"].endswith("(1 skipped)") and re.match(r"^\d+(\.\d)? / 20 · (Crawl|Walk|Run)", fields[
        "Budgeting"])
    assert "three weakest lenses" in card.text and card.text.count("• ") == 3 + 3
    info = store.get(aid)
    assert info is not None and info.status == "done" and len(info.answers) == 15

    result = await say(bot, "what's our maturity?")
    assert result.intent == "maturity_status"
    text = text_of(result)
    assert "Maturity of payments" in text and "respondent" in text and "since" in text
    assert "Allocation" in {f.label for f in result.replies[0].fields}


async def test_paused_answers_survive_cancel_and_resume_continues(bot: Bot) -> None:
    aid, _ = await _start_quick(bot)
    await say(bot, "2")
    result = await say(bot, "stop")  # the global cancel intent catches "stop" first
    assert result.intent == "cancel" and "Nothing you already answered is lost" in text_of(result)
    result = await say(bot, "continue my assessment", thread="t9")
    assert result.intent == "start_assessment" and progress(result) == "2 / 15"
    assert bot.services.maturity.get(aid).answers == {0: 2}  # type: ignore[union-attr]


async def test_restart_in_the_middle_continues_on_a_new_bot(demo_settings) -> None:
    first = build_bot(demo_settings, demo=True)
    try:
        aid, _ = await _start_quick(first)
        await say(first, "1")
        await say(first, "2")
    finally:
        first.services.db.dispose()
    second = build_bot(demo_settings, demo=True)  # a redeploy: same database, fresh process state
    try:
        result = await say(second, "3")
        assert result.intent == "start_assessment" and progress(result) == "4 / 15"
        assert second.services.maturity.get(aid).answers == {0: 1, 1: 2, 2: 3}  # type: ignore[union-attr]
    finally:
        second.services.db.dispose()


async def test_double_click_records_one_answer(bot: Bot) -> None:
    aid, result = await _start_quick(bot)
    value = button(result, "3")
    results = await asyncio.gather(press(bot, value), press(bot, value))  # different event ids
    texts = sorted(text_of(r) for r in results)
    assert any("already recorded" in t for t in texts), texts
    info = bot.services.maturity.get(aid)  # type: ignore[union-attr]
    assert info.answers == {0: 3} and info.position == 1
    late = await press(bot, value)  # a third, later click: still one answer, the reply says so
    assert "already recorded" in text_of(late) and bot.services.maturity.get(aid).position == 1  # type: ignore


async def test_two_quick_answers_in_a_row_are_recorded_in_order(bot: Bot) -> None:
    aid, _ = await _start_quick(bot)
    results = await asyncio.gather(say(bot, "1"), say(bot, "4"))
    assert [progress(r) for r in results] == ["2 / 15", "3 / 15"]
    assert bot.services.maturity.get(aid).answers == {0: 1, 1: 4}  # type: ignore[union-attr]


async def test_same_button_on_two_replicas_records_once(demo_settings) -> None:
    a, b = build_bot(demo_settings, demo=True), build_bot(demo_settings, migrate=False, demo=False)
    try:
        aid, result = await _start_quick(a)
        value = button(result, "2")
        await asyncio.gather(press(a, value), press(b, value))
        info = a.services.maturity.get(aid)  # type: ignore[union-attr]
        assert info.answers == {0: 2} and info.position == 1
    finally:
        a.services.db.dispose()
        b.services.db.dispose()


async def test_stale_button_of_an_earlier_question_changes_nothing(bot: Bot) -> None:
    aid, first = await _start_quick(bot)
    await say(bot, "1")
    result = await press(bot, button(first, "4"))  # question 1's button, pressed again with another level
    assert "already has an answer" in text_of(result) and progress(result) == "2 / 15"
    assert bot.services.maturity.get(aid).answers == {0: 1}  # type: ignore[union-attr]


async def test_someone_elses_buttons_are_refused(bot: Bot) -> None:
    aid, result = await _start_quick(bot)
    other = await press(bot, button(result, "2"), user="intruder")
    assert "someone else's assessment" in text_of(other)
    assert bot.services.maturity.get(aid).answers == {}  # type: ignore[union-attr]


async def test_why_explains_the_lens_and_asks_again(bot: Bot) -> None:
    aid, _ = await _start_quick(bot)
    result = await say(bot, "why?")
    assert "Knowledge" in (result.replies[0].title or "") and progress(result) == "1 / 15"
    assert bot.services.maturity.get(aid).answers == {}  # type: ignore[union-attr]


async def test_why_and_the_summary_use_the_knowledge_base_when_present(bot: Bot) -> None:
    from knowledge.base import KnowledgeBase

    bot.services.knowledge = KnowledgeBase.load(strict=False)
    aid, _ = await _start_quick(bot)
    result = await say(bot, "explain")
    article = bot.services.knowledge.get("assessment/lens-knowledge")
    assert article is not None and result.replies[0].text.startswith(article.summary.split(" ")[0])
    assert result.replies[0].sources and progress(result) == "1 / 15"
    for q in range(15):
        result = await press(bot, f"assess:{aid}:{q}:{1 if q % 5 == 4 else 3}")
    card = result.replies[0]
    assert card.title == "Assessment summary: payments" and card.sources
    assert "Automation (average 1 / 4" in card.text
    advice = [p.text for p in bot.services.knowledge.get("assessment/lens-knowledge").points  # type: ignore
              if p.label.lower().startswith("raising the score")]
    assert advice and advice[0][1:30] in card.text  # the knowledge base's advice for a weak lens
