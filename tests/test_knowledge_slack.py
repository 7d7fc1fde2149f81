"""Knowledge answers on Slack (real-shaped payloads) and Teams cards: a More button that continues, credits shown."""

from __future__ import annotations

import json
from typing import Any

import pytest

from knowledge.article import CC_BY_URL
from tests.fakes import slack_payloads as p
from tests.fakes.slack_harness import Harness, start_harness


@pytest.fixture
async def slack(sqlite_demo_url: str, aiohttp_client: Any):
    h = await start_harness(sqlite_demo_url, aiohttp_client)
    yield h
    await h.fake.stop()


def buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["text"]["text"], e["value"]) for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def test_more_button_continues_the_answer_with_credits(slack: Harness) -> None:
    await slack.event(p.message("who owns rate optimization?", ts="1700000040.000100"))
    first = (await slack.fake.wait_for("chat.postMessage"))[0].args
    blocks = first["blocks"] if isinstance(first["blocks"], list) else json.loads(first["blocks"])
    text = json.dumps(blocks)
    assert "Who is involved in Rate Optimization" in text and "procurement" in text.lower()
    assert "adapted; CC BY 4.0" in text and CC_BY_URL in text  # the work, its licence, and that it was adapted
    more = buttons(blocks)[0]
    assert more == ("More", "more")
    await slack.form(p.block_actions("more", channel="D1", message_ts=first.get("ts", "1700000041.000100"),
                                     label="More", blocks=blocks))
    posts = await slack.fake.wait_for("chat.postMessage", count=2)
    rest = json.dumps(posts[1].args["blocks"])
    assert "More on Rate Optimization" in rest and CC_BY_URL in rest


async def test_teams_card_has_the_more_button_and_the_licence_link(slack: Harness) -> None:
    from adapters.teams_cards import adaptive_cards
    from tests.conftest import message

    result = await slack.bot.router.handle(message("what is showback", thread="teams-card"))
    card = json.dumps(adaptive_cards(result.replies[0]))
    assert '"title": "More"' in card and '"more"' in card and CC_BY_URL in card
