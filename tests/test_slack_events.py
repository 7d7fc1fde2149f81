"""Contract tests: real-shaped, signed Slack payloads POSTed to /slack/events of the real aiohttp app."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from adapters.threads import SlackThreadStore
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import BOT_USER, TEAM
from tests.fakes.slack_harness import Harness, eventually, start_harness


@pytest.fixture
async def slack(sqlite_demo_url: str, aiohttp_client: Any):
    h = await start_harness(sqlite_demo_url, aiohttp_client)
    yield h
    await h.fake.stop()


@pytest.fixture
async def slack_any_db(demo_url: str, aiohttp_client: Any):
    h = await start_harness(demo_url, aiohttp_client)
    yield h
    await h.fake.stop()


async def test_url_verification_echoes_the_challenge(slack: Harness) -> None:
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})
    resp = await slack.post(body)
    assert resp.status == 200
    assert (await resp.json())["challenge"].startswith("3eZbrw1a")


async def test_app_mention_is_answered_in_its_thread(slack: Harness) -> None:
    await slack.event(p.app_mention("help", ts="1700000010.000200"))
    post = (await slack.fake.wait_for("chat.postMessage"))[0]
    assert post.args["channel"] == "C1" and post.args["thread_ts"] == "1700000010.000200"
    assert "help" in post.args["text"].lower() and post.args["blocks"][0]["type"] == "header"
    assert f"<@{BOT_USER}>" not in json.dumps(post.args)
    ref = await eventually(lambda: slack.bot.services.refs.find("slack", channel="C1"))
    assert ref is not None and ref.tenant == TEAM and ref.kind == "channel"


async def test_direct_message_is_answered_in_the_dm(slack: Harness) -> None:
    await slack.event(p.message("help", channel="D42", user="U9"))
    post = (await slack.fake.wait_for("chat.postMessage"))[0]
    assert post.args["channel"] == "D42" and not post.args.get("thread_ts")
    ref = await eventually(lambda: slack.bot.services.refs.find("slack", user_ref="slack:U9@T0001"))
    assert ref is not None and ref.channel == "D42" and ref.kind == "dm"


async def test_forged_signature_and_old_timestamp_get_401(slack: Harness) -> None:
    body = p.event_callback(p.app_mention("help"))
    forged = p.signed_headers(body, secret="not-the-secret")
    assert (await slack.client.post("/slack/events", data=body.encode(), headers=forged)).status == 401
    old = p.signed_headers(body, timestamp=int(time.time()) - 6 * 60)
    assert (await slack.client.post("/slack/events", data=body.encode(), headers=old)).status == 401
    tampered = p.signed_headers(body)
    resp = await slack.client.post("/slack/events", data=body.replace("help", "hepl").encode(), headers=tampered)
    assert resp.status == 401
    await slack.drain()
    assert [c for c in slack.fake.of("chat.postMessage") if c.args["channel"] == "C1"] == []


async def test_retried_delivery_is_answered_once(slack_any_db: Harness) -> None:
    event = p.app_mention("help")
    await slack_any_db.event(event, event_id="Ev0RETRY")
    await slack_any_db.event(event, event_id="Ev0RETRY", **{"X-Slack-Retry-Num": "1",
                                                           "X-Slack-Retry-Reason": "http_timeout"})
    await slack_any_db.fake.wait_for("chat.postMessage")
    await slack_any_db.drain()
    assert len([c for c in slack_any_db.fake.of("chat.postMessage") if c.args["channel"] == "C1"]) == 1


async def test_follow_up_in_the_bots_thread_needs_no_mention(slack: Harness) -> None:
    root = "1700000020.000100"
    await slack.event(p.message("help", channel="C1", channel_type="channel", ts="1700000019.1", thread_ts="999.1"))
    await slack.event(p.app_mention("help", ts=root))
    await slack.fake.wait_for("chat.postMessage", 1)
    follow = p.message("help", channel="C1", channel_type="channel", ts="1700000021.000100", thread_ts=root)
    await slack.event(follow)
    # the same message as Slack also sends it when it mentions the bot: app_mention answers that one
    await slack.event({**follow, "text": f"<@{BOT_USER}> help", "ts": "1700000022.000100"})
    posts = await slack.fake.wait_for("chat.postMessage", 2)
    await slack.drain()
    in_c1 = [c for c in slack.fake.of("chat.postMessage") if c.args["channel"] == "C1"]
    assert len(in_c1) == 2 and [c.args["thread_ts"] for c in posts] == [root, root]
    other_replica = SlackThreadStore(slack.bot.services.db)
    await eventually(lambda: other_replica.is_known(TEAM, "C1", root))  # stored by the flush loop


async def test_thread_talk_between_people_is_left_alone(slack: Harness) -> None:
    root = "1700000030.000100"
    await slack.event(p.app_mention("what is showback?", ts=root))
    await slack.fake.wait_for("chat.postMessage", 1)
    for n, text in enumerate(("thanks, that helps!", "<@U2> can you look at our tags tomorrow?",
                              "lol same", "what is chargeback?", "what's the weather tomorrow?")):
        await slack.event(p.message(text, user="U2", channel="C1", channel_type="channel",
                                    ts=f"1700000031.00010{n}", thread_ts=root))
    posts = await slack.fake.wait_for("chat.postMessage", 3)
    await slack.drain()
    in_thread = [c.args["text"] for c in slack.fake.of("chat.postMessage") if c.args.get("thread_ts") == root]
    assert len(in_thread) == 3  # the first answer, then only the two questions
    assert "chargeback" in posts[1].args["text"].lower()
    assert "outside what I know" in posts[2].args["text"]  # a question off FinOps: said plainly


@pytest.mark.parametrize("event", [
    p.message("help", bot_id="B9"),
    p.message("help", subtype="message_changed"),
    p.message("<@U1> has joined the channel", subtype="channel_join", channel_type="channel"),
    p.message("help", channel="C1", channel_type="channel"),  # a channel message without a mention
    {"type": "message", "subtype": "message_deleted", "channel": "D1", "channel_type": "im", "ts": "1.2"},
])
async def test_bot_posts_edits_joins_and_channel_chatter_are_ignored(slack: Harness, event: dict) -> None:
    await slack.event(event)
    await slack.event(p.message("help", channel="D77"))
    await slack.fake.wait_for("chat.postMessage")
    await slack.drain()
    # only the answer to the DM that follows (posts to other channels would be another process's stray retries
    # reaching a reused port on a shared machine; none may go to the ignored event's channel)
    channels = [c.args["channel"] for c in slack.fake.of("chat.postMessage")]
    assert channels.count("D77") == 1 and event["channel"] not in channels


async def test_own_bot_messages_are_ignored(slack: Harness) -> None:
    await slack.event(p.message("help", user=BOT_USER, channel="D5"))
    await slack.event(p.message("help", channel="D6"))
    await slack.fake.wait_for("chat.postMessage")
    await slack.drain()
    channels = [c.args["channel"] for c in slack.fake.of("chat.postMessage")]
    assert channels.count("D6") == 1 and "D5" not in channels


async def test_slack_poster_is_registered_for_proactive_posts(slack: Harness) -> None:
    from bot.delivery import Target
    from bot.models import Reply

    assert "slack" in slack.bot.services.delivery.platforms
    result = await slack.bot.services.delivery.send(Target("slack", TEAM, user_ref="slack:U3@T0001"), [Reply("nudge")])
    assert result.ok and slack.fake.of("chat.postMessage")[0].args["channel"] == "D3"


async def test_drain_waits_for_the_turns_after_the_ack(slack: Harness) -> None:
    for n in range(3):
        await slack.event(p.message("help", channel=f"D4{n}", ts=f"1700000040.00010{n}"))
    await slack.drain()  # no polling: every acknowledged turn has posted its answer
    channels = [c.args["channel"] for c in slack.fake.of("chat.postMessage")]
    assert sorted(c for c in channels if c.startswith("D4")) == ["D40", "D41", "D42"]


@pytest.mark.parametrize("body", ['{"type": "event_callback", "event": []}', "[1, 2]", "payload=%7B%7D"])
async def test_unsigned_malformed_bodies_are_401_before_any_shape_check(slack: Harness, body: str) -> None:
    resp = await slack.client.post("/slack/events", data=body.encode(), headers={"Content-Type": "application/json"})
    assert resp.status == 401  # not our 400: nothing unsigned reaches the parser
    forged = p.signed_headers(body, secret="not-the-secret")
    assert (await slack.client.post("/slack/events", data=body.encode(), headers=forged)).status == 401
