"""Bad input at every step of the assessment, typed-answer parsing, and matching (no guesses are ever recorded)."""

from __future__ import annotations

import pytest

from bot.app import Bot
from bot.assessment.flow import parse_answer, parse_button, pick_capabilities
from bot.assessment.model import LENS_BY_ID, QUICK_DEFAULT, find_capability, maturity_label
from tests.test_assessment_flow import _start_quick, press, progress, say, text_of
from tests.understanding_helpers import intent_of

BAD = ("", "   ", "🙂🙂", "x" * 10_000, "\x00\x01 nul")


@pytest.mark.parametrize(("typed", "kind", "level"), [
    ("3", "level", 3), ("three", "level", 3), ("level 2", "level", 2), ("Level 4.", "level", 4), ("lvl 0", "level", 0),
    ("I'd say 1", "level", 1), ("2/4", "level", 2), ("zero", "level", 0), ("scaled", "level", 3),
    ("5", "out_of_range", None), ("-1", "out_of_range", None), ("3.5", "out_of_range", None),
    ("seven", "out_of_range", None), ("2 or 3", "unclear", None), ("", "unclear", None), ("🙂", "unclear", None),
    ("skip", "skip", None), ("don't know", "skip", None), ("back", "back", None), ("go back", "back", None),
    ("why?", "why", None), ("explain", "why", None), ("pause", "pause", None), ("later", "pause", None),
])
def test_parse_answer(typed: str, kind: str, level: int | None) -> None:
    answer = parse_answer(typed, LENS_BY_ID["process"])
    assert (answer.kind, answer.level) == (kind, level)


def test_parse_button_rejects_anything_but_our_format() -> None:
    assert parse_button("assess:12:3:4") is not None
    for bad in ("assess:12:3:5", "assess:x:3:1", "assess:12:3:", "assess:12:3:1 extra", "3"):
        assert parse_button(bad) is None


def test_capability_picking_and_fuzzy_names() -> None:
    assert pick_capabilities("quick").capabilities == QUICK_DEFAULT
    assert pick_capabilities("alocation, forcasting and budgetting").capabilities == (
        "allocation", "forecasting", "budgeting")
    assert len(pick_capabilities("full optimize").capabilities) == 5
    assert len(pick_capabilities("full").capabilities) == 22
    unknown = pick_capabilities("allocation, anomoly managment, wibble")
    assert unknown.problem and "wibble" in unknown.problem and not unknown.capabilities
    assert "3 to 5" in (pick_capabilities("allocation").problem or "")
    assert "3 to 5" in (pick_capabilities("allocation, budgeting, forecasting, unit economics, rate optimization, "
                                          "sustainability").problem or "")
    cap, _ = find_capability("benchmarkin")
    assert cap is not None and cap.name == "KPIs & Benchmarking"


def test_our_crawl_walk_run_mapping() -> None:
    assert [maturity_label(s) for s in (0, 7, 7.9, 8, 15, 15.5, 16, 20)] == [
        "Crawl", "Crawl", "Crawl", "Walk", "Walk", "Run", "Run", "Run"]


@pytest.mark.parametrize(("text", "intent"), [
    ("start assessment", "start_assessment"), ("assess our team", "start_assessment"),
    ("/finops assess", "start_assessment"), ("start a maturity assessment for checkout", "start_assessment"),
    ("resume", "start_assessment"), ("resume assessment for payments", "start_assessment"),
    ("what's our maturity", "maturity_status"), ("what's our maturity?", "maturity_status"),
    ("maturity for payments", "maturity_status"), ("how mature are we on anomaly management?", "maturity_status"),
    ("maturity status for checkout", "maturity_status"), ("maturity overview", "maturity_status"),
    ("which teams are weakest on budgeting?", "maturity_status"),
    ("what is the maturity model?", None), ("what is a maturity assessment", None), ("how do lenses work", None),
    ("what does crawl mean", None),
])
def test_commands_are_read_as_commands_and_concept_questions_are_not(text: str, intent: str | None) -> None:
    found = intent_of(text)
    if intent:
        assert found == intent
    else:
        assert found not in ("start_assessment", "maturity_status")


