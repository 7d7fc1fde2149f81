"""Shared posts keep their buttons: a click on a channel post answers the clicker only and never rewrites the
post; personal messages are updated in place (Slack DM and ephemeral messages, Teams personal cards)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import Bot, build_bot
from tests.conftest import make_settings
from tests.fakes import slack_payloads as p
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.slack_api import Call
from tests.fakes.slack_harness import Harness, eventually
from tests.fakes.teams_activities import TeamsClient


def posts(h: Harness, method: str, channel: str) -> list[Call]:
    return [c for c in h.fake.of(method) if c.args.get("channel") == channel]


def values(blocks: list[dict[str, Any]]) -> list[str]:
    return [e.get("value", "") for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def _sent_survey(h: Harness, line: str) -> None:
    await h.event(p.message(line, user="U1", channel="D1"))
    await eventually(lambda: posts(h, "chat.postMessage", "D1"))
    before = len(posts(h, "chat.postMessage", "D1"))
    await h.form(p.block_actions("survey send 1", user="U1", channel="D1", message_ts="1700000000.000001"))
    await eventually(lambda: len(posts(h, "chat.postMessage", "D1")) > before)
    for _ in range(5):  # invitations and announcements are queued jobs: run them as a replica's scheduler would
        await h.bot.services.scheduler.run_due()


async def test_channel_survey_post_keeps_its_button_and_answers_privately(slack: Harness) -> None:
    h = slack
    await _sent_survey(h, "survey payments: Do you read the weekly cost report? options: yes | no in channels")
    [post] = await eventually(lambda: posts(h, "chat.postMessage", "C0PAYMENTS"))
    assert values(post.args["blocks"]) == ["survey:1:0:start"]
    await h.form(p.block_actions("survey:1:0:start", user="U0DEMO1", channel="C0PAYMENTS", label="Answer",
                                 message_ts="1700000000.000050", blocks=post.args["blocks"]))
    [note] = await eventually(lambda: posts(h, "chat.postEphemeral", "C0PAYMENTS"))
    assert note.args["user"] == "U0DEMO1" and "direct message" in note.args["text"]
    question = (await eventually(lambda: posts(h, "chat.postMessage", "D0DEMO1")))[-1]
    assert values(question.args["blocks"]) == ["survey:1:0:0", "survey:1:0:1"]
    assert posts(h, "chat.update", "C0PAYMENTS") == []  # the channel post was never rewritten
    public = [c.args for c in posts(h, "chat.postMessage", "C0PAYMENTS")]
    assert len(public) == 1 and "U0DEMO1" not in json.dumps(public)


async def test_a_click_on_an_ephemeral_message_replaces_it(slack: Harness) -> None:
    h = slack
    await h.form(p.block_actions("help", user="U7", channel="C5", label="Help", message_ts="1700000000.000070",
                                 thread_ts="1700000000.000069"))
    [helped] = await eventually(lambda: posts(h, "chat.postEphemeral", "C5"))
    assert helped.args["user"] == "U7" and "budget status" in values(helped.args["blocks"])
    respond = f"{h.fake.url}/respond/eph1"
    await h.form(p.block_actions("budget status for payments", user="U7", channel="C5", label="Budget status",
                                 message_ts="1700000000.000071", ephemeral=True, response_url=respond))
    [replaced] = await h.fake.wait_for("response_url")
    assert replaced.args["replace_original"] is True and "payments" in replaced.args["text"].lower()
    assert h.fake.of("chat.update") == [] and posts(h, "chat.postMessage", "C5") == []


async def test_multiple_choice_ticks_update_the_dm_message_in_place(slack: Harness) -> None:
    h = slack
    await _sent_survey(h, "survey slack:U0DEMO1@T0001: Which reports do you read? multi: weekly | monthly | none")
    [invite] = await eventually(lambda: posts(h, "chat.postMessage", "D0DEMO1"))
    blocks = invite.args["blocks"]
    for n, option in enumerate(("survey:1:0:0", "survey:1:0:1")):
        await h.form(p.block_actions(option, user="U0DEMO1", channel="D0DEMO1", label=option,
                                     message_ts="1700000000.000060", blocks=blocks))
        updates = await eventually(lambda n=n: len(posts(h, "chat.update", "D0DEMO1")) > n
                                   and posts(h, "chat.update", "D0DEMO1"))
        blocks = updates[-1].args["blocks"]
    assert "✓ weekly" in json.dumps(blocks, ensure_ascii=False) and "✓ monthly" in json.dumps(blocks,
                                                                                            ensure_ascii=False)
    assert len(posts(h, "chat.postMessage", "D0DEMO1")) == 1  # ticks posted nothing new
    await h.form(p.block_actions("survey:1:0:done", user="U0DEMO1", channel="D0DEMO1", label="Done",
                                 message_ts="1700000000.000060", blocks=blocks))
    await eventually(lambda: any("Thank you" in c.args["text"] for c in posts(h, "chat.postMessage", "D0DEMO1")))
    assert [a.choice for a in h.bot.services.surveys.answers(1)] == [(0, 1)]


# --- Teams ------------------------------------------------------------------------------------------------------
@pytest.fixture
def teams_bot(demo_url: str) -> Bot:
    return build_bot(make_settings(demo_url, teams_enabled=True), demo=True)


async def test_teams_personal_card_is_replaced_after_a_press(client: TestClient, connector: FakeConnector,
                                                             user: TeamsClient) -> None:
    await client.post("/api/messages", json=user.personal("help"))
    [card] = connector.posted
    press = next(a for a in card.actions() if a["data"]["value"] == "budget status")
    conv = user.sent[-1]["conversation"]
    assert (await client.post("/api/messages", json=user.submit(press, "bot-msg-1", conv))).status == 201
    [update] = connector.updated
    assert update.reply_to_id == "bot-msg-1" and update.conversation_id == user.personal_id
    [content] = [a["content"] for a in update.activity["attachments"]]
    assert "actions" not in content and "✅ Budget status" in json.dumps(content, ensure_ascii=False)


async def test_teams_group_chat_card_stays_usable_for_others(client: TestClient, connector: FakeConnector,
                                                             user: TeamsClient) -> None:
    await client.post("/api/messages", json=user.group("help"))
    press = next(a for a in connector.posted[0].actions() if a["data"]["value"] == "budget status")
    conv = user.sent[-1]["conversation"]
    assert (await client.post("/api/messages", json=user.submit(press, "bot-msg-1", conv))).status == 201
    assert connector.updated == [] and len(connector.posted) >= 2  # answered; the shared card untouched


# --- charts in channels the bot has not joined -----------------------------------------------------------------
async def test_chart_in_a_channel_the_bot_is_not_in_is_answered_once(slack: Harness) -> None:
    h = slack
    h.fake.members = {"C0JOINED"}  # chat:write.public lets it post in C1, but not upload files there
    await h.form(p.slash_command("budget payments", channel="C1", response_url=f"{h.fake.url}/respond/c1"))
    await h.fake.wait_for("files.completeUploadExternal")
    await eventually(lambda: len(posts(h, "chat.postMessage", "C1")) == 2)
    answer, note = (c.args["text"] for c in posts(h, "chat.postMessage", "C1"))
    assert "payments" in answer.lower() and "not a member of this channel" in note and "/invite" in note
    assert h.fake.of("response_url") == []  # the answer is not repeated privately
    await h.form(p.slash_command("budget payments", channel="C0JOINED"))
    await h.fake.wait_for("files.completeUploadExternal", 2)
    await eventually(lambda: posts(h, "chat.postMessage", "C0JOINED"))
    assert len(posts(h, "chat.postMessage", "C0JOINED")) == 1  # a member: the chart itself, no note


# --- a picture with no text ---------------------------------------------------------------------------------------
async def test_slack_picture_without_text_says_what_the_bot_reads(slack: Harness) -> None:
    files = [{"id": "F1", "name": "screenshot.png", "mimetype": "image/png", "filetype": "png"}]
    await slack.event(p.message("", subtype="file_share", files=files))
    [answer] = await eventually(lambda: posts(slack, "chat.postMessage", "D1"))
    assert "only read text" in answer.args["text"] and "Here is what I can do" not in answer.args["text"]


async def test_teams_picture_without_text_says_what_the_bot_reads(client: TestClient, connector: FakeConnector,
                                                                  user: TeamsClient) -> None:
    assert (await client.post("/api/messages", json=user.picture())).status == 201
    [answer] = connector.posted
    assert "only read text" in answer.text


# --- an anonymous survey too few people receive ---------------------------------------------------------------------
async def test_anonymous_survey_to_fewer_people_than_its_minimum_warns(slack: Harness) -> None:
    minimum = slack.bot.services.settings.survey_min_responses
    assert minimum > 1
    await slack.event(p.message("survey <@U0DEMO1>: Is the cost report useful? scale anonymous"))
    [preview] = await eventually(lambda: posts(slack, "chat.postMessage", "D1"))
    assert f"only once {minimum} people answered" in preview.args["text"] and "could never be shown" in preview.args[
        "text"]
    await slack.event(p.message("survey <@U0DEMO1>: Is the cost report useful? scale", ts="1700000002.000900"))
    await eventually(lambda: len(posts(slack, "chat.postMessage", "D1")) == 2)
    assert "could never be shown" not in posts(slack, "chat.postMessage", "D1")[1].args["text"]  # not anonymous


async def test_teams_multiple_choice_ticks_update_the_personal_card(client: TestClient, connector: FakeConnector,
                                                                    user: TeamsClient, teams_bot: Bot) -> None:
    me = f"teams:{user.user_id}@{user.tenant}"
    teams_bot.services.roles.grant(me, "practitioner", "test")
    conv = {"conversationType": "personal", "id": user.personal_id}
    await client.post("/api/messages", json=user.personal(f"survey {me}: Which reports? multi: weekly | monthly"))
    send = next(a for a in connector.posted[-1].actions() if a["data"]["value"] == "survey send 1")
    await client.post("/api/messages", json=user.submit(send, "bot-msg-1", conv))
    for _ in range(5):  # the invitation is a queued job: run it as a replica's scheduler would
        await teams_bot.services.scheduler.run_due()
    invite = next(x for x in connector.posted if any(a["data"]["value"] == "survey:1:0:0" for a in x.actions()))
    posted = len(connector.posted)
    tick = next(a for a in invite.actions() if a["data"]["value"] == "survey:1:0:1")
    await client.post("/api/messages", json=user.submit(tick, "bot-msg-9", conv))
    assert len(connector.posted) == posted  # nothing new: the card was updated
    [update] = [u for u in connector.updated if u.reply_to_id == "bot-msg-9"]
    titles = [a["title"] for a in update.activity["attachments"][0]["content"]["actions"]]
    assert "✓ monthly" in titles and "weekly" in titles
