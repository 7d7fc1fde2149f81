"""Teams contract tests: real-shaped activities POSTed to /api/messages of the real app, replies seen by a fake
Bot Framework connector, conversation references stored (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from adapters.teams import TeamsAdapter
from bot.app import Bot, build_bot, build_web_app
from bot.models import ConversationKey
from tests.conftest import make_settings
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.teams_activities import TeamsClient


@pytest.fixture
def teams_bot(demo_url: str) -> Bot:
    return build_bot(make_settings(demo_url, teams_enabled=True), demo=True)


async def post(client: TestClient, activity: dict[str, Any]) -> int:
    resp = await client.post("/api/messages", json=activity)
    return resp.status


async def test_personal_message_is_answered_in_the_chat(client, connector, user, teams_bot) -> None:
    assert await post(client, user.personal("help")) == 201
    [reply] = connector.posted
    assert reply.conversation_id == user.personal_id
    assert "Here is what I can do" in reply.text
    assert reply.activity["textFormat"] == "markdown"
    [card] = reply.cards()
    assert card["version"] == "1.5" and card["body"][0]["text"] == "finops-bot help"
    assert reply.activity["recipient"]["id"] == user.user_id
    refs = teams_bot.services.refs
    stored = await teams_bot.services.db.run(refs.find, "teams", None, f"teams:{user.user_id}@{user.tenant}")
    assert stored is not None and stored.kind == "dm" and stored.channel == user.personal_id
    assert stored.tenant == user.tenant
    assert stored.payload["serviceUrl"] == connector.url and stored.payload["conversation"]["id"] == user.personal_id
    assert "activityId" not in stored.payload


async def test_channel_mention_is_removed_and_reply_goes_to_the_thread(client, connector, user, teams_bot) -> None:
    activity = user.channel("help")
    assert await post(client, activity) == 201
    [reply] = connector.posted
    assert reply.conversation_id == activity["conversation"]["id"]  # the thread: "19:…;messageid=<root>"
    assert reply.reply_to_id == activity["id"]
    assert "Here is what I can do" in reply.text  # "<at>finops-bot</at> help" matched "help"
    stored = await teams_bot.services.db.run(teams_bot.services.refs.find, "teams", user.channel_id)
    assert stored is not None and stored.kind == "channel" and stored.user_ref == ""
    assert stored.payload["conversation"]["id"] == user.channel_id  # the channel, not one thread
    assert "user" not in stored.payload  # the same reference whoever spoke: no rewrite per speaker
    other = TeamsClient(connector.url, user_id="29:1sam", user_name="Sam")
    assert await post(client, other.channel("help")) == 201
    again = await teams_bot.services.db.run(teams_bot.services.refs.find, "teams", user.channel_id)
    assert again is not None and again.updated_at == stored.updated_at


async def test_channel_followups_without_a_mention_only_in_our_threads(client, connector, user, teams_bot) -> None:
    # With ChannelMessage.Read.Group (teams-package --thread-followups) Teams delivers every channel message.
    assert await post(client, user.channel("what is showback?", mention=False)) == 201
    assert connector.posted == []  # channel chatter: not for us
    root = user.channel("what is the inform phase?")
    assert await post(client, root) == 201 and len(connector.posted) == 1
    thread = root["conversation"]["id"].split(";messageid=")[1]
    assert await post(client, user.channel("tell me more", thread=thread, mention=False)) == 201
    assert len(connector.posted) == 2 and connector.posted[1].conversation_id == root["conversation"]["id"]
    assert await post(client, user.channel("thanks, see you at standup", thread=thread, mention=False)) == 201
    assert len(connector.posted) == 2  # people talking to each other in the thread: not answered
    other_root = user.channel("lunch?", mention=False)
    other_thread = other_root["conversation"]["id"].split(";messageid=")[1]
    assert await post(client, user.channel("anyone?", thread=other_thread, mention=False)) == 201
    assert len(connector.posted) == 2
    # another replica knows the thread from the database
    replica = build_bot(make_settings(teams_bot.services.settings.database_url, teams_enabled=True), demo=False)
    assert await TeamsAdapter(replica)._our_thread(ConversationKey("teams", user.tenant, user.channel_id, thread, "x"))
    replica.services.db.dispose()


async def test_channel_thread_is_one_conversation_key(client, connector, user, teams_bot) -> None:
    root = user.channel("help")
    await post(client, root)
    thread = root["conversation"]["id"].split(";messageid=")[1]
    seen = []
    real = teams_bot.router.handle

    async def spy(msg):
        seen.append(msg)
        return await real(msg)

    teams_bot.router.handle = spy  # type: ignore[method-assign]
    await post(client, user.channel("cancel", thread=thread))
    [msg] = seen
    assert (msg.key.platform, msg.key.channel, msg.key.thread) == ("teams", user.channel_id, thread)
    assert msg.key.tenant == user.tenant and msg.key.user_ref == f"teams:{user.user_id}@{user.tenant}"
    assert msg.text == "cancel" and not msg.is_direct


async def test_group_chat_message(client, connector, user) -> None:
    assert await post(client, user.group("what can you do?")) == 201
    [reply] = connector.posted
    assert reply.conversation_id == user.group_id and "Here is what I can do" in reply.text


async def test_card_submit_routes_the_value_and_a_double_click_is_answered_once(client, connector, user) -> None:
    await post(client, user.installed("personal"))
    [welcome] = connector.posted
    action = next(a for a in welcome.actions() if a["data"]["value"] == "help")
    assert action["data"]["msteams"] == {"type": "messageBack", "displayText": "Help", "text": "help",
                                         "value": '{"value": "help"}'}
    conversation = user.sent[-1]["conversation"]
    first = user.submit(action, reply_to="bot-msg-1", conversation=conversation)
    second = user.submit(action, reply_to="bot-msg-1", conversation=conversation)
    assert first["id"] != second["id"]
    assert await post(client, first) == 201
    assert await post(client, second) == 201
    assert len(connector.posted) == 2  # welcome, then one answer to the press; the double click is dropped
    assert "Here is what I can do" in connector.posted[1].text


async def test_card_submit_without_text_uses_the_data_value(client, connector, user, teams_bot) -> None:
    seen = []
    real = teams_bot.router.handle

    async def spy(msg):
        seen.append(msg)
        return await real(msg)

    teams_bot.router.handle = spy  # type: ignore[method-assign]
    press = user.submit({"data": {"value": "help", "note": "x"}}, reply_to="card-9",
                        conversation=user.personal("x")["conversation"])
    assert await post(client, press) == 201
    [msg] = seen
    assert msg.text == "help" and msg.action is not None
    assert (msg.action.id, msg.action.value, dict(msg.action.form)) == ("choice", "help", {"note": "x"})
    assert "Here is what I can do" in connector.posted[-1].text


async def test_installation_sends_a_welcome_card_and_stores_the_reference(client, connector, user, teams_bot) -> None:
    assert await post(client, user.installed("team")) == 201
    [welcome] = connector.posted
    assert welcome.conversation_id == user.channel_id and welcome.reply_to_id is None
    assert "finops-bot" in welcome.text and welcome.actions()
    stored = await teams_bot.services.db.run(teams_bot.services.refs.find, "teams", user.channel_id)
    assert stored is not None and stored.kind == "channel" and stored.tenant == user.tenant


async def test_a_person_joining_gets_no_welcome(client, connector, user) -> None:
    assert await post(client, user.person_joined()) == 201
    assert connector.posted == []


@pytest.mark.parametrize("body,status", [("not json", 400), ("[1, 2]", 400), ('{"text": "no type"}', 400)])
async def test_bad_bodies_are_refused(client, body: str, status: int) -> None:
    resp = await client.post("/api/messages", data=body, headers={"Content-Type": "application/json"})
    assert resp.status == status


async def test_wrong_content_type_is_refused(client) -> None:
    resp = await client.post("/api/messages", data="x", headers={"Content-Type": "text/plain"})
    assert resp.status == 415


async def test_budget_status_comes_with_a_card_and_an_inline_chart(sqlite_demo_url: str, aiohttp_client: Any,
                                                                   connector: FakeConnector, user: TeamsClient) -> None:
    settings = make_settings(sqlite_demo_url, teams_enabled=True, admins=(f"teams:{user.user_id}@{user.tenant}",))
    client = await aiohttp_client(build_web_app(build_bot(settings, demo=True)))
    assert await post(client, user.channel("budget status for payments")) == 201
    first, *rest = connector.posted
    assert "payments" in first.text and first.cards()
    facts = [e for e in first.cards()[0]["body"] if e["type"] == "FactSet"]
    assert "Actual:" in first.text and not facts  # each figure once: in the text, not again as facts
    images = [a for p in connector.posted for a in p.activity.get("attachments") or []
              if a["contentType"] == "image/png"]
    assert len(images) == 1  # the chart: an inline PNG, in the same thread
    assert images[0]["contentUrl"].startswith("data:image/png;base64,iVBOR")
    assert all(p.conversation_id == first.conversation_id for p in rest)


async def test_assessment_in_a_channel_thread_with_card_answers(demo_url: str, aiohttp_client: Any,
                                                                connector: FakeConnector, user: TeamsClient) -> None:
    settings = make_settings(demo_url, teams_enabled=True, admins=(f"teams:{user.user_id}@{user.tenant}",))
    client = await aiohttp_client(build_web_app(build_bot(settings, demo=True)))
    start = user.channel("start assessment for payments")
    assert await post(client, start) == 201
    conversation = start["conversation"]
    for step in range(3):  # the quick capability set, then two questions answered with buttons
        card = connector.posted[-1]
        assert card.conversation_id == conversation["id"]  # everything stays in the thread
        action = card.actions()[0] if step == 0 else next(a for a in card.actions()
                                                          if a["data"]["value"].endswith(":2"))
        press = user.submit(action, reply_to=f"bot-msg-{len(connector.posted)}", conversation=conversation)
        assert await post(client, press) == 201
    assert "Question 3 / 15" in connector.posted[-1].text
    assert connector.posted[-1].reply_to_id  # a reply in the channel thread