async def test_bad_input_at_the_team_step(bot: Bot) -> None:
    await say(bot, "start assessment")
    for bad in BAD:
        result = await say(bot, bad)
        assert "Which team" in text_of(result), bad
    result = await say(bot, "xyz")
    assert "don't know a team called “xyz”. Did you mean" in text_of(result)
    assert (await say(bot, "maturity for checkout")).intent == "maturity_status"  # not taken as a team name
    result = await say(bot, "checkout")
    assert "Which capabilities should we assess for checkout" in text_of(result)
    assert bot.services.maturity.unfinished("console:you@local", bot.router.clock()) == []  # type: ignore[union-attr]


async def test_bad_input_at_the_capability_step(bot: Bot) -> None:
    await say(bot, "start assessment for payments")
    for bad in (*BAD, "allocation", "allocation, wibble, budgeting"):
        result = await say(bot, bad)
        assert "Which capabilities" in text_of(result), bad
    result = await say(bot, "alocation, anomoly managment, wibbl")
    assert "wibbl" in text_of(result)
    assert bot.services.maturity.unfinished("console:you@local", bot.router.clock()) == []  # type: ignore[union-attr]
    result = await say(bot, "alocation, anomoly managment, forcasting")
    assert progress(result) == "1 / 15"
    [info] = bot.services.maturity.unfinished("console:you@local", bot.router.clock())  # type: ignore[union-attr]
    assert info.capabilities == ("allocation", "anomaly-management", "forecasting")


async def test_bad_input_at_a_question_records_nothing(bot: Bot) -> None:
    aid, _ = await _start_quick(bot)
    await say(bot, "2")
    for bad in (*BAD, "5", "-1", "3.5", "2 or 3", "99999999999999999999"):
        result = await say(bot, bad)
        assert result.intent == "start_assessment" and progress(result) == "2 / 15", bad
        assert "0. No process" in text_of(result)  # asked again with the options
    assert bot.services.maturity.get(aid).answers == {0: 2}  # type: ignore[union-attr]
    result = await say(bot, "back")
    assert "first question" not in text_of(result) and progress(result) == "1 / 15"
    assert "first question" in text_of(await say(bot, "back"))


async def test_another_intent_can_interrupt_and_the_flow_continues(bot: Bot) -> None:
    aid, _ = await _start_quick(bot)
    result = await say(bot, "maturity for checkout")
    assert result.intent == "maturity_status"
    if any(i.name == "framework_question" for i in bot.router.intents):
        assert (await say(bot, "what is showback?")).intent == "framework_question"
    assert progress(await say(bot, "4")) == "2 / 15"
    assert bot.services.maturity.get(aid).answers == {0: 4}  # type: ignore[union-attr]


async def test_unknown_team_and_capability_in_maturity_status(bot: Bot) -> None:
    result = await say(bot, "maturity for paymnts")
    assert "Maturity of payments" in text_of(result)  # close enough: the directory resolves it
    result = await say(bot, "maturity for xyz")
    assert "don't know a team or capability called “xyz”. Did you mean" in text_of(result)
    result = await say(bot, "how mature are we on anomoly managment")
    assert "Anomaly Management" in text_of(result)
    result = await say(bot, "how mature are we on wibble")
    assert "don't know a capability" in text_of(result)


async def test_member_cannot_see_other_teams_but_practitioner_gets_overview(bot: Bot) -> None:
    result = await say(bot, "maturity for payments", user="stranger")
    assert "Only people in payments" in text_of(result)
    result = await say(bot, "maturity overview", user="stranger")
    assert "practitioners" in text_of(result)
    result = await say(bot, "maturity overview")  # console:you@local is the local admin
    assert result.replies[0].title == "Maturity overview" and "checkout" in text_of(result)
    result = await press(bot, "start assessment for payments", user="stranger")
    assert "Only people in payments" in text_of(result)
