"""The terminal as a new user meets it: a survey invitation answered by typing its number, a side question in the
middle of an assessment, empty lines (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import io

from adapters.console import EMPTY_LINE, ConsolePoster, ConsoleSession
from bot.app import build_bot
from tests.conftest import make_settings


async def test_typed_number_answers_a_survey_invitation(demo_url: str) -> None:
    bot = build_bot(make_settings(demo_url), demo=True)
    chat, out = ConsoleSession(bot.router), io.StringIO()
    bot.services.delivery.register(ConsolePoster(out, "console", chat))
    await chat.send("survey console:you@local: How useful is the weekly cost report? scale")
    await chat.send("survey send 1")
    for _ in range(200):  # the invitation is a queued job: `finops-bot chat` runs the scheduler, here we run it
        await bot.services.scheduler.run_due()
        if "press a number or type it" in out.getvalue():
            break
        await asyncio.sleep(0.02)
    assert "press a number or type it" in out.getvalue()
    answer = await chat.send("4")
    assert "Thank you" in answer[0] and "Here is what I can do" not in answer[0]
    assert [a.choice for a in bot.services.surveys.answers(1)] == [(3,)]  # the 4th point of the scale
    bot.services.db.dispose()


async def test_a_number_after_a_side_question_answers_the_assessment(demo_url: str) -> None:
    bot = build_bot(make_settings(demo_url), demo=True)
    chat = ConsoleSession(bot.router)
    asked = await chat.send("start assessment")
    assert "[2] checkout" in asked[0]
    side = await chat.send("what is showback?")
    assert "[2] Chargeback" in side[0]  # the side answer has numbered buttons of its own
    picked = await chat.send("2")
    assert "Maturity assessment: checkout" in picked[0] and "Chargeback" not in picked[0]
    bot.services.db.dispose()


async def test_an_empty_line_is_a_one_line_hint(demo_url: str) -> None:
    bot = build_bot(make_settings(demo_url), demo=True)
    chat = ConsoleSession(bot.router)
    assert await chat.send("") == [EMPTY_LINE] and await chat.send("   ") == [EMPTY_LINE]
    bot.services.db.dispose()
