"""Parity: the same scripted conversation through Slack (fake Web API) and Teams (fake Bot Framework connector)
gives the same answers and the same buttons, typed or pressed."""

from __future__ import annotations

import asyncio
import html
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.app import build_bot, build_web_app
from tests.conftest import make_settings
from tests.fakes import slack_payloads as p
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.slack_harness import Harness, start_harness
from tests.fakes.teams_activities import TeamsClient

_ts = itertools.count(1)


@dataclass(frozen=True)
class Answer:
    """One reply as a person reads it: title and text (whitespace-normalised) and its button values."""

    text: str
    buttons: tuple[str, ...]


def _norm(text: str) -> str:
    return " ".join(html.unescape(text).split())


class TeamsSide:
    """A Teams personal chat against the real app; answers are read from the fake connector."""

    def __init__(self, client: Any, connector: FakeConnector) -> None:
        self.client, self.connector = client, connector
        self.user = TeamsClient(connector.url)
        self.last_card_id = ""

    async def _post(self, activity: dict[str, Any]) -> list[Answer]:
        before = len(self.connector.posted)
        resp = await self.client.post("/api/messages", json=activity)
        assert resp.status == 201, await resp.text()
        new = self.connector.posted[before:]
        answers: list[Answer] = []
        for posted in new:
            cards = posted.cards()
            buttons = tuple(a["data"]["value"] for a in posted.actions())
            if posted.text:
                title = next((b["text"] for c in cards[:1] for b in c["body"][:1] if b.get("weight") == "Bolder"), "")
                answers.append(Answer(_norm(f"{title}\n{posted.text}" if title else posted.text), buttons))
            elif answers and buttons:  # a continuation card carries the buttons of the reply before it
                answers[-1] = Answer(answers[-1].text, answers[-1].buttons + buttons)
        if new:
            self.last_card_id = f"bot-msg-{len(self.connector.posted)}"
        return answers

    async def say(self, text: str) -> list[Answer]:
        return await self._post(self.user.personal(text))

    async def press(self, value: str, label: str) -> list[Answer]:
        action = {"data": {"value": value, "msteams": {"type": "messageBack", "displayText": label, "text": value}}}
        conversation = {"conversationType": "personal", "id": self.user.personal_id}
        return await self._post(self.user.submit(action, reply_to=self.last_card_id, conversation=conversation))


class SlackSide:
    """A Slack DM against the real app; answers are read from the fake Web API once posting settles."""

    def __init__(self, harness: Harness) -> None:
        self.h = harness

    async def _settled(self, before: int) -> list[Answer]:
        deadline, quiet_since, count = time.monotonic() + 5, time.monotonic(), before
        while time.monotonic() < deadline:
            await asyncio.sleep(0.03)
            now = len(self.h.fake.of("chat.postMessage"))
            if now != count:
                count, quiet_since = now, time.monotonic()
            elif now > before and time.monotonic() - quiet_since > 0.3:
                break
        answers: list[Answer] = []
        for call in self.h.fake.of("chat.postMessage")[before:]:
            blocks = call.args.get("blocks") or []
            buttons = tuple(e["value"] for b in blocks if b.get("type") == "actions" for e in b.get("elements", [])
                            if e.get("type") == "button" and "value" in e)
            if call.args["text"].startswith("(continued, part"):
                answers[-1] = Answer(answers[-1].text, answers[-1].buttons + buttons)
            else:
                answers.append(Answer(_norm(call.args["text"]), buttons))
        return answers

    async def say(self, text: str) -> list[Answer]:
        before = len(self.h.fake.of("chat.postMessage"))
        await self.h.event(p.message(text, user="U1", channel="D1", ts=f"1700000100.{next(_ts):06d}"))
        return await self._settled(before)

    async def press(self, value: str, label: str) -> list[Answer]:
        before = len(self.h.fake.of("chat.postMessage"))
        await self.h.form(p.block_actions(value, user="U1", channel="D1", label=label,
                                          message_ts=f"1700000200.{next(_ts):06d}"))
        return await self._settled(before)


@pytest.fixture
async def sides(tmp_path: Any, aiohttp_client: Any) -> AsyncIterator[tuple[SlackSide, TeamsSide]]:
    # Both people are admins, so they may see every team's budget: the answers must then be identical.
    harness = await start_harness(f"sqlite:///{tmp_path / 'slack.db'}", aiohttp_client, admins=("slack:U1",))
    connector = FakeConnector()
    await connector.start()
    teams_settings = make_settings(f"sqlite:///{tmp_path / 'teams.db'}", teams_enabled=True,
                                   admins=(f"teams:{TeamsClient('').user_id}",))
    teams_bot = build_bot(teams_settings, demo=True)
    teams_client = await aiohttp_client(build_web_app(teams_bot))
    yield SlackSide(harness), TeamsSide(teams_client, connector)
    await connector.stop()
    await harness.fake.stop()


# (action, text or value, label): "say" types the text; "press" clicks the button with that value.
SCRIPT: list[tuple[str, str, str]] = [
    ("say", "help", ""),
    ("say", "what can you do?", ""),
    ("say", "budget status for payments", ""),
    ("say", "budget status for checkout", ""),
    ("say", "cancel", ""),
    ("say", "tell me something about penguins", ""),
]


async def test_same_script_same_answers(sides: tuple[SlackSide, TeamsSide]) -> None:
    slack, teams = sides
    transcript = []
    for step, (kind, arg, label) in enumerate(SCRIPT):
        if kind == "say":
            on_slack, on_teams = await slack.say(arg), await teams.say(arg)
        else:
            on_slack, on_teams = await slack.press(arg, label), await teams.press(arg, label)
        assert on_slack, f"step {step}: Slack said nothing to {arg!r}"
        assert on_slack == on_teams, f"step {step} ({kind} {arg!r}) differs"
        transcript.append(on_teams)
    # Pressing the first button help offered answers like typing its value, on both platforms.
    value = transcript[0][0].buttons[0]
    pressed_slack, pressed_teams = await slack.press(value, value), await teams.press(value, value)
    typed = await teams.say(value)
    assert pressed_slack == pressed_teams == typed
