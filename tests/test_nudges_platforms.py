"""Nudges end to end on the chat platforms: a practitioner composes in a Slack DM or a Teams chat, presses Send on
the preview, the scheduler posts to two teams' channels, and "nudge 1 status" shows delivery; a member is refused."""

from __future__ import annotations

from typing import Any

from bot.access.policy import NEED_PRACTITIONER
from bot.app import build_bot, build_web_app
from tests.conftest import make_settings
from tests.fakes import slack_payloads as p
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.slack_harness import Harness, eventually
from tests.fakes.teams_activities import TeamsClient


def texts(h: Harness, channel: str) -> list[str]:
    return [c.args["text"] for c in h.fake.of("chat.postMessage") if c.args["channel"] == channel]


async def test_slack_practitioner_nudges_two_teams_and_sees_delivery(slack: Harness) -> None:
    h = slack
    await h.event(p.message("nudge payments, checkout: Tag your resources by Friday tomorrow 9am", user="U1",
                            channel="D1", ts="1700000100.000001"))
    [preview] = await eventually(lambda: h.fake.of("chat.postMessage"))
    values = [e["value"] for b in preview.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert values == ["send nudge", "cancel"] and "C0PAYMENTS" in preview.args["text"]
    await h.form(p.block_actions("send nudge", user="U1", channel="D1", message_ts="1700000100.000002",
                                 label="Send"))
    confirm = await eventually(lambda: [t for t in texts(h, "D1") if "is scheduled (job" in t])
    assert "Nudge 1" in confirm[0]
    s = h.bot.services
    [nudge] = s.nudges.store.list()
    await s.scheduler.run_due(nudge.due_at)  # tomorrow 09:00 arrives
    assert texts(h, "C0PAYMENTS") and texts(h, "C0CHECKOUT")
    assert "Tag your resources by Friday" in texts(h, "C0PAYMENTS")[0]
    await h.event(p.message("nudge 1 status", user="U1", channel="D1", ts="1700000100.000003"))
    status = await eventually(lambda: [t for t in texts(h, "D1") if "Delivery:" in t])
    assert "2 sent" in status[0]
    await h.event(p.message("nudge payments: Me too", user="U9", channel="D9", ts="1700000100.000004"))
    assert (await eventually(lambda: texts(h, "D9")))[0] == NEED_PRACTITIONER


async def test_teams_practitioner_nudges_a_team_channel(db_url: str, connector: FakeConnector,
                                                        aiohttp_client: Any) -> None:
    bot = build_bot(make_settings(db_url, teams_enabled=True), demo=False)
    alex = TeamsClient(connector.url)
    bot.services.roles.grant(f"teams:{alex.user_id}@{alex.tenant}", "practitioner", "test")
    bot.services.teams.upsert("payments", teams_conversation=alex.channel_id)
    bot.services.teams.upsert("checkout", teams_conversation="19:never-installed@thread.tacv2")
    client = await aiohttp_client(build_web_app(bot))
    for activity in (alex.installed("team"), alex.installed("personal")):
        assert (await client.post("/api/messages", json=activity)).status == 201
    connector.posted.clear()
    assert (await client.post("/api/messages", json=alex.personal("nudge payments, checkout: Review idle VMs"))
            ).status == 201
    preview = connector.posted[-1]
    send = next(a for a in preview.actions() if a["data"]["value"] == "send nudge")
    conversation = {"conversationType": "personal", "id": alex.personal_id}
    assert (await client.post("/api/messages", json=alex.submit(send, reply_to="bot-msg-1",
                                                                 conversation=conversation))).status == 201
    assert "is on its way (job" in connector.posted[-1].text
    await bot.services.scheduler.run_due()
    [post] = [x for x in connector.posted if x.conversation_id == alex.channel_id]
    assert "Review idle VMs" in post.text
    records = bot.services.nudges.delivery(1)
    assert sorted(r.status for r in records) == ["failed", "sent"]
    assert any("no Teams conversation stored" in (r.reason or "") for r in records)
