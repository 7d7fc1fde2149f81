"""Parity: the same scripted conversation through Slack (fake Web API) and Teams (fake Bot Framework connector)
gives the same answers and the same buttons, typed or pressed."""

from __future__ import annotations

import html
import itertools
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

    async def _settled(self, before: int, expect: int) -> list[Answer]:
        """Wait until the turns finished (continuation pages included), then read the ``expect`` answers."""
        await self.h.drain()
        answered = sum(1 for c in self.h.fake.of("chat.postMessage")[before:]
                       if not c.args["text"].startswith("(continued, part"))
        assert answered == expect, (answered, expect)
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

    async def say(self, text: str, expect: int = 1) -> list[Answer]:
        before = len(self.h.fake.of("chat.postMessage"))
        await self.h.event(p.message(text, user="U1", channel="D1", ts=f"1700000100.{next(_ts):06d}"))
        return await self._settled(before, expect)

    async def press(self, value: str, label: str, expect: int = 1) -> list[Answer]:
        before = len(self.h.fake.of("chat.postMessage"))
        await self.h.form(p.block_actions(value, user="U1", channel="D1", label=label,
                                          message_ts=f"1700000200.{next(_ts):06d}"))
        return await self._settled(before, expect)


@pytest.fixture
async def sides(tmp_path: Any, aiohttp_client: Any) -> AsyncIterator[tuple[SlackSide, TeamsSide]]:
    # Both people are admins, so they may see every team's budget: the answers must then be identical.
    harness = await start_harness(f"sqlite:///{tmp_path / 'slack.db'}", aiohttp_client, admins=("slack:U1@T0001",))
    connector = FakeConnector()
    await connector.start()
    teams_settings = make_settings(f"sqlite:///{tmp_path / 'teams.db'}", teams_enabled=True,
                                   admins=(f"teams:{TeamsClient('').user_id}@72f988bf-tenant",))
    teams_bot = build_bot(teams_settings, demo=True)
    teams_client = await aiohttp_client(build_web_app(teams_bot))
    yield SlackSide(harness), TeamsSide(teams_client, connector)
    await connector.stop()
    await harness.fake.stop()


# ("say", text) types the text; ("press", n) clicks the n-th button of the previous answers on each platform.
SCRIPT: list[tuple[str, str]] = [
    ("say", "help"),
    ("say", "what is the inform phase?"),
    ("press", "0"),  # the answer's first follow-up button
    ("say", "budget status for payments"),
    ("say", "start assessment for payments"),
    ("press", "0"),  # the quick set of capabilities
    ("press", "3"),  # question 1 answered with a card button
    ("press", "2"),  # question 2
    ("say", "1"),  # question 3 answered by typing
    ("say", "pause"),
    ("say", "maturity status for payments"),
    ("say", "nudges"),
    ("say", "surveys"),
    ("say", "cancel"),
    ("say", "tell me something about penguins"),
]


async def test_same_script_same_answers(sides: tuple[SlackSide, TeamsSide]) -> None:
    slack, teams = sides
    previous: list[Answer] = []
    for step, (kind, arg) in enumerate(SCRIPT):
        # Teams answers synchronously; Slack posts after its ack, so it is awaited for as many answers.
        if kind == "say":
            on_teams = await teams.say(arg)
            on_slack = await slack.say(arg, expect=len(on_teams))
        else:
            buttons = [b for answer in previous for b in answer.buttons]
            assert len(buttons) > int(arg), f"step {step}: no button {arg} in {previous!r}"
            value = buttons[int(arg)]
            on_teams = await teams.press(value, value)
            on_slack = await slack.press(value, value, expect=len(on_teams))
        assert on_slack, f"step {step}: Slack said nothing to {kind} {arg!r}"
        assert on_slack == on_teams, f"step {step} ({kind} {arg!r}) differs"
        previous = on_teams
    # Pressing a button answers exactly like typing its value, on both platforms.
    help_buttons = (await teams.say("help"))[0].buttons
    await slack.say("help")
    value = help_buttons[0]
    pressed_teams = await teams.press(value, value)
    pressed_slack = await slack.press(value, value, expect=len(pressed_teams))
    typed = await teams.say(value)
    assert pressed_slack == pressed_teams == typed
