"""Surveys end to end on the chat platforms: compose, preview, Send, invitations by DM, answers by button and by
typing, a double click, results — through the fake Slack Web API and the fake Bot Framework connector."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from adapters.teams_inbound import DOUBLE_CLICK_SECONDS
from bot.app import Bot, build_bot, build_web_app
from tests.conftest import make_settings
from tests.fakes import slack_payloads as p
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.slack_api import Call, view_problems
from tests.fakes.slack_harness import Harness, eventually
from tests.fakes.teams_activities import TeamsClient

PULSE = "survey payments, checkout: Do you read the weekly cost report? options: yes | no | sometimes by friday"


def buttons(call: Call) -> list[tuple[str, str]]:
    """(label, value) of every button of a posted Slack message."""
    return [(e["text"]["text"], e.get("value", "")) for b in call.args.get("blocks") or [] if b["type"] == "actions"
            for e in b["elements"]]


def posts_to(h: Harness, channel: str) -> list[Call]:
    return [c for c in h.fake.of("chat.postMessage") if c.args["channel"] == channel]


async def click(h: Harness, user: str, channel: str, value: str, ts: str) -> None:
    await h.form(p.block_actions(value, user=user, channel=channel, message_ts=ts, label=value))


async def test_slack_compose_send_answer_double_click_and_results(slack: Harness) -> None:
    h = slack
    await h.event(p.message(PULSE, user="U1", channel="D1"))
    [preview] = await eventually(lambda: posts_to(h, "D1"))
    assert ("Send", "survey send 1") in buttons(preview) and "Preview" in str(preview.args["blocks"])
    await click(h, "U1", "D1", "survey send 1", "1700000000.000001")
    await eventually(lambda: [c for c in posts_to(h, "D1") if "Sending survey" in c.args["text"]])
    await h.bot.services.scheduler.run_due()  # the invitations are queued jobs
    invitations = await eventually(lambda: posts_to(h, "D0DEMO1") and posts_to(h, "D0DEMO2"))
    [invite] = posts_to(h, "D0DEMO1")
    assert "Do you read the weekly cost report?" in invite.args["text"]
    assert [v for _, v in buttons(invite)] == ["survey:1:0:0", "survey:1:0:1", "survey:1:0:2"]
    assert invitations and {c.args["users"] for c in h.fake.of("conversations.open")} >= {"U0DEMO1", "U0DEMO2"}
    sent = await eventually(lambda: [c for c in posts_to(h, "D1") if "of 3 sent" in c.args["text"]])
    assert "2 of 3 sent, 1 failed" in sent[0].args["text"] and "console:you@local" in sent[0].args["text"]

    ts = invite.args.get("ts") or "1700000000.000009"
    await click(h, "U0DEMO1", "D0DEMO1", "survey:1:0:0", ts)
    await eventually(lambda: any("Thank you" in c.args["text"] for c in posts_to(h, "D0DEMO1")))
    await click(h, "U0DEMO1", "D0DEMO1", "survey:1:0:0", ts)  # the same click again: Slack retried it
    await click(h, "U0DEMO1", "D0DEMO1", "survey:1:0:1", ts)  # another option: refused
    await eventually(lambda: any("already answered" in c.args["text"]
                                 for c in h.fake.of("chat.postEphemeral") + posts_to(h, "D0DEMO1")))
    await click(h, "U0DEMO2", "D0DEMO2", "survey:1:0:2", "1700000000.000010")
    await eventually(lambda: any("Thank you" in c.args["text"] for c in posts_to(h, "D0DEMO2")))
    answers = h.bot.services.surveys.answers(1)
    assert sorted((a.user_ref, a.choice) for a in answers) == [("slack:U0DEMO1@T0001", (0,)),
                                                                ("slack:U0DEMO2@T0001", (2,))]

    await h.event(p.message("survey results 1", user="U1", channel="D1", ts="1700000005.000100"))
    results = await eventually(lambda: [c for c in posts_to(h, "D1") if "Results" in str(c.args.get("blocks"))])
    assert "yes: 1 (50%)" in results[0].args["text"] and "sometimes: 1 (50%)" in results[0].args["text"]
    assert (await h.fake.wait_for("upload"))[0].args["png"]
    await h.event(p.message("survey results 1", user="U0DEMO2", channel="D0DEMO2", ts="1700000006.000100"))
    await eventually(lambda: any("author and practitioners" in c.args["text"] for c in posts_to(h, "D0DEMO2")))


async def test_slack_free_text_answer_in_a_modal(slack: Harness) -> None:
    h = slack
    await h.event(p.message("survey slack:U0DEMO1@T0001: What should the next cost report show? text anonymous",
                            user="U1", channel="D1"))
    await eventually(lambda: posts_to(h, "D1"))
    await click(h, "U1", "D1", "survey send 1", "1700000000.000001")
    await eventually(lambda: [c for c in posts_to(h, "D1") if "Sending survey" in c.args["text"]])
    await h.bot.services.scheduler.run_due()
    [invite] = await eventually(lambda: posts_to(h, "D0DEMO1"))
    assert [v for _, v in buttons(invite)] == ["survey:1:0:start"]
    await click(h, "U0DEMO1", "D0DEMO1", "survey:1:0:start", invite.args.get("ts") or "1700000000.000009")
    [opened] = await eventually(lambda: h.fake.of("views.open"))
    view = {**opened.args["view"], "id": "V9", "hash": "h1"}
    assert view_problems(view) == []
    [field] = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["label"]["text"] == "What should the next cost report show?" and "Anonymous" in field["hint"]["text"]
    resp = await h.form(p.filled_view(view, {"answer": "   "}, user="U0DEMO1"))
    assert (await resp.json())["response_action"] == "update"  # blank: the modal stays open with a note
    again = {**(await resp.json())["view"], "id": "V9", "hash": "h2"}
    resp = await h.form(p.filled_view(again, {"answer": "Cost per customer & per feature"}, user="U0DEMO1"))
    assert await resp.text() == ""
    await eventually(lambda: any("Thank you" in c.args["text"] for c in posts_to(h, "D0DEMO1")))
    assert h.bot.services.surveys.answers(1) == []  # anonymous: waits in the mix pool until a batch is full
    [waiting] = h.bot.services.surveys.pool.take(1).values()
    assert waiting == {0: ((), "Cost per customer & per feature")}


@pytest.fixture
def teams_bot(db_url: str) -> Bot:
    bot = build_bot(make_settings(db_url, teams_enabled=True), demo=False)
    bot.services.roles.grant("teams:29:1alex-aad-user@72f988bf-tenant", "practitioner", "test")
    return bot


async def send(client: TestClient, activity: dict[str, Any]) -> None:
    assert (await client.post("/api/messages", json=activity)).status == 201


def invitation(connector: FakeConnector, sid: int) -> Any:
    return next(x for x in connector.posted if any(a["data"].get("value", "").startswith(f"survey:{sid}:")
                                                   for a in x.actions()))


def action(posted: Any, value: str) -> dict[str, Any]:
    return next(a for a in posted.actions() if a["data"].get("value") == value)


async def test_teams_compose_send_answer_by_card_and_by_typing(teams_bot: Bot, connector: FakeConnector,
                                                               aiohttp_client: Any) -> None:
    client = await aiohttp_client(build_web_app(teams_bot))
    alex = TeamsClient(connector.url)
    await send(client, alex.installed("personal"))
    connector.posted.clear()
    me, conversation = f"teams:{alex.user_id}@{alex.tenant}", alex.sent[-1]["conversation"]
    connector.not_installed.add("29:never-installed")  # Teams refuses to open a chat: the app is not installed
    await send(client, alex.personal(f"survey {me}, teams:29:never-installed@72f988bf-tenant: Did the FinOps review "
                                     "help? "
                                     "yes/no anonymous"))
    preview = connector.posted[-1]
    assert "Preview" in preview.cards()[0]["body"][0]["text"]
    await send(client, alex.submit(action(preview, "survey send 1"), reply_to="bot-msg-1", conversation=conversation))
    assert "Sending survey #1" in connector.posted[-1].text
    await teams_bot.services.scheduler.run_due()
    invite = invitation(connector, 1)
    assert "Did the FinOps review help?" in invite.text
    assert [a["data"]["value"] for a in invite.actions()] == ["survey:1:0:0", "survey:1:0:1"]
    report = connector.posted[-1].text
    assert "1 of 2 sent, 1 failed" in report and "29:never-installed" in report  # no name known: shown by id
    yes = action(invite, "survey:1:0:0")
    first = alex.submit(yes, reply_to="bot-msg-2", conversation=conversation)
    second = alex.submit(action(invite, "survey:1:0:1"), reply_to="bot-msg-2", conversation=conversation)
    await send(client, first)
    assert "Thank you" in connector.posted[-1].text and "Anonymous" in connector.posted[-1].text
    await send(client, second)
    assert "already answered" in connector.posted[-1].text
    s = teams_bot.services
    assert s.surveys.answers(1) == []  # anonymous: waits in the mix pool until a batch is full
    assert list(s.surveys.pool.take(1).values()) == [{0: ((0,), None)}]
    # The stored event ids of the two presses cannot be recomputed from a guess of who pressed what.
    with s.db.engine.connect() as conn:
        stored = {r[0] for r in conn.execute(sa.text("SELECT event_id FROM processed_event"))}
    cards = {e for e in stored if e.startswith("teams:card:")}
    assert len(cards) == 3  # Send, and the two answer presses
    for value in ("survey:1:0:0", "survey:1:0:1"):
        for activity in (first, second):
            at = datetime.fromisoformat(activity["timestamp"].replace("Z", "+00:00")).timestamp()
            window = str(int(at // DOUBLE_CLICK_SECONDS))
            guess = hashlib.sha256("\x1f".join((conversation["id"], "bot-msg-2", alex.user_id, value, window))
                                   .encode()).hexdigest()
            assert not any(guess[:32] in e or guess[:40] in e for e in cards)

    await send(client, alex.personal(f"survey {me}: What should the next report show? text"))
    await send(client, alex.submit(action(connector.posted[-1], "survey send 2"), reply_to="bot-msg-5",
                                   conversation=conversation))
    await teams_bot.services.scheduler.run_due()
    invite = invitation(connector, 2)
    assert "What should the next report show?" in invite.text
    await send(client, alex.submit(action(invite, "survey:2:0:start"), reply_to="bot-msg-6",
                                   conversation=conversation))
    asked = connector.posted[-1]
    assert "Type your answer" in asked.text
    assert [e["id"] for e in asked.cards()[0]["body"] if e["type"] == "Input.Text"] == ["answer"]  # or in the card
    await send(client, alex.personal("Cost per customer, please"))
    assert "Thank you" in connector.posted[-1].text
    await send(client, alex.personal("survey results 2"))
    assert "Alex Doe: Cost per customer, please" in connector.posted[-1].text  # by name, not by id


async def test_teams_free_text_answer_in_the_card(teams_bot: Bot, connector: FakeConnector,
                                                  aiohttp_client: Any) -> None:
    client = await aiohttp_client(build_web_app(teams_bot))
    alex = TeamsClient(connector.url)
    await send(client, alex.installed("personal"))
    me, conversation = f"teams:{alex.user_id}@{alex.tenant}", alex.sent[-1]["conversation"]
    await send(client, alex.personal(f"survey {me}: What should the next report show? text"))
    await send(client, alex.submit(action(connector.posted[-1], "survey send 1"), reply_to="bot-msg-1",
                                   conversation=conversation))
    await teams_bot.services.scheduler.run_due()
    invite = invitation(connector, 1)
    await send(client, alex.submit(action(invite, "survey:1:0:start"), reply_to="bot-msg-2",
                                   conversation=conversation))
    [card] = connector.posted[-1].cards()
    await send(client, alex.fill(card, {"answer": "Unit cost per customer"}, reply_to="bot-msg-3",
                                 conversation=conversation))
    assert "Thank you" in connector.posted[-1].text
    [answer] = teams_bot.services.surveys.answers(1)
    assert (answer.user_ref, answer.text) == (me, "Unit cost per customer")
