"""Proactive Teams posts: stored references reach their conversation through the fake connector; a deleted
conversation or a removed bot is a failed delivery, never a crash (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from adapters.teams import TeamsAdapter
from bot.app import Bot, build_bot
from bot.delivery import Target
from bot.models import Choice, Field, Reply
from tests.conftest import make_settings
from tests.fakes.bf_connector import FakeConnector

ALERT = Reply("Payments is at 92% of its monthly budget.", title="Budget alert",
              fields=(Field("Actual", "$9,200"), Field("Budget", "$10,000")), choices=(Choice("Details", "budget"),))


@pytest.fixture
def teams_bot(db_url: str) -> Bot:
    return build_bot(make_settings(db_url, teams_enabled=True), demo=False)


async def install(client: TestClient, connector: FakeConnector, activity: dict[str, Any]) -> None:
    assert (await client.post("/api/messages", json=activity)).status == 201
    connector.posted.clear()  # forget the welcome card


async def test_send_proactive_reaches_a_stored_personal_chat(client, connector, user, teams_bot) -> None:
    await install(client, connector, user.installed("personal"))
    stored = await teams_bot.services.db.run(teams_bot.services.refs.find, "teams", None,
                                             f"teams:{user.user_id}@{user.tenant}")
    result = await TeamsAdapter(teams_bot).send_proactive(stored.payload, [ALERT])
    assert result.ok and result.message_id == "bot-msg-2"
    [post] = connector.posted
    assert post.conversation_id == user.personal_id and post.reply_to_id is None
    assert post.text == ALERT.text
    facts = post.cards()[0]["body"][1]["facts"]
    assert facts == [{"title": "Actual", "value": "$9,200"}, {"title": "Budget", "value": "$10,000"}]


async def test_delivery_finds_the_channel_and_posts_into_a_thread(client, connector, user, teams_bot) -> None:
    await install(client, connector, user.installed("team"))
    delivery = teams_bot.services.delivery
    top = await delivery.send(Target("teams", user.tenant, channel=user.channel_id), [Reply("New survey")])
    threaded = await delivery.send(Target("teams", user.tenant, channel=user.channel_id, thread="1700"),
                                   [Reply("Reminder")])
    assert top.ok and threaded.ok
    assert [(p.conversation_id, p.reply_to_id, p.text) for p in connector.posted] == [
        (user.channel_id, None, "New survey"),
        (f"{user.channel_id};messageid=1700", None, "Reminder"),
    ]


async def test_delivery_to_a_person_uses_their_personal_chat(client, connector, user, teams_bot) -> None:
    await install(client, connector, user.personal("hello"))
    result = await teams_bot.services.delivery.send(Target("teams", "", user_ref=f"teams:{user.user_id}@{user.tenant}"),
                                                    [Reply("Your survey is waiting")])
    assert result.ok
    assert connector.posted[-1].conversation_id == user.personal_id


@pytest.mark.parametrize("status,reason", [(404, "conversation not found"), (403, "bot removed")])
async def test_deleted_conversation_or_removed_bot_is_a_failed_result(client, connector, user, teams_bot,
                                                                      status: int, reason: str) -> None:
    await install(client, connector, user.installed("team"))
    connector.mark_gone(user.channel_id, status)
    result = await teams_bot.services.delivery.send(Target("teams", user.tenant, channel=user.channel_id), [ALERT])
    assert not result.ok and reason in (result.error or "") and str(status) in (result.error or "")
    assert connector.posted == []
    sample = teams_bot.services.metrics.deliveries.labels("teams", "failed")._value.get()
    assert sample == 1


async def test_unknown_target_fails_cleanly(client, connector, user, teams_bot) -> None:
    delivery = teams_bot.services.delivery
    missing = await delivery.send(Target("teams", user.tenant, channel="19:never-installed@thread.tacv2"), [ALERT])
    assert not missing.ok and "installed" in (missing.error or "")
    await install(client, connector, user.installed("groupChat"))
    stored = await teams_bot.services.db.run(teams_bot.services.refs.find, "teams", user.group_id)
    assert stored is not None and stored.kind == "group"


async def test_unreachable_connector_is_a_failed_result(sqlite_url: str) -> None:
    bot = build_bot(make_settings(sqlite_url, teams_enabled=True), demo=False)
    down = FakeConnector()
    await down.start()
    await down.stop()  # nothing listens on this port any more (msrest retries a few times first)
    reference = {"serviceUrl": down.url, "channelId": "msteams", "conversation": {"id": "a:1x"},
                 "bot": {"id": "28:b"}, "user": {"id": "29:u"}}
    result = await TeamsAdapter(bot).send_proactive(reference, [ALERT])
    assert not result.ok and "unreachable" in (result.error or "")


async def test_invalid_reference_is_a_failed_result(teams_bot) -> None:
    result = await TeamsAdapter(teams_bot).send_proactive({"conversation": {"id": "x"}}, [ALERT])
    assert not result.ok and "invalid" in (result.error or "")


async def test_a_person_without_a_chat_gets_one_opened(client, connector, user, teams_bot) -> None:
    await install(client, connector, user.installed("team"))
    someone = "29:1someone-in-the-team"
    result = await teams_bot.services.delivery.send(Target("teams", "", user_ref=f"teams:{someone}"),
                                                    [Reply("Please answer the survey")])
    assert result.ok, result.error
    [created] = connector.created
    assert [m["id"] for m in created["members"]] == [someone] and created["isGroup"] is False
    assert created["bot"]["id"] == user.bot_id and created["channelData"] == {"tenant": {"id": user.tenant}}
    [post] = connector.posted
    assert post.conversation_id == f"a:1opened-{someone}" and post.text == "Please answer the survey"
    stored = await teams_bot.services.db.run(teams_bot.services.refs.find, "teams", None, f"teams:{someone}")
    assert stored is not None and stored.kind == "dm" and stored.tenant == user.tenant
    again = await teams_bot.services.delivery.send(Target("teams", "", user_ref=f"teams:{someone}"), [ALERT])
    assert again.ok and len(connector.created) == 1  # the stored chat is reused


async def test_opening_a_chat_refused_when_the_app_is_not_installed_for_them(client, connector, user,
                                                                              teams_bot) -> None:
    await install(client, connector, user.installed("team"))
    connector.not_installed.add("29:1no-app")
    no_app = Target("teams", "", user_ref="teams:29:1no-app@72f988bf-tenant")
    result = await teams_bot.services.delivery.send(no_app, [ALERT])
    assert not result.ok and "not installed" in (result.error or "")
    nobody = await teams_bot.services.delivery.send(Target("teams", "", user_ref="slack:U1@T0001"), [ALERT])
    assert not nobody.ok
