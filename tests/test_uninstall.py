"""Removing the app: Slack ``app_uninstalled`` / ``tokens_revoked`` and Teams ``installationUpdate`` remove or the
bot leaving a conversation forget the stored conversations, so later posts are recorded as failed, not attempted."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from bot.app import build_bot, build_web_app
from bot.delivery import Target
from bot.models import Reply
from tests.conftest import make_settings
from tests.fakes import slack_payloads as p
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.slack_api import TEAM
from tests.fakes.slack_harness import Harness, eventually
from tests.fakes.teams_activities import TeamsClient


def _threads(h: Harness) -> int:
    with h.bot.services.db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM slack_thread WHERE tenant = :t"), {"t": TEAM}).scalar())


@pytest.mark.parametrize("event", [{"type": "app_uninstalled"},
                                   {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}])
async def test_slack_uninstall_forgets_the_workspace(slack: Harness, event: dict[str, Any]) -> None:
    h, refs = slack, slack.bot.services.refs
    h.bot.services.refs.remember("slack", "T-OTHER", "C9", kind="channel", payload={"team_id": "T-OTHER"})
    await h.event(p.message("help", user="U1", channel="D1", ts="1700000400.000001"))
    await h.event(p.app_mention("help", user="U1", channel="C1", ts="1700000400.000002"))
    await eventually(lambda: len(h.fake.of("chat.postMessage")) >= 2)
    await eventually(lambda: {r.channel for r in refs.list("slack") if r.tenant == TEAM} == {"D1", "C1"})
    await eventually(lambda: _threads(h) == 1)  # the mention's thread is stored
    await h.event({**event, "event_ts": "1700000400.000003"}, event_id="EvGone1")
    await eventually(lambda: [r.tenant for r in refs.list("slack")] == ["T-OTHER"])
    await eventually(lambda: _threads(h) == 0)
    assert refs.find("slack", user_ref="slack:U1@T0001") is None


async def test_teams_uninstall_forgets_that_conversation_only(db_url: str, connector: FakeConnector,
                                                              aiohttp_client: Any) -> None:
    bot = build_bot(make_settings(db_url, teams_enabled=True), demo=False)
    alex = TeamsClient(connector.url)
    client = await aiohttp_client(build_web_app(bot))
    for activity in (alex.installed("team"), alex.installed("personal"), alex.installed("groupChat")):
        assert (await client.post("/api/messages", json=activity)).status == 201
    refs = bot.services.refs
    assert {r.channel for r in refs.list("teams")} == {alex.channel_id, alex.personal_id, alex.group_id}
    team_conv = {"conversationType": "channel", "isGroup": True, "id": alex.channel_id}
    removed = alex._base("installationUpdate", team_conv, action="remove")
    assert (await client.post("/api/messages", json=removed)).status == 201
    assert {r.channel for r in refs.list("teams")} == {alex.personal_id, alex.group_id}
    group_conv = {"conversationType": "groupChat", "isGroup": True, "id": alex.group_id}
    left = alex._base("conversationUpdate", group_conv, membersRemoved=[{"id": alex.bot_id}])
    assert (await client.post("/api/messages", json=left)).status == 201
    person_left = alex._base("conversationUpdate", {"conversationType": "personal", "id": alex.personal_id},
                             membersRemoved=[{"id": "29:1someone-else"}])
    assert (await client.post("/api/messages", json=person_left)).status == 201
    assert {r.channel for r in refs.list("teams")} == {alex.personal_id}
    connector.posted.clear()
    result = await bot.services.delivery.send(Target("teams", alex.tenant, channel=alex.channel_id),
                                              [Reply("hello")])
    assert not result.ok and connector.posted == []  # not attempted
    bot.services.db.dispose()
