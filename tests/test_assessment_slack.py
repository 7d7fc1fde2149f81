"""A whole quick assessment in Slack, over signed HTTP against the fake Web API: /finops assess, 15 button clicks
(one of them double-clicked), then the maturity status."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest

from tests.fakes import slack_payloads as p
from tests.fakes.slack_harness import Harness, eventually, start_harness

_ts = itertools.count(1)


@pytest.fixture
async def slack(sqlite_demo_url: str, aiohttp_client: Any):
    h = await start_harness(sqlite_demo_url, aiohttp_client, rate_limit_per_minute=0)  # tests click faster than people
    h.bot.services.teams.add_member("payments", "slack:U1@T0001", "member")
    yield h
    await h.fake.stop()


async def _posted_after(h: Harness, before: int) -> dict[str, Any]:
    """The first message posted after ``before`` messages (waits for the work after the ack)."""
    await eventually(lambda: len(h.fake.of("chat.postMessage")) > before)
    return h.fake.of("chat.postMessage")[before].args


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    return {e["text"]["text"]: e["value"] for b in message.get("blocks") or [] if b.get("type") == "actions"
            for e in b.get("elements", []) if e.get("type") == "button"}


async def _click(h: Harness, value: str, label: str, twice: bool = False) -> dict[str, Any]:
    before = len(h.fake.of("chat.postMessage"))
    body = p.block_actions(value, channel="D1", label=label, message_ts=f"1700000200.{next(_ts):06d}")
    await h.form(body)
    if twice:
        await h.form(p.block_actions(value, channel="D1", label=label, message_ts=f"1700000200.{next(_ts):06d}"))
    return await _posted_after(h, before)


async def test_quick_assessment_in_slack_then_maturity_status(slack: Harness) -> None:
    before = len(slack.fake.of("chat.postMessage"))
    await slack.form(p.slash_command("assess", channel="D1", response_url=f"{slack.fake.url}/respond/1"))
    prompt = await _posted_after(slack, before)
    assert "Which capabilities should we assess for payments" in prompt["text"]
    question = await _click(slack, _buttons(prompt)["Quick set: Allocation, Budgeting, Usage Optimization"], "Quick")
    for n in range(15):
        assert f"Question {n + 1} / 15" in question["text"], (n, question["text"])
        buttons = _buttons(question)
        assert set(buttons) >= {"0", "1", "2", "3", "4", "Skip", "Why?", "Pause"}
        question = await _click(slack, buttons[str(n % 5)], str(n % 5), twice=n == 3)
    assert "Your assessment of payments is complete" in question["text"]
    aid = int(re.match(r"assess:(\d+):", buttons["0"]).group(1))  # type: ignore[union-attr]
    info = slack.bot.services.maturity.get(aid)  # type: ignore[union-attr]
    assert info.status == "done" and [info.answers[q] for q in range(15)] == [q % 5 for q in range(15)]
    assert any("already recorded" in c.args["text"] for c in slack.fake.of("chat.postEphemeral"))  # the 2nd click
    before = len(slack.fake.of("chat.postMessage"))
    await slack.event(p.message("maturity for payments", channel="D1", ts=f"1700000300.{next(_ts):06d}"))
    status = await _posted_after(slack, before)
    assert "Maturity of payments" in status["text"] and "10 / 20" in json.dumps(status["blocks"])
